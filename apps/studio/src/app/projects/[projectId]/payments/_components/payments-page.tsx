'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { ActivationCard } from './activation-card';
import { BrandingCard } from './branding-card';
import { CatalogCard } from './catalog-card';
import { CouponsCard } from './coupons-card';
import { EndpointsCard } from './endpoints-card';
import { OrderBindingCard } from './order-binding-card';
import { ReturnAddressesCard } from './return-addresses-card';
import { StripeKeysCard } from './stripe-keys-card';

export function PaymentsPage({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.payments.settings.queryOptions({ projectId }));
  if (settings.isLoading) return <p>Loading…</p>;
  if (settings.error || !settings.data) return <p role="alert">{errorMessage(settings.error)}</p>;
  const s = settings.data;
  return (
    <div className="max-w-4xl space-y-6">
      <header className="flex items-center gap-3">
        <h1 className="text-2xl font-semibold">Payments</h1>
        {s.activatedAt && (
          <Link className="btn-secondary" href={`/projects/${projectId}/payments/dashboard`}>
            Open dashboard
          </Link>
        )}
        {s.usesSandbox ? (
          <span className="rounded-full bg-amber-100 px-2.5 py-0.5 text-xs font-semibold text-amber-800">Sandbox</span>
        ) : (
          <span className="rounded-full bg-green-100 px-2.5 py-0.5 text-xs font-semibold text-green-800">
            Stripe {s.mode === 'live' ? 'live' : 'test'} mode
          </span>
        )}
      </header>
      <ActivationCard projectId={projectId} settings={s} />
      {s.activatedAt && <OrderBindingCard projectId={projectId} orderTable={s.orderTable} />}
      <StripeKeysCard projectId={projectId} settings={s} />
      <BrandingCard projectId={projectId} settings={s} />
      <ReturnAddressesCard projectId={projectId} settings={s} />
      {s.secretKeyMasked && <CatalogCard projectId={projectId} />}
      {s.secretKeyMasked && <CouponsCard projectId={projectId} />}
      {s.activatedAt && <EndpointsCard projectId={projectId} />}
    </div>
  );
}
