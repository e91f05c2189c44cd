'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import { useTRPC } from '~/trpc/react';
import { type Peer, peersOf } from './peers';

const HEARTBEAT_MS = 5_000;
/** A selection change is sent this long after the last click, not on every intermediate one. */
const SELECTION_DELAY_MS = 250;

/**
 * Who else has this flow open and what they have selected (server/teams/presence.ts): a heartbeat every few
 * seconds and shortly after the selection changes, and the list of people on the canvas.
 */
export function useCanvasPresence(projectId: number, flowId: string, selectedNodes: Set<string>) {
  const trpc = useTRPC();
  const { mutate: sendBeat } = useMutation(trpc.flows.presence.mutationOptions());
  const { mutate: sendLeave } = useMutation(trpc.flows.leaveCanvas.mutationOptions());
  const here = useQuery({
    ...trpc.flows.present.queryOptions({ projectId, flowId }),
    refetchInterval: HEARTBEAT_MS,
  });
  const { refetch } = here;
  const selection = useRef<string[]>([]);
  selection.current = [...selectedNodes];

  useEffect(() => {
    const tick = () =>
      sendBeat({ projectId, flowId, selection: selection.current }, { onSuccess: () => void refetch() });
    tick();
    const timer = setInterval(tick, HEARTBEAT_MS);
    // A closed or hidden tab leaves at once (others' lists clear at their next refresh, not after the TTL):
    // a keepalive request survives the page going away, where an ordinary one may be cancelled.
    const leaveNow = () =>
      void fetch('/api/trpc/flows.leaveCanvas', {
        method: 'POST',
        keepalive: true,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ json: { projectId, flowId } }),
      }).catch(() => undefined);
    const onVisibility = () => (document.visibilityState === 'hidden' ? leaveNow() : tick());
    window.addEventListener('pagehide', leaveNow);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pagehide', leaveNow);
      document.removeEventListener('visibilitychange', onVisibility);
      sendLeave({ projectId, flowId });
    };
  }, [projectId, flowId, sendBeat, sendLeave, refetch]);

  // Others see a new selection within a moment, not at the next heartbeat.
  const selectionKey = [...selectedNodes].sort().join(',');
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(
      () => sendBeat({ projectId, flowId, selection: selectionKey ? selectionKey.split(',') : [] }),
      SELECTION_DELAY_MS,
    );
    return () => clearTimeout(timer);
  }, [selectionKey, projectId, flowId, sendBeat]);

  return useMemo(() => peersOf(here.data ?? []), [here.data]);
}

/** The people on the canvas besides you: coloured initials with their names (the colour outlines their selection). */
export function CanvasPresence({ peers }: { peers: Peer[] }) {
  if (peers.length === 0) return null;
  return (
    <ul aria-label="Also on this flow" className="flex items-center -space-x-1">
      {peers.map((p) => (
        <li
          key={p.userId}
          aria-label={p.name}
          title={`${p.name} (${p.email}) has this flow open${p.selection.length ? `; selected: ${p.selection.length} step${p.selection.length === 1 ? '' : 's'}` : ''}`}
          className="flex h-7 w-7 items-center justify-center rounded-full border-2 border-white text-xs font-semibold text-white"
          style={{ backgroundColor: p.color }}
        >
          {p.initials}
        </li>
      ))}
    </ul>
  );
}
