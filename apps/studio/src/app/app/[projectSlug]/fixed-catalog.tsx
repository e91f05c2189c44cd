'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { CardPaymentButton } from './_components/card-payment';
import { useAppInfo, useSlug } from './_components/hooks';
import { useAppTRPC } from './_components/trpc';
import { ErrorText, formatMoney } from './_components/ui';

export default function CatalogPage() {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const info = useAppInfo();
  const catalog = useQuery(trpc.app.catalog.queryOptions({ projectSlug: slug }));
  const buy = useMutation(
    trpc.app.buy.mutationOptions({
      onSuccess: (result) => {
        if (result.checkoutUrl) window.location.assign(result.checkoutUrl);
      },
    }),
  );
  const signedIn = Boolean(info.data?.me);
  const cardKey = info.data?.payments.publishableKey ?? null;
  return (
    <section aria-labelledby="catalog-title" className="flex flex-col gap-4">
      <div>
        <h1 id="catalog-title" className="text-2xl font-semibold">
          {info.data?.title ?? 'Shop'}
        </h1>
        {info.data?.payments.brandSlogan ? <p className="text-gray-600">{info.data.payments.brandSlogan}</p> : null}
      </div>
      {!info.data?.payments.activated && info.isSuccess ? (
        <p className="rounded bg-amber-50 p-3 text-sm text-amber-800">Payments are not turned on for this app yet.</p>
      ) : null}
      <ErrorText error={catalog.error ?? buy.error} />
      {catalog.isLoading ? <p className="text-sm text-gray-500">Loading…</p> : null}
      {catalog.data && catalog.data.length === 0 ? (
        <p className="text-sm text-gray-600">Nothing is offered yet.</p>
      ) : null}
      <ul className="grid gap-3 sm:grid-cols-2">
        {catalog.data?.map((item) => (
          <li key={item.key} className="flex flex-col gap-2 rounded-lg border bg-white p-4">
            <h2 className="font-medium">{item.name}</h2>
            <p className="text-lg">
              {formatMoney(item.amount, item.currency)}
              {item.recurring ? (
                <span className="text-sm text-gray-600">
                  {' '}
                  / {item.recurring.intervalCount > 1 ? `${item.recurring.intervalCount} ` : ''}
                  {item.recurring.interval}
                </span>
              ) : null}
            </p>
            {item.recurring?.trialDays ? (
              <p className="text-sm text-blue-800">{item.recurring.trialDays}-day free trial</p>
            ) : null}
            {signedIn ? (
              <button
                type="button"
                disabled={buy.isPending}
                aria-label={`${item.recurring ? 'Subscribe to' : 'Buy'} ${item.name}`}
                onClick={() => buy.mutate({ projectSlug: slug, itemKey: item.key, method: 'checkout' })}
                className="mt-auto rounded bg-gray-900 px-3 py-2 text-white disabled:opacity-50"
              >
                {item.recurring ? 'Subscribe' : 'Buy'}
              </button>
            ) : (
              <Link href={`/app/${slug}/sign-in`} className="mt-auto rounded border px-3 py-2 text-center text-sm">
                Sign in to buy {item.name}
              </Link>
            )}
            {signedIn && cardKey && !item.recurring ? (
              <CardPaymentButton
                itemKey={item.key}
                itemName={item.name}
                publishableKey={cardKey}
                stripeJsUrl={info.data?.payments.stripeJsUrl ?? ''}
              />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
