'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTRPC } from '~/trpc/react';

const HEARTBEAT_MS = 5_000;

const initials = (name: string) =>
  name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join('');

/** Who else has this flow open (server/teams/presence.ts): a heartbeat every few seconds, avatars with names. */
export function CanvasPresence({ projectId, flowId }: { projectId: number; flowId: string }) {
  const trpc = useTRPC();
  const beat = useMutation(trpc.flows.presence.mutationOptions());
  const leave = useMutation(trpc.flows.leaveCanvas.mutationOptions());
  const here = useQuery({
    ...trpc.flows.present.queryOptions({ projectId, flowId }),
    refetchInterval: HEARTBEAT_MS,
  });
  const { mutate: sendBeat } = beat;
  const { mutate: sendLeave } = leave;
  const { refetch } = here;
  useEffect(() => {
    const tick = () => sendBeat({ projectId, flowId }, { onSuccess: () => void refetch() });
    tick();
    const timer = setInterval(tick, HEARTBEAT_MS);
    return () => {
      clearInterval(timer);
      sendLeave({ projectId, flowId });
    };
  }, [projectId, flowId, sendBeat, sendLeave, refetch]);
  const others = (here.data ?? []).filter((p) => !p.you);
  if (others.length === 0) return null;
  return (
    <ul aria-label="Also on this flow" className="flex items-center -space-x-1">
      {others.map((p) => (
        <li
          key={p.userId}
          aria-label={p.name}
          title={`${p.name} (${p.email}) has this flow open`}
          className="flex h-7 w-7 items-center justify-center rounded-full border-2 border-white bg-indigo-600 text-xs font-semibold text-white"
        >
          {initials(p.name)}
        </li>
      ))}
    </ul>
  );
}
