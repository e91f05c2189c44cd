import { useMutation } from '@tanstack/react-query';
import type { FlowDefinition } from '@tillflow/flow-model';
import { useCallback, useEffect, useRef } from 'react';
import { useSaveWithRevision } from '~/lib/use-save-with-revision';
import { useTRPC } from '~/trpc/react';

export type { SaveState } from '~/lib/use-save-with-revision';

/** How long after the last change the draft is saved. */
const AUTOSAVE_DELAY_MS = 700;

/**
 * Autosave: the draft is saved shortly after each change, naming the revision it was based on, so a
 * save over someone else's is refused (CONFLICT) and stops autosaving until a reload. Leaving with an
 * edit not yet saved asks first.
 */
export function useAutosave(options: {
  projectId: number;
  flowId: string;
  definition: FlowDefinition;
  saved: { definition: FlowDefinition; revision: number };
  onError: (message: string) => void;
}) {
  const { projectId, flowId, definition, onError } = options;
  const trpc = useTRPC();
  const { revision, saveState, setSaveState, saveWithRevision } = useSaveWithRevision(options.saved.revision, onError);
  const savedDefinition = useRef(options.saved.definition);
  const saveDraft = useMutation(trpc.flows.saveDraft.mutationOptions());

  // One save at a time: a change made while a slow save is in flight is saved after it, naming the revision
  // that save returned (two saves naming the same revision would refuse the second as a conflict).
  const inFlight = useRef<Promise<boolean> | null>(null);
  const save = useCallback(async (): Promise<boolean> => {
    while (inFlight.current) await inFlight.current;
    const target = definition;
    if (target === savedDefinition.current) return true;
    const attempt = (async () => {
      const result = await saveWithRevision((expectedRevision) =>
        saveDraft.mutateAsync({ projectId, flowId, definition: target, expectedRevision }),
      );
      if (!result) return false;
      savedDefinition.current = target;
      return true;
    })();
    inFlight.current = attempt;
    try {
      return await attempt;
    } finally {
      if (inFlight.current === attempt) inFlight.current = null;
    }
  }, [definition, flowId, projectId, saveDraft, saveWithRevision]);

  // The timer restarts on a new edit only: the editor re-renders for other reasons too (presence heartbeats,
  // review status), and `save` is a new function on each of them, which must not keep postponing the save.
  const latestSave = useRef(save);
  latestSave.current = save;
  useEffect(() => {
    if (definition === savedDefinition.current || saveState === 'conflict') return;
    setSaveState('pending');
    const timer = setTimeout(() => void latestSave.current(), AUTOSAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [definition, saveState, setSaveState]);

  useEffect(() => {
    if (saveState !== 'pending' && saveState !== 'saving') return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [saveState]);

  /** The last version saved (or loaded): the common ancestor when a save conflicts. */
  const base = useCallback(() => savedDefinition.current, []);
  return { saveState, save, revision, base };
}
