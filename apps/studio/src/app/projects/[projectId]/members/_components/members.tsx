'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { MEMBER_ROLES, type MemberRole, ROLE_DESCRIPTIONS, ROLE_LABELS } from '~/lib/member-roles';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { type RouterOutputs, useTRPC } from '~/trpc/react';

type Sent = RouterOutputs['members']['invite'];

/** Who works on the project, with which role; invitations; leaving; one's own sessions. */
export function Members({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const list = useQuery(trpc.members.list.queryOptions({ projectId }));
  // What this member may do here, from the policy table (server/teams/policy.ts): managing members is the owners'.
  const can = useCan();
  const may = (procedure: string) => list.data !== undefined && can(procedure);
  const isOwner = may('members.setRole');
  const invitations = useQuery({
    ...trpc.members.invitations.queryOptions({ projectId }),
    enabled: may('members.invitations'),
  });
  const invalidate = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.members.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.activity.pathKey() }),
    ]);
  const setRole = useMutation(trpc.members.setRole.mutationOptions({ onSuccess: invalidate }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ onSuccess: invalidate }));
  const transfer = useMutation(trpc.members.transferOwnership.mutationOptions({ onSuccess: invalidate }));
  const revoke = useMutation(trpc.members.revokeInvitation.mutationOptions({ onSuccess: invalidate }));
  const setReview = useMutation(trpc.members.setPublishReview.mutationOptions({ onSuccess: invalidate }));
  const leave = useMutation(
    trpc.members.leave.mutationOptions({
      onSuccess: () => {
        router.push('/projects');
        router.refresh();
      },
    }),
  );
  const failure =
    list.error ?? setRole.error ?? remove.error ?? transfer.error ?? revoke.error ?? leave.error ?? setReview.error;

  return (
    <div className="max-w-4xl space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Members</h1>
        <p className="text-sm text-slate-600">
          The people who work on this project and what each may do.
          {list.data && <> Your role: {ROLE_LABELS[list.data.you.role]}.</>}
        </p>
      </div>
      {failure && (
        <p role="alert" className="field-error">
          {errorMessage(failure)}
        </p>
      )}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" aria-label="Members">
          <thead className="bg-slate-50 text-left">
            <tr>
              <th className="px-3 py-2">Name</th>
              <th className="px-3 py-2">Email</th>
              <th className="px-3 py-2">Role</th>
              {isOwner && <th className="px-3 py-2">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data?.members.map((m) => {
              const you = m.userId === list.data.you.userId;
              return (
                <tr key={m.userId} className="border-t border-slate-100">
                  <td className="px-3 py-1.5">
                    {m.name}
                    {you && <span className="ml-1 text-slate-500">(you)</span>}
                  </td>
                  <td className="px-3 py-1.5">{m.email}</td>
                  <td className="px-3 py-1.5">
                    {isOwner && !you ? (
                      <select
                        aria-label={`Role of ${m.name}`}
                        className="input w-32"
                        value={m.role}
                        onChange={(e) =>
                          setRole.mutate({ projectId, userId: m.userId, role: e.target.value as MemberRole })
                        }
                      >
                        {MEMBER_ROLES.map((r) => (
                          <option key={r} value={r}>
                            {ROLE_LABELS[r]}
                          </option>
                        ))}
                      </select>
                    ) : (
                      ROLE_LABELS[m.role]
                    )}
                  </td>
                  {isOwner && (
                    <td className="space-x-2 px-3 py-1.5 whitespace-nowrap">
                      {!you && (
                        <>
                          <button
                            type="button"
                            className="btn-secondary"
                            onClick={() => {
                              if (window.confirm(`Make ${m.name} the owner? You will become an editor.`))
                                transfer.mutate({ projectId, userId: m.userId });
                            }}
                          >
                            Hand over ownership
                          </button>
                          <button
                            type="button"
                            className="btn-secondary"
                            onClick={() => {
                              if (window.confirm(`Remove ${m.name} from the project? Their access ends at once.`))
                                remove.mutate({ projectId, userId: m.userId });
                            }}
                          >
                            Remove
                          </button>
                        </>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      {may('members.invite') && <InviteForm projectId={projectId} onSent={invalidate} />}

      {list.data && (
        <section className="card space-y-2" aria-labelledby="review-heading">
          <h2 id="review-heading" className="font-semibold">
            Review before publish
          </h2>
          {may('members.setPublishReview') ? (
            <label className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                className="mt-1"
                checked={list.data.reviewPaymentPublish}
                disabled={setReview.isPending}
                onChange={(e) => setReview.mutate({ projectId, on: e.target.checked })}
              />
              <span>
                A second member approves before a payment automation goes live
                <span className="block text-slate-600">
                  Changes to the automations that handle payments (the built-in ones and those started by Stripe) are
                  published only when another owner or editor approves them. Nobody approves their own change.
                </span>
              </span>
            </label>
          ) : (
            <p className="text-sm text-slate-700">
              {list.data.reviewPaymentPublish
                ? 'Changes to payment automations go live only when a second owner or editor approves them.'
                : 'Payment automations are published without a second member’s approval (an owner can change this).'}
            </p>
          )}
        </section>
      )}

      {may('members.invitations') && (invitations.data?.length ?? 0) > 0 && (
        <section className="space-y-2">
          <h2 className="text-lg font-semibold">Waiting for an answer</h2>
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
            {invitations.data?.map((i) => (
              <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
                <span>
                  {i.email} as {ROLE_LABELS[i.role as MemberRole]}, invited by {i.invitedBy ?? 'an owner'}; expires{' '}
                  {new Date(i.expiresAt).toLocaleDateString()}
                </span>
                <button type="button" className="btn-secondary" onClick={() => revoke.mutate({ projectId, id: i.id })}>
                  Withdraw
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="card space-y-2">
        <h2 className="text-lg font-semibold">What each role may do</h2>
        <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[8rem_1fr]">
          {MEMBER_ROLES.map((r) => (
            <div key={r} className="contents">
              <dt className="font-medium">{ROLE_LABELS[r]}</dt>
              <dd className="text-slate-600">{ROLE_DESCRIPTIONS[r]}</dd>
            </div>
          ))}
        </dl>
      </section>

      <Sessions />

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">Leave this project</h2>
        <p className="text-sm text-slate-600">
          You lose access at once. A project always keeps at least one owner, so the only owner cannot leave.
        </p>
        <button
          type="button"
          className="btn-secondary"
          onClick={() => {
            if (window.confirm('Leave this project?')) leave.mutate({ projectId });
          }}
        >
          Leave project
        </button>
      </section>
    </div>
  );
}

function InviteForm({ projectId, onSent }: { projectId: number; onSent: () => unknown }) {
  const trpc = useTRPC();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('editor');
  const [sent, setSent] = useState<Sent | null>(null);
  const [copied, setCopied] = useState(false);
  const invite = useMutation(
    trpc.members.invite.mutationOptions({
      onSuccess: (result) => {
        setSent(result);
        setEmail('');
        setCopied(false);
        return onSent();
      },
    }),
  );
  const errors = fieldErrors(invite.error);
  return (
    <section className="card space-y-3">
      <h2 className="text-lg font-semibold">Invite someone</h2>
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          setSent(null);
          invite.mutate({ projectId, email, role });
        }}
      >
        <div>
          <label className="label" htmlFor="invite-email">
            Email address
          </label>
          <input
            id="invite-email"
            type="email"
            className="input"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div>
          <label className="label" htmlFor="invite-role">
            Role
          </label>
          <select
            id="invite-role"
            className="input"
            value={role}
            onChange={(e) => setRole(e.target.value as MemberRole)}
          >
            {MEMBER_ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </div>
        <button className="btn" type="submit" disabled={invite.isPending}>
          Send invitation
        </button>
      </form>
      {invite.error && <p className="field-error">{errors.email ?? errorMessage(invite.error)}</p>}
      {sent && (
        <div role="status" className="space-y-2 text-sm">
          <p>
            {sent.delivery === 'smtp'
              ? `Invitation emailed to ${sent.email}.`
              : sent.delivery === 'mailbox'
                ? `No mail server is set up, so the email to ${sent.email} is in this project’s Mailbox. Copy the link and send it yourself:`
                : `The email to ${sent.email} could not be sent. Copy the link and send it yourself:`}
          </p>
          <div className="flex flex-wrap gap-2">
            <input aria-label="Invitation link" readOnly className="input min-w-0 flex-1" value={sent.link} />
            <button
              type="button"
              className="btn-secondary"
              onClick={() => {
                void navigator.clipboard?.writeText(sent.link).then(() => setCopied(true));
              }}
            >
              {copied ? 'Copied' : 'Copy link'}
            </button>
          </div>
          <p className="text-slate-500">
            It works once, only for {sent.email}, until {new Date(sent.expiresAt).toLocaleString()}.
          </p>
        </div>
      )}
    </section>
  );
}

/** The signed-in account's own sessions (every browser it is signed in on), each can be signed out. */
function Sessions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.sessions.list.queryOptions());
  const revoke = useMutation(
    trpc.sessions.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.sessions.pathKey() }),
    }),
  );
  return (
    <section className="space-y-2">
      <h2 className="text-lg font-semibold">Where you are signed in</h2>
      {revoke.error && <p className="field-error">{errorMessage(revoke.error)}</p>}
      <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
        {sessions.data?.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
            <span>
              {browserName(s.userAgent)}
              {s.ipAddress ? ` from ${s.ipAddress}` : ''}, signed in {new Date(s.createdAt).toLocaleString()}
              {s.current && <strong className="ml-1">(this browser)</strong>}
            </span>
            {!s.current && (
              <button type="button" className="btn-secondary" onClick={() => revoke.mutate({ sessionId: s.id })}>
                Sign out
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function browserName(userAgent: string | null) {
  if (!userAgent) return 'A browser';
  const name = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Chrome\//.test(userAgent)
      ? 'Chrome'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'A browser';
  const os = /Windows/.test(userAgent)
    ? 'Windows'
    : /Mac OS/.test(userAgent)
      ? 'macOS'
      : /Android/.test(userAgent)
        ? 'Android'
        : /iPhone|iPad/.test(userAgent)
          ? 'iOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : '';
  return os ? `${name} on ${os}` : name;
}
