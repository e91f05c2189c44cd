'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RefObject } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

/** Published versions with what changed; rolling back publishes an older version again. */
export function VersionsPanel({
  projectId,
  flowId,
  revision,
}: {
  projectId: number;
  flowId: string;
  revision: RefObject<number>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.flows.versions.queryOptions({ projectId, flowId }));
  const mayRollBack = useCan()('flows.rollback');
  const rollback = useMutation(
    trpc.flows.rollback.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.flows.get.queryKey({ projectId, flowId }) });
        await queryClient.invalidateQueries({ queryKey: trpc.flows.versions.queryKey({ projectId, flowId }) });
      },
    }),
  );
  return (
    <section aria-label="Versions" className="space-y-3">
      <h2 className="font-semibold">Versions</h2>
      {rollback.error && (
        <p role="alert" className="field-error">
          {errorMessage(rollback.error)}
        </p>
      )}
      {versions.data?.length === 0 && <p className="text-sm text-slate-500">Not published yet.</p>}
      <ol className="space-y-2">
        {versions.data?.map((v) => (
          <li key={v.id} className="rounded border border-slate-200 p-2 text-sm">
            <p className="font-medium">
              Version {v.version}{' '}
              {v.live && <span className="ml-1 rounded bg-green-100 px-1.5 text-xs text-green-800">live</span>}
            </p>
            <p className="text-xs text-slate-500">
              {v.author ? `Published by ${v.author}, ` : ''}
              {new Date(v.createdAt).toLocaleString()}
            </p>
            <p className="text-xs">{v.summary}</p>
            {!v.live && mayRollBack && (
              <button
                type="button"
                className="btn-secondary mt-1 px-2 py-0.5 text-xs"
                disabled={rollback.isPending}
                onClick={() =>
                  rollback.mutate({ projectId, flowId, versionId: v.id, expectedRevision: revision.current })
                }
              >
                Roll back to version {v.version}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
