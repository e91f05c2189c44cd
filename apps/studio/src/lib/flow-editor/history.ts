/** Undo/redo over immutable snapshots (graphs are small; a snapshot per edit is simplest and exact). */
export interface EditHistory<T> {
  past: T[];
  present: T;
  future: T[];
}

const LIMIT = 100;

export function createHistory<T>(present: T): EditHistory<T> {
  return { past: [], present, future: [] };
}

/** Records a new state; a redo trail is dropped, as in every editor. */
export function pushHistory<T>(h: EditHistory<T>, next: T): EditHistory<T> {
  if (next === h.present) return h;
  return { past: [...h.past, h.present].slice(-LIMIT), present: next, future: [] };
}

/** Replaces the present without an undo step (e.g. a drag in progress, or the server's copy). */
export function replacePresent<T>(h: EditHistory<T>, next: T): EditHistory<T> {
  return { ...h, present: next };
}

export function undo<T>(h: EditHistory<T>): EditHistory<T> {
  if (h.past.length === 0) return h;
  return { past: h.past.slice(0, -1), present: h.past[h.past.length - 1], future: [h.present, ...h.future] };
}

export function redo<T>(h: EditHistory<T>): EditHistory<T> {
  if (h.future.length === 0) return h;
  return { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1) };
}

export const canUndo = <T>(h: EditHistory<T>) => h.past.length > 0;
export const canRedo = <T>(h: EditHistory<T>) => h.future.length > 0;
