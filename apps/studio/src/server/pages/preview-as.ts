import type { PreviewAs } from './preview';

// Who a preview reads as, written in the preview's address: `visitor`, `user:<id>` or `role:<name>`.
// Pure (no server imports): the editor's picker writes it, the preview route reads it.

export function previewAsParam(as: PreviewAs): string {
  return as.kind === 'visitor' ? 'visitor' : as.kind === 'user' ? `user:${as.userId}` : `role:${as.role}`;
}

/** Anything unreadable previews as a visitor (the least that can be seen). */
export function parsePreviewAs(value: string): PreviewAs {
  const [kind, ...rest] = value.split(':');
  const arg = rest.join(':');
  if (kind === 'user' && /^\d+$/.test(arg) && Number(arg) > 0) return { kind: 'user', userId: Number(arg) };
  if (kind === 'role' && arg) return { kind: 'role', role: arg };
  return { kind: 'visitor' };
}
