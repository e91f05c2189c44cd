'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { type RouterOutputs, useTRPC } from '~/trpc/react';
import type { NoticeActions } from '../_hooks/use-notice';

type Pending = NonNullable<RouterOutputs['flows']['review']['pending']>;

/**
 * Review before publish (server/teams/reviews.ts): whether this flow goes live only through a second member's
 * approval, its open request, and asking, approving, turning down or withdrawing. Refreshed every few seconds,
 * so the author sees the answer without reloading.
 */
export function useReview(options: {
  projectId: number;
  flowId: string;
  save: () => Promise<boolean>;
  notice: NoticeActions;
  onPublished: (version: number) => void;
}) {
  const { projectId, flowId, save, notice, onPublished } = options;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const state = useQuery({ ...trpc.flows.review.queryOptions({ projectId, flowId }), refetchInterval: 5_000 });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.flows.review.queryKey({ projectId, flowId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.flows.versions.queryKey({ projectId, flowId }) }),
    ]);
  const requestM = useMutation(trpc.flows.requestReview.mutationOptions());
  const approveM = useMutation(trpc.flows.approveReview.mutationOptions());
  const rejectM = useMutation(trpc.flows.rejectReview.mutationOptions());
  const run = async (action: () => Promise<string>) => {
    try {
      notice.info(await action());
    } catch (error) {
      notice.error(errorMessage(error));
    } finally {
      await refresh();
    }
  };
  return {
    required: state.data?.required ?? false,
    pending: state.data?.pending ?? null,
    busy: requestM.isPending || approveM.isPending || rejectM.isPending,
    request: (note: string) =>
      run(async () => {
        if (!(await save())) throw new Error('Save the draft first: it could not be saved.');
        await requestM.mutateAsync({ projectId, flowId, note: note || undefined });
        return 'Review requested: another owner or editor can now approve it, and it goes live then.';
      }),
    approve: (reviewId: number) =>
      run(async () => {
        const r = await approveM.mutateAsync({ projectId, reviewId });
        onPublished(r.version);
        return `Approved: ${r.requestedBy}’s change is live as version ${r.version}.`;
      }),
    reject: (reviewId: number, yours: boolean) =>
      run(async () => {
        await rejectM.mutateAsync({ projectId, reviewId });
        return yours ? 'Review request withdrawn.' : 'Review request turned down: nothing was published.';
      }),
  };
}

/** The open request under the toolbar: who asked, when, their note, and the reviewer's buttons. */
export function ReviewBar({
  pending,
  busy,
  onApprove,
  onReject,
}: {
  pending: Pending | null;
  busy: boolean;
  onApprove: (reviewId: number) => void;
  onReject: (reviewId: number, yours: boolean) => void;
}) {
  const can = useCan();
  if (!pending) return null;
  const when = new Date(pending.requestedAt).toLocaleString();
  return (
    <section
      aria-label="Review request"
      className="flex flex-wrap items-center gap-2 border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900"
    >
      <p className="min-w-0 flex-1">
        {pending.yours ? 'You asked' : `${pending.requestedBy} asked`} for a review of this draft on {when}
        {pending.note ? `: “${pending.note}”` : '.'}
        {pending.stale && ' The draft changed since, so it cannot be approved as it is: ask for a new review.'}
        {!pending.stale && !pending.yours && ' Approving publishes it at once.'}
        {!pending.stale && pending.yours && ' Another owner or editor approves it.'}
      </p>
      {!pending.yours && !pending.stale && can('flows.approveReview') && (
        <button type="button" className="btn" disabled={busy} onClick={() => onApprove(pending.id)}>
          Approve and publish
        </button>
      )}
      {can('flows.rejectReview') && (
        <button
          type="button"
          className="btn-secondary"
          disabled={busy}
          onClick={() => onReject(pending.id, pending.yours)}
        >
          {pending.yours ? 'Withdraw request' : 'Turn down'}
        </button>
      )}
    </section>
  );
}

/** Asking for a review: what would change, and a note for the reviewer. */
export function RequestReviewDialog({
  flowName,
  changes,
  onCancel,
  onConfirm,
}: {
  flowName: string;
  changes: string[];
  onCancel: () => void;
  onConfirm: (note: string) => void;
}) {
  const [note, setNote] = useState('');
  return (
    <div className="fixed inset-0 z-30 flex items-end justify-center bg-black/40 p-4 sm:items-center">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="review-title"
        aria-describedby="review-explained"
        className="w-full max-w-md space-y-3 rounded-lg bg-white p-5 shadow-lg"
      >
        <h2 id="review-title" className="text-lg font-semibold">
          Ask for a review of {flowName}?
        </h2>
        <p id="review-explained" className="text-sm text-slate-700">
          This project asks a second member to approve changes to payment automations. Another owner or editor approves
          it, and it goes live then.
        </p>
        <ul aria-label="What changes" className="list-disc space-y-1 pl-5 text-sm">
          {changes.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        <label className="label" htmlFor="review-note">
          Note for the reviewer (optional)
        </label>
        <textarea
          id="review-note"
          className="input"
          rows={2}
          maxLength={500}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="btn" onClick={() => onConfirm(note.trim())}>
            Request review
          </button>
        </div>
      </div>
    </div>
  );
}
