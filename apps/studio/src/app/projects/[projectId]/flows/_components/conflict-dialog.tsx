'use client';

import type { MergeResult } from '~/lib/flow-editor';

export type ConflictChoice = 'combine' | 'mine' | 'theirs';

/**
 * A draft save was refused because someone else saved this flow first: the person chooses, in plain words, to
 * combine both (offered when the two touch different steps), keep their own version over the other one, or load
 * the other version and drop their unsaved edits. Every choice is saved through the same revision check.
 */
export function ConflictDialog({
  merge,
  busy,
  error,
  onChoose,
}: {
  /** Null while the other version is being loaded. */
  merge: MergeResult | null;
  busy: boolean;
  error: string | null;
  onChoose: (choice: ConflictChoice) => void;
}) {
  return (
    <div className="fixed inset-0 z-30 flex items-end justify-center bg-black/40 p-4 sm:items-center">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="conflict-title"
        aria-describedby="conflict-explained"
        className="w-full max-w-lg space-y-3 rounded-lg bg-white p-5 shadow-lg"
      >
        <h2 id="conflict-title" className="text-lg font-semibold">
          Someone else changed this flow
        </h2>
        <p id="conflict-explained" className="text-sm text-slate-700">
          While you were editing, another member saved their own changes to this flow. Your latest changes are not saved
          yet.
        </p>
        {merge === null ? (
          <p className="text-sm text-slate-600">Loading their version…</p>
        ) : merge.ok ? (
          <p className="text-sm text-slate-700">
            Your changes and theirs touch different steps, so both can be kept together.
          </p>
        ) : (
          <div className="text-sm text-slate-700">
            <p>You both changed the same part, so the two cannot be combined:</p>
            <ul aria-label="What you both changed" className="mt-1 list-disc pl-5">
              {merge.clashes.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          </div>
        )}
        {error && (
          <p role="alert" className="field-error">
            {error}
          </p>
        )}
        <div className="flex flex-wrap justify-end gap-2">
          <button type="button" className="btn-secondary" disabled={busy || !merge} onClick={() => onChoose('theirs')}>
            Load their version (drop my changes)
          </button>
          <button type="button" className="btn-secondary" disabled={busy || !merge} onClick={() => onChoose('mine')}>
            Keep my version (replace theirs)
          </button>
          {merge?.ok && (
            // biome-ignore lint/a11y/noAutofocus: the safe choice takes the focus when the dialog opens
            <button type="button" className="btn" autoFocus disabled={busy} onClick={() => onChoose('combine')}>
              Combine both
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
