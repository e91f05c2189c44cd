'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { SmtpCard } from './smtp-card';

const MAIL_STATUS_WORDS: Record<string, string> = {
  captured: 'Kept here (no mail server set)',
  queued: 'Waiting to be sent',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Not sent',
};

/** A message's delivery state in words: `captured` → "Kept here (no mail server set)". */
export function mailStatusWords(status: string): string {
  return MAIL_STATUS_WORDS[status] ?? status;
}

/** Studio → Mailbox: mail the project sent, or captured when no SMTP server is set. */
export function MailboxPage({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState('');
  const [openId, setOpenId] = useState<number | null>(null);
  const list = useQuery({
    ...trpc.mailbox.list.queryOptions({ projectId, to: filter || undefined }),
    refetchInterval: 3000,
  });
  const open = useQuery({
    ...trpc.mailbox.get.queryOptions({ projectId, messageId: openId ?? 0 }),
    enabled: openId !== null,
  });
  const can = useCan();
  const clear = useMutation(
    trpc.mailbox.clear.mutationOptions({
      onSuccess: () => {
        setOpenId(null);
        return queryClient.invalidateQueries({ queryKey: trpc.mailbox.list.queryKey() });
      },
    }),
  );
  return (
    <div className="max-w-5xl space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">Mailbox</h1>
        <div className="flex gap-2">
          <label className="sr-only" htmlFor="mail-filter">
            Filter by recipient
          </label>
          <input
            id="mail-filter"
            className="input w-full sm:w-56"
            placeholder="Recipient email"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          {can('mailbox.clear') && (
            <button
              type="button"
              className="btn-secondary whitespace-nowrap"
              disabled={clear.isPending || !list.data?.length}
              onClick={() => {
                if (window.confirm('Delete every message in this mailbox?')) clear.mutate({ projectId });
              }}
            >
              Clear mailbox
            </button>
          )}
        </div>
      </div>
      {list.error ? <p className="field-error">{errorMessage(list.error)}</p> : null}
      <div className="grid grid-cols-[minmax(0,1fr)] gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <section className="card p-0" aria-label="Messages">
          {list.data?.length === 0 ? <p className="p-4 text-sm text-slate-600">No mail yet.</p> : null}
          <ul className="divide-y">
            {list.data?.map((m) => (
              <li key={m.id}>
                <button
                  type="button"
                  onClick={() => setOpenId(m.id)}
                  aria-current={openId === m.id ? 'true' : undefined}
                  className={`block w-full px-4 py-2 text-left text-sm hover:bg-slate-50 ${openId === m.id ? 'bg-indigo-50' : ''}`}
                >
                  <span className="block truncate font-medium">{m.subject || '(no subject)'}</span>
                  <span className="block truncate text-slate-600">
                    to {m.toAddress} · {new Date(m.createdAt).toLocaleString()} · {mailStatusWords(m.status)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section className="card space-y-2" aria-label="Message">
          {open.data ? (
            <>
              <h2 className="font-semibold">{open.data.subject || '(no subject)'}</h2>
              <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 text-sm [overflow-wrap:anywhere]">
                <dt className="text-slate-500">From</dt>
                <dd>{open.data.fromAddress}</dd>
                <dt className="text-slate-500">To</dt>
                <dd>{open.data.toAddress}</dd>
                <dt className="text-slate-500">Status</dt>
                <dd>
                  {mailStatusWords(open.data.status)}
                  {open.data.error ? ` — ${open.data.error}` : ''}
                </dd>
              </dl>
              {open.data.html ? (
                <iframe
                  title="Message (HTML)"
                  sandbox=""
                  srcDoc={open.data.html}
                  className="h-80 w-full rounded border"
                />
              ) : null}
              {open.data.text ? (
                <pre className="whitespace-pre-wrap rounded bg-slate-50 p-3 text-sm">{open.data.text}</pre>
              ) : null}
            </>
          ) : (
            <p className="text-sm text-slate-600">Pick a message to read it.</p>
          )}
        </section>
      </div>
      {can('mailbox.saveSettings') && <SmtpCard projectId={projectId} />}
    </div>
  );
}
