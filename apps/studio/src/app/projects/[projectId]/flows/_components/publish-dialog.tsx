'use client';

/**
 * Asks before a payment automation goes live, and says what changes: the next Stripe event runs
 * the new version (orders marked paid, receipts sent), so publishing is never one stray click.
 */
export function PublishDialog({
  flowName,
  changes,
  onConfirm,
  onCancel,
}: {
  flowName: string;
  changes: string[];
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="fixed inset-0 z-30 flex items-end justify-center bg-black/40 p-4 sm:items-center">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="publish-title"
        aria-describedby="publish-explained"
        className="w-full max-w-md space-y-3 rounded-lg bg-white p-5 shadow-lg"
      >
        <h2 id="publish-title" className="text-lg font-semibold">
          Publish {flowName}?
        </h2>
        <p id="publish-explained" className="text-sm text-slate-700">
          This automation handles real payment events: the next one runs the new version at once.
        </p>
        <ul aria-label="What changes" className="list-disc space-y-1 pl-5 text-sm">
          {changes.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onCancel}>
            Cancel
          </button>
          {/* biome-ignore lint/a11y/noAutofocus: the dialog's main action takes the focus when it opens */}
          <button type="button" className="btn" autoFocus onClick={onConfirm}>
            Publish
          </button>
        </div>
      </div>
    </div>
  );
}
