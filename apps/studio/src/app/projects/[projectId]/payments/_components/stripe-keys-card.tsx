'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { type RouterOutputs, useTRPC } from '~/trpc/react';

interface Props {
  projectId: number;
  settings: {
    publishableKey: string | null;
    secretKeyMasked: string | null;
    usesSandbox: boolean;
    apiBase: string;
    mode: string;
  };
}

/** Which account the shop's payments go to, in words: the built-in sandbox, your Stripe test mode, or live. */
export function accountInUse(settings: Pick<Props['settings'], 'usesSandbox' | 'mode'>): string {
  if (settings.usesSandbox) return 'Built-in test sandbox';
  return settings.mode === 'live' ? 'Your Stripe account, live: real money' : 'Your Stripe account, test mode';
}

export function StripeKeysCard({ projectId, settings }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // The sandbox's own keys were never typed by this person: the form starts empty for them.
  const [publishableKey, setPublishableKey] = useState(settings.usesSandbox ? '' : (settings.publishableKey ?? ''));
  const [secretKey, setSecretKey] = useState('');
  const [apiBase, setApiBase] = useState<'stripe' | 'sandbox'>('stripe');
  const save = useMutation(
    trpc.payments.saveKeys.mutationOptions({
      onSuccess: () => {
        setSecretKey('');
        return queryClient.invalidateQueries({ queryKey: trpc.payments.settings.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  return (
    <section className="card space-y-3" aria-labelledby="keys-heading">
      <h2 id="keys-heading" className="font-semibold">
        Stripe account
      </h2>
      <p className="text-sm">
        Payments go to:{' '}
        <output aria-label="Account in use" className="font-semibold">
          {accountInUse(settings)}
        </output>
      </p>
      <p className="text-sm text-slate-600">
        {settings.usesSandbox ? (
          'Everything works end to end with test cards, and no money moves. When you are ready, enter the keys from your Stripe Dashboard (Developers → API keys): test keys to try your own account, live keys for real payments.'
        ) : (
          <>
            Your secret key is kept encrypted and never shown in full:{' '}
            <output aria-label="Stored secret key" className="break-all font-mono">
              {settings.secretKeyMasked}
            </output>
            . Enter new keys to switch accounts or modes.
          </>
        )}
      </p>
      <form
        className="grid gap-3 sm:grid-cols-2"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ projectId, publishableKey, secretKey, apiBase });
        }}
      >
        <div>
          <label className="label" htmlFor="publishable-key">
            Publishable key
          </label>
          <input
            id="publishable-key"
            className="input"
            value={publishableKey}
            onChange={(e) => setPublishableKey(e.target.value)}
            placeholder="pk_test_…"
          />
          {errors.publishableKey && <p className="field-error">{errors.publishableKey}</p>}
        </div>
        <div>
          <label className="label" htmlFor="secret-key">
            Secret key
          </label>
          <input
            id="secret-key"
            className="input"
            type="password"
            autoComplete="off"
            value={secretKey}
            onChange={(e) => setSecretKey(e.target.value)}
            placeholder="sk_test_… or rk_…"
          />
          {errors.secretKey && <p className="field-error">{errors.secretKey}</p>}
        </div>
        <details className="text-sm sm:col-span-2">
          <summary className="cursor-pointer text-slate-600">For developers: keys of another sandbox account</summary>
          <label className="label mt-2" htmlFor="api-base">
            Keys belong to
          </label>
          <select
            id="api-base"
            className="input sm:w-auto"
            value={apiBase}
            onChange={(e) => setApiBase(e.target.value as 'stripe' | 'sandbox')}
          >
            <option value="stripe">My Stripe account</option>
            <option value="sandbox">The built-in test sandbox</option>
          </select>
        </details>
        <div className="flex items-end">
          <button className="btn" type="submit" disabled={save.isPending}>
            Check and save keys
          </button>
        </div>
      </form>
      {save.isSuccess && <p className="text-sm text-green-700">Keys checked with Stripe and saved.</p>}
      {save.data && <KeysReport report={save.data} />}
      {save.error && !errors.secretKey && !errors.publishableKey && (
        <p role="alert" className="field-error">
          {errorMessage(save.error)}
        </p>
      )}
    </section>
  );
}

const PURPOSE: Record<string, string> = {
  StripePayment: 'Payment updates',
  StripeRefund: 'Refund updates',
  StripeRecurringPaymentManagement: 'Subscription updates',
  StripeRecurringPaymentDeduction: 'Renewal payments',
  StripeDispute: 'Dispute updates',
  custom: 'Your automation',
};

/** What saving the keys did, endpoint by endpoint, and what the account behind them now holds. */
function KeysReport({ report }: { report: RouterOutputs['payments']['saveKeys'] }) {
  const failed = report.endpoints.filter((e) => !e.ok);
  return (
    <section aria-label="Addresses Stripe calls, after saving the keys" className="space-y-2 text-sm">
      {report.endpoints.length > 0 && (
        <p>
          {failed.length === 0
            ? `All ${report.endpoints.length} of this project's addresses are registered on the account.`
            : `${failed.length} of ${report.endpoints.length} addresses could not be registered:`}
        </p>
      )}
      {failed.length > 0 && (
        <ul role="alert" className="field-error list-disc pl-5">
          {failed.map((e) => (
            <li key={`${e.purpose}-${e.flowId ?? ''}`}>
              {PURPOSE[e.purpose] ?? e.purpose}: {e.error}
            </li>
          ))}
        </ul>
      )}
      {report.retired.length > 0 && (
        <p className="text-slate-600">
          {report.retired.filter((r) => r.ok).length} of our addresses were removed from the previous account
          {report.retired.some((r) => !r.ok)
            ? `; ${report.retired.filter((r) => !r.ok).length} could not be (${report.retired.find((r) => !r.ok)?.error})`
            : ''}
          .
        </p>
      )}
      <h3 className="font-medium">Addresses Stripe calls, on this Stripe account</h3>
      {report.account.error && <p className="field-error">{report.account.error}</p>}
      <ul aria-label="Addresses Stripe calls, on this Stripe account" className="space-y-1">
        {report.account.endpoints.map((e) => (
          <li key={e.stripeEndpointId} className="rounded border border-slate-200 p-2">
            <span className={e.reachesThisProject ? 'text-green-700' : 'text-amber-700'} aria-hidden="true">
              {e.reachesThisProject ? '✓ ' : '• '}
            </span>
            {e.summary}
            <span className="block break-all text-xs text-slate-500" title={e.events.join(', ')}>
              {e.url}
            </span>
          </li>
        ))}
        {report.account.missing.map((m) => (
          <li key={m.purpose} className="rounded border border-red-200 p-2 text-red-800">
            {m.summary}
          </li>
        ))}
      </ul>
    </section>
  );
}
