// Other people on the canvas, as the editor draws them: initials, a colour of their own (the same in every
// browser: it follows their account id) and the nodes they have selected.

export interface Peer {
  userId: string;
  name: string;
  email: string;
  initials: string;
  color: string;
  selection: string[];
}

/** Dark enough for white initials, far enough apart to tell people apart; none is the editor's own indigo. */
export const PEER_COLORS = ['#0f766e', '#b45309', '#be123c', '#7e22ce', '#0369a1', '#4d7c0f', '#c2410c', '#1d4ed8'];

export const initials = (name: string) =>
  name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join('');

export function colorOf(userId: string) {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PEER_COLORS[hash % PEER_COLORS.length];
}

/** Everyone on the canvas except you. */
export function peersOf(
  present: { userId: string; name: string; email: string; you: boolean; selection: string[] }[],
): Peer[] {
  return present.filter((p) => !p.you).map((p) => ({ ...p, initials: initials(p.name), color: colorOf(p.userId) }));
}

/** Node id → the people who have it selected (for outlines on the canvas). */
export function selectedBy(peers: Peer[]): Map<string, Peer[]> {
  const byNode = new Map<string, Peer[]>();
  for (const peer of peers) for (const id of peer.selection) byNode.set(id, [...(byNode.get(id) ?? []), peer]);
  return byNode;
}
