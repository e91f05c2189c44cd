'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { ActivationCard } from './activation-card';
import { BrandingCard } from './branding-card';
import { CatalogCard } from './catalog-card';
import { CouponsCard } from './coupons-card';
import { EndpointsCard } from './endpoints-card';
import { OrderBindingCard } from './order-binding-card';
import { ReturnAddressesCard } from './return-addresses-card';
import { accountInUse, StripeKeysCard } from './stripe-keys-card';

export function PaymentsPage({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.payments.settings.queryOptions({ projectId }));
  // Stripe keys are the owners' alone (server/teams/policy.ts); other members see which account is in use.
  const can = useCan();
  const ownsProject = can('payments.saveKeys');
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
      {ownsProject ? (
        <StripeKeysCard projectId={projectId} settings={s} />
      ) : (
        <section className="card space-y-2" aria-labelledby="keys-heading">
          <h2 id="keys-heading" className="font-semibold">
            Stripe account
          </h2>
          <p className="text-sm">Payments go to: {accountInUse(s)}.</p>
          <p className="text-sm text-slate-600">Only the project’s owners can see or change the Stripe keys.</p>
        </section>
      )}
      <BrandingCard projectId={projectId} settings={s} />
      {can('payments.saveReturnOrigins') && <ReturnAddressesCard projectId={projectId} settings={s} />}
      {s.hasSecretKey && <CatalogCard projectId={projectId} />}
      {s.hasSecretKey && <CouponsCard projectId={projectId} />}
      {s.activatedAt && <EndpointsCard projectId={projectId} />}
    </div>
  );
}
