import { useCallback, useRef, useState } from 'react';
import { errorMessage } from '~/lib/trpc-errors';

/** Where a draft stands: saved, waiting to be saved, being saved, refused as a conflict, or failed. */
export type SaveState = 'saved' | 'pending' | 'saving' | 'conflict' | 'error';

/**
 * Saving a draft with the revision it was based on (the flow editor's autosave and the page editor's draft):
 * each save names `revision.current` and, once accepted, moves it to the revision the server returned; a save
 * over someone else's is refused with CONFLICT and leaves the state at 'conflict' (the callers stop autosaving
 * there), any other failure at 'error'; either way `onError` gets the message a person should read.
 */
export function useSaveWithRevision<Revision extends number | null>(
  initialRevision: Revision,
  onError: (message: string) => void,
) {
  const revision = useRef<Revision>(initialRevision);
  const [saveState, setSaveState] = useState<SaveState>('saved');
  const saveWithRevision = useCallback(
    async <Result extends { revision: number }>(
      send: (expectedRevision: number) => Promise<Result>,
    ): Promise<Result | null> => {
      const expectedRevision = revision.current;
      if (expectedRevision === null) return null;
      setSaveState('saving');
      try {
        const result = await send(expectedRevision);
        revision.current = result.revision as Revision;
        setSaveState('saved');
        return result;
      } catch (error) {
        const conflict = (error as { data?: { code?: string } }).data?.code === 'CONFLICT';
        setSaveState(conflict ? 'conflict' : 'error');
        onError(errorMessage(error));
        return null;
      }
    },
    [onError],
  );
  return { revision, saveState, setSaveState, saveWithRevision };
}
