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

/** "Pay by card here" on the fixed catalog: starts a Payment Intent for the item, then shows the card form. */
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
  const buy = useMutation(trpc.app.buy.mutationOptions());
  if (!buy.data?.clientSecret)
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
  const orderId = buy.data.orderId;
  return (
    <CardForm
      clientSecret={buy.data.clientSecret}
      label={`Card payment for ${itemName}`}
      publishableKey={publishableKey}
      stripeJsUrl={stripeJsUrl}
      onPaid={() => router.push(`/app/${slug}/orders?paid=${orderId}`)}
    />
  );
}

/**
 * The embedded card form for one Payment Intent (its amount set by the server): Stripe.js's card element, then
 * confirmCardPayment. Used by the fixed catalog and by a builder's page whose "Pay for an order" uses the card form.
 */
export function CardForm({
  clientSecret,
  label,
  publishableKey,
  stripeJsUrl,
  onPaid,
}: {
  clientSecret: string;
  label: string;
  publishableKey: string;
  stripeJsUrl: string;
  onPaid: () => void;
}) {
  const mountRef = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<StripeJs | null>(null);
  const [card, setCard] = useState<unknown>(null);
  const [error, setError] = useState<string | null>(null);
  const [paying, setPaying] = useState(false);

  useEffect(() => {
    if (!clientSecret || !mountRef.current) return;
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
  }, [clientSecret, publishableKey, stripeJsUrl]);

  return (
    <form
      aria-label={label}
      className="flex flex-col gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!stripe || !card) return;
        setPaying(true);
        const result = await stripe.confirmCardPayment(clientSecret, { payment_method: { card } });
        setPaying(false);
        if (result.error) setError(result.error.message ?? 'The payment failed.');
        else onPaid();
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
