'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { PageDefinition } from '@tillflow/page-model';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSaveWithRevision } from '~/lib/use-save-with-revision';
import { useTRPC } from '~/trpc/react';

/**
 * The editor's draft: every edit goes on an undo stack and is autosaved after a short pause with the revision
 * it was based on; a CONFLICT (someone else saved) stops autosave and says so rather than overwriting.
 */
export function usePageDraft(
  projectId: number,
  pageId: number,
  loaded: { draft: PageDefinition; revision: number } | undefined,
) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Seeded at once when the page came with the server's first paint (so the outline is in the HTML).
  const [draft, setDraft] = useState<PageDefinition | null>(loaded?.draft ?? null);
  const seededRevision = useRef(false);
  const [past, setPast] = useState<PageDefinition[]>([]);
  const [future, setFuture] = useState<PageDefinition[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const {
    revision,
    saveState: state,
    setSaveState: setState,
    saveWithRevision,
  } = useSaveWithRevision<number | null>(null, setProblem);
  const [issues, setIssues] = useState<unknown[] | null>(null);
  useEffect(() => {
    if (loaded && (draft === null || !seededRevision.current)) {
      seededRevision.current = true;
      if (draft === null) setDraft(loaded.draft);
      revision.current = loaded.revision;
    }
  }, [loaded, draft, revision]);
  const save = useMutation(trpc.pages.saveDraft.mutationOptions());
  const dirty = useRef<PageDefinition | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const flush = useCallback(async () => {
    const next = dirty.current;
    if (!next || revision.current === null) return;
    dirty.current = null;
    const result = await saveWithRevision((expectedRevision) =>
      save.mutateAsync({ projectId, pageId, definition: next, expectedRevision }),
    );
    if (!result) return;
    setIssues(result.issues);
    if (dirty.current) setState('pending');
    void queryClient.invalidateQueries({ queryKey: trpc.pages.list.queryKey() });
  }, [save, projectId, pageId, queryClient, trpc, revision, saveWithRevision, setState]);
  const change = useCallback(
    (next: PageDefinition) => {
      if (!draft || state === 'conflict') return;
      setPast((p) => [...p.slice(-99), draft]);
      setFuture([]);
      setDraft(next);
      dirty.current = next;
      setState('pending');
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => void flush(), 700);
    },
    [draft, state, flush, setState],
  );
  const travel = (from: PageDefinition[], to: (d: PageDefinition) => void, setFrom: (s: PageDefinition[]) => void) => {
    if (!draft || from.length === 0) return;
    const target = from[from.length - 1];
    setFrom(from.slice(0, -1));
    to(draft);
    setDraft(target);
    dirty.current = target;
    setState('pending');
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void flush(), 700);
  };
  const undo = () => travel(past, (d) => setFuture((f) => [...f, d]), setPast);
  const redo = () => travel(future, (d) => setPast((p) => [...p, d]), setFuture);
  /** After a publish or rollback the server's draft is the truth again. */
  const reset = (next: { draft: PageDefinition; revision: number }) => {
    setDraft(next.draft);
    revision.current = next.revision;
    setState('saved');
    setProblem(null);
  };
  return {
    draft,
    change,
    undo,
    redo,
    canUndo: past.length > 0,
    canRedo: future.length > 0,
    state,
    problem,
    issues,
    flush,
    reset,
  };
}
