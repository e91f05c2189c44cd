'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

export function ApiKeysCard({ projectId, projectSlug }: { projectId: number; projectSlug: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions({ projectId }));
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: (key) => {
        setFresh(key.key);
        setName('');
        return refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({ onSuccess: refresh }));
  return (
    <section className="card space-y-3" aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading" className="font-semibold">
        REST API keys
      </h2>
      <p className="text-sm text-slate-600">
        Server-to-server keys for <code>/api/v1/{projectSlug}/…</code> (see{' '}
        <a className="text-indigo-700 underline" href="/api/v1/openapi.json">
          the OpenAPI document
        </a>
        ). A key acts with full access: keep it on your server.
      </p>
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ projectId, name });
        }}
      >
        <div className="flex-1">
          <label className="label" htmlFor="api-key-name">
            Key name
          </label>
          <input id="api-key-name" className="input" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <button className="btn" type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {create.error && (
        <p role="alert" className="field-error">
          {errorMessage(create.error)}
        </p>
      )}
      {fresh && (
        <p className="rounded bg-amber-50 p-2 text-sm text-amber-900">
          Copy this key now; it will not be shown again:{' '}
          <output aria-label="New API key" className="font-mono">
            {fresh}
          </output>
        </p>
      )}
      <ul className="divide-y divide-slate-100 text-sm" aria-label="API keys">
        {keys.data?.map((k) => (
          <li key={k.id} className="flex items-center justify-between py-2">
            <span>
              <strong>{k.name}</strong> <code>{k.prefix}…</code>{' '}
              {k.revokedAt ? <span className="text-red-700">revoked</span> : null}
            </span>
            {!k.revokedAt && (
              <button
                type="button"
                className="btn-secondary"
                aria-label={`Revoke key ${k.name}`}
                onClick={() => revoke.mutate({ projectId, id: k.id })}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
