'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

/** SMTP settings: without them, the project's mail is captured in the mailbox above. */
export function SmtpCard({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.mailbox.getSettings.queryOptions({ projectId }));
  const [host, setHost] = useState('');
  const [port, setPort] = useState('587');
  const [secure, setSecure] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [fromAddress, setFromAddress] = useState('');
  const [testTo, setTestTo] = useState('');
  useEffect(() => {
    if (!settings.data) return;
    setHost(settings.data.host);
    setPort(String(settings.data.port));
    setSecure(settings.data.secure);
    setUsername(settings.data.username ?? '');
    setFromAddress(settings.data.fromAddress);
  }, [settings.data]);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.mailbox.getSettings.queryKey() });
  const save = useMutation(trpc.mailbox.saveSettings.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.mailbox.deleteSettings.mutationOptions({ onSuccess: refresh }));
  const test = useMutation(
    trpc.mailbox.sendTest.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.mailbox.list.queryKey() }),
    }),
  );
  const error = save.error ?? remove.error ?? test.error;
  return (
    <section className="card space-y-3" aria-labelledby="smtp-heading">
      <h2 id="smtp-heading" className="font-semibold">
        SMTP server
      </h2>
      <p className="text-sm text-slate-600">
        {settings.data
          ? `Mail is sent through ${settings.data.host}:${settings.data.port}.`
          : 'No SMTP server is set: mail is captured in this mailbox instead of being sent.'}
      </p>
      <form
        className="grid gap-3 sm:grid-cols-2"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            projectId,
            settings: {
              host,
              port: Number(port),
              secure,
              username: username || null,
              ...(password ? { password } : {}),
              fromAddress,
            },
          });
          setPassword('');
        }}
      >
        <div>
          <label className="label" htmlFor="smtp-host">
            Host
          </label>
          <input id="smtp-host" className="input" required value={host} onChange={(e) => setHost(e.target.value)} />
        </div>
        <div>
          <label className="label" htmlFor="smtp-port">
            Port
          </label>
          <input
            id="smtp-port"
            type="number"
            className="input"
            required
            value={port}
            onChange={(e) => setPort(e.target.value)}
          />
        </div>
        <div>
          <label className="label" htmlFor="smtp-user">
            Username
          </label>
          <input id="smtp-user" className="input" value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div>
          <label className="label" htmlFor="smtp-password">
            Password {settings.data?.hasPassword ? '(set; leave empty to keep)' : ''}
          </label>
          <input
            id="smtp-password"
            type="password"
            className="input"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <div>
          <label className="label" htmlFor="smtp-from">
            From address
          </label>
          <input
            id="smtp-from"
            className="input"
            required
            placeholder="Shop <shop@example.com>"
            value={fromAddress}
            onChange={(e) => setFromAddress(e.target.value)}
          />
        </div>
        <label className="flex items-center gap-2 self-end text-sm">
          <input type="checkbox" checked={secure} onChange={(e) => setSecure(e.target.checked)} />
          TLS from the start (port 465)
        </label>
        <div className="flex flex-wrap gap-2 sm:col-span-2">
          <button type="submit" className="btn" disabled={save.isPending}>
            Save SMTP settings
          </button>
          {settings.data ? (
            <button
              type="button"
              className="btn-secondary"
              disabled={remove.isPending}
              onClick={() => remove.mutate({ projectId })}
            >
              Remove (capture mail instead)
            </button>
          ) : null}
        </div>
      </form>
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          test.mutate({ projectId, to: testTo });
        }}
      >
        <div>
          <label className="label" htmlFor="test-to">
            Send a test message to
          </label>
          <input
            id="test-to"
            type="email"
            required
            className="input"
            value={testTo}
            onChange={(e) => setTestTo(e.target.value)}
          />
        </div>
        <button type="submit" className="btn-secondary" disabled={test.isPending}>
          Send test
        </button>
      </form>
      {error ? (
        <p role="alert" className="field-error">
          {errorMessage(error)}
        </p>
      ) : null}
      {test.isSuccess ? (
        <p role="status" className="text-sm text-green-700">
          Test message {test.data.status}.
        </p>
      ) : null}
    </section>
  );
}
