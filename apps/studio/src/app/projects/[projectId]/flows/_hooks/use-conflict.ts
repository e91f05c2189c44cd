import { useQueryClient } from '@tanstack/react-query';
import type { FlowDefinition } from '@tillflow/flow-model';
import { useCallback, useEffect, useState } from 'react';
import { type MergeResult, mergeDrafts } from '~/lib/flow-editor';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC, useTRPCClient } from '~/trpc/react';
import type { ConflictChoice } from '../_components/conflict-dialog';

/**
 * After a refused save (CONFLICT): loads the other version without touching the editor's own copy, works out
 * whether the two can be combined, and carries out the person's choice. Combining and keeping one's own version
 * are saved naming the other version's revision, so a third save in between is refused again (and the dialog
 * starts over with the newest version); afterwards the editor reloads the saved draft.
 */
export function useConflict(options: {
  projectId: number;
  flowId: string;
  conflict: boolean;
  base: () => FlowDefinition;
  mine: FlowDefinition;
}) {
  const { projectId, flowId, conflict, base, mine } = options;
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [theirs, setTheirs] = useState<{ draft: FlowDefinition; revision: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const loadTheirs = useCallback(async () => {
    const latest = await client.flows.get.query({ projectId, flowId });
    setTheirs({ draft: latest.draft, revision: latest.revision });
  }, [client, projectId, flowId]);

  useEffect(() => {
    if (conflict) void loadTheirs().catch((e) => setError(errorMessage(e)));
  }, [conflict, loadTheirs]);

  const merge: MergeResult | null = theirs ? mergeDrafts(base(), mine, theirs.draft) : null;

  const reload = () => queryClient.invalidateQueries({ queryKey: trpc.flows.get.queryKey({ projectId, flowId }) });

  const choose = async (choice: ConflictChoice) => {
    if (!theirs) return;
    setBusy(true);
    setError(null);
    try {
      const definition = choice === 'combine' && merge?.ok ? merge.definition : choice === 'mine' ? mine : null;
      if (definition)
        await client.flows.saveDraft.mutate({ projectId, flowId, definition, expectedRevision: theirs.revision });
      await reload();
    } catch (e) {
      // Saved again by someone in the meantime: show the newest version and ask again.
      if ((e as { data?: { code?: string } }).data?.code === 'CONFLICT') await loadTheirs();
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return { open: conflict, merge, busy, error, choose };
}
