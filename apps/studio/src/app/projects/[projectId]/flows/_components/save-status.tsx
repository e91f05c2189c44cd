import type { SaveState } from '../_hooks/use-autosave';

const LABELS: Record<SaveState, string> = {
  saved: 'Draft saved',
  saving: 'Saving…',
  pending: 'Unsaved changes',
  conflict: 'Conflict: reload',
  error: 'Not saved',
};

export function SaveStatus({ state }: { state: SaveState }) {
  return (
    <span role="status" aria-label="Save status" className="text-xs text-slate-500">
      {LABELS[state]}
    </span>
  );
}
