'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

interface Props {
  projectId: number;
  settings: { publishableKey: string | null; secretKeyMasked: string | null; usesSandbox: boolean; apiBase: string };
}

export function StripeKeysCard({ projectId, settings }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [publishableKey, setPublishableKey] = useState(settings.publishableKey ?? '');
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
        Stripe keys
      </h2>
      <p className="text-sm text-slate-600">
        {settings.secretKeyMasked ? (
          <>
            Secret key on file:{' '}
            <output aria-label="Stored secret key" className="font-mono">
              {settings.secretKeyMasked}
            </output>{' '}
            (stored encrypted; never shown in full).
          </>
        ) : (
          'No keys yet: this project runs on the embedded Stripe sandbox and works end to end with test cards.'
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
        <div>
          <label className="label" htmlFor="api-base">
            Keys belong to
          </label>
          <select
            id="api-base"
            className="input"
            value={apiBase}
            onChange={(e) => setApiBase(e.target.value as 'stripe' | 'sandbox')}
          >
            <option value="stripe">Stripe (api.stripe.com)</option>
            <option value="sandbox">The embedded sandbox</option>
          </select>
        </div>
        <div className="flex items-end">
          <button className="btn" type="submit" disabled={save.isPending}>
            Check and save keys
          </button>
        </div>
      </form>
      {save.isSuccess && <p className="text-sm text-green-700">Keys checked with Stripe and saved.</p>}
      {save.error && !errors.secretKey && !errors.publishableKey && (
        <p role="alert" className="field-error">
          {errorMessage(save.error)}
        </p>
      )}
    </section>
  );
}
