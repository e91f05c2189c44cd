'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useSlug } from './hooks';
import { useAppTRPC } from './trpc';
import { ErrorText } from './ui';

// The embedded card form of a Payment Intent, with Stripe.js: from js.stripe.com with
// real keys, or the sandbox's stand-in (same API, served at <sandbox>/v3/) offline.

interface StripeJs {
  elements(): { create(type: 'card'): { mount(el: HTMLElement): void; destroy(): void } };
  confirmCardPayment(
    clientSecret: string,
    data: { payment_method: { card: unknown } },
  ): Promise<{ error?: { message?: string }; paymentIntent?: { status: string } }>;
}
type StripeFactory = (key: string) => StripeJs;

function loadStripeJs(src: string): Promise<StripeFactory> {
  const w = window as unknown as { Stripe?: StripeFactory };
  if (w.Stripe) return Promise.resolve(w.Stripe);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => (w.Stripe ? resolve(w.Stripe) : reject(new Error('Stripe.js did not load.')));
    script.onerror = () => reject(new Error('Stripe.js is not reachable; use Checkout instead.'));
    document.head.appendChild(script);
  });
}

export function CardPaymentButton({
  itemKey,
  itemName,
  publishableKey,
  stripeJsUrl,
}: {
  itemKey: string;
  itemName: string;
  publishableKey: string;
  stripeJsUrl: string;
}) {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const router = useRouter();
  const mountRef = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<StripeJs | null>(null);
  const [card, setCard] = useState<unknown>(null);
  const [error, setError] = useState<string | null>(null);
  const [paying, setPaying] = useState(false);
  const buy = useMutation(trpc.app.buy.mutationOptions());

  useEffect(() => {
    if (!buy.data?.clientSecret || !mountRef.current) return;
    let element: { destroy(): void } | null = null;
    loadStripeJs(stripeJsUrl)
      .then((factory) => {
        const instance = factory(publishableKey);
        const created = instance.elements().create('card');
        if (mountRef.current) created.mount(mountRef.current);
        element = created;
        setStripe(instance);
        setCard(created);
      })
      .catch((e: Error) => setError(e.message));
    return () => element?.destroy();
  }, [buy.data?.clientSecret, publishableKey, stripeJsUrl]);

  if (!buy.data)
    return (
      <>
        <button
          type="button"
          disabled={buy.isPending}
          aria-label={`Pay for ${itemName} by card here`}
          onClick={() => buy.mutate({ projectSlug: slug, itemKey, method: 'payment_intent' })}
          className="rounded border px-3 py-2 text-sm disabled:opacity-50"
        >
          Pay by card here
        </button>
        <ErrorText error={buy.error} />
      </>
    );
  return (
    <form
      aria-label={`Card payment for ${itemName}`}
      className="flex flex-col gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!stripe || !card || !buy.data?.clientSecret) return;
        setPaying(true);
        const result = await stripe.confirmCardPayment(buy.data.clientSecret, { payment_method: { card } });
        setPaying(false);
        if (result.error) setError(result.error.message ?? 'The payment failed.');
        else router.push(`/app/${slug}/orders?paid=${buy.data.orderId}`);
      }}
    >
      <fieldset className="flex flex-col gap-1">
        <legend className="text-sm">Card details</legend>
        <div ref={mountRef} className="rounded border bg-white p-3" />
      </fieldset>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <button
        type="submit"
        disabled={!card || paying}
        className="rounded bg-gray-900 px-3 py-2 text-white disabled:opacity-50"
      >
        {paying ? 'Paying…' : 'Pay'}
      </button>
    </form>
  );
}
