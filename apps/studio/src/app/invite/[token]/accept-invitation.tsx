'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { ROLE_DESCRIPTIONS, ROLE_LABELS } from '~/lib/member-roles';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

export function AcceptInvitation({ token, email }: { token: string; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const invitation = useQuery({ ...trpc.invitations.peek.queryOptions({ token }), retry: false });
  const accept = useMutation(
    trpc.invitations.accept.mutationOptions({
      onSuccess: (joined) => {
        router.push(`/projects/${joined.projectId}`);
        router.refresh();
      },
    }),
  );
  if (invitation.error)
    return (
      <p role="alert" className="field-error">
        {errorMessage(invitation.error)}
      </p>
    );
  if (!invitation.data) return <p className="text-sm text-slate-600">Loading the invitation…</p>;
  const { projectName, role, invitedBy, email: invited } = invitation.data;
  const wrongAccount = invited.toLowerCase() !== email.toLowerCase();
  return (
    <div className="space-y-3 text-sm">
      <p>
        {invitedBy} invited {invited} to <strong>{projectName}</strong> as <strong>{ROLE_LABELS[role]}</strong>:{' '}
        {ROLE_DESCRIPTIONS[role].toLowerCase()}.
      </p>
      {wrongAccount && (
        <p className="field-error">
          You are signed in as {email}. Sign out and sign in as {invited} to accept this invitation.
        </p>
      )}
      {accept.error && (
        <p role="alert" className="field-error">
          {errorMessage(accept.error)}
        </p>
      )}
      <button
        type="button"
        className="btn"
        disabled={accept.isPending || wrongAccount}
        onClick={() => accept.mutate({ token })}
      >
        Join {projectName}
      </button>
    </div>
  );
}
