'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

/** The project's end users (people who use the generated app) and their roles. */
export function EndUsers({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const can = useCan();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('user');
  const list = useQuery(trpc.endUsers.list.queryOptions({ projectId, search: search || undefined }));
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.endUsers.pathKey() });
  const setUserRole = useMutation(trpc.endUsers.setRole.mutationOptions({ onSuccess: invalidate }));
  const create = useMutation(
    trpc.endUsers.create.mutationOptions({
      onSuccess: () => {
        setEmail('');
        return invalidate();
      },
    }),
  );
  const roles = list.data?.roles ?? ['user'];
  const errors = fieldErrors(create.error);

  return (
    <div className="max-w-3xl space-y-4">
      <h1 className="text-2xl font-semibold">Users</h1>
      <p className="text-sm text-slate-600">
        End users sign up in the generated app. Their role decides what the permissions allow.
      </p>
      <div>
        <label className="label" htmlFor="users-search">
          Search by email
        </label>
        <input
          id="users-search"
          className="input max-w-xs"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      {(list.error || setUserRole.error) && (
        <p role="alert" className="field-error">
          {errorMessage(list.error ?? setUserRole.error)}
        </p>
      )}
      {/* A long address scrolls inside the card on a phone instead of widening the page. */}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" aria-label="End users">
          <thead className="bg-slate-50 text-left">
            <tr>
              <th className="px-3 py-2">Email</th>
              <th className="px-3 py-2">Role</th>
              <th className="px-3 py-2">Joined</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.users.map((u) => (
              <tr key={u.id} className="border-t border-slate-100">
                <td className="px-3 py-1.5">{u.email}</td>
                <td className="px-3 py-1.5">
                  <select
                    aria-label={`Role of ${u.email}`}
                    className="input w-36"
                    value={u.role}
                    disabled={!can('endUsers.setRole')}
                    onChange={(e) => setUserRole.mutate({ projectId, userId: u.id, role: e.target.value })}
                  >
                    {(roles.includes(u.role) ? roles : [...roles, u.role]).map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td className="px-3 py-1.5">{new Date(u.createdAt).toLocaleString()}</td>
              </tr>
            ))}
            {list.data?.users.length === 0 && (
              <tr>
                <td colSpan={3} className="px-3 py-6 text-center text-slate-500">
                  No end users yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {can('endUsers.create') && (
        <form
          className="card flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ projectId, email, role });
          }}
        >
          <div>
            <label className="label" htmlFor="new-user-email">
              End user email
            </label>
            <input id="new-user-email" className="input" value={email} onChange={(e) => setEmail(e.target.value)} />
            {(errors.email || create.error) && (
              <p className="field-error">{errors.email ?? errorMessage(create.error)}</p>
            )}
          </div>
          <div>
            <label className="label" htmlFor="new-user-role">
              Role
            </label>
            <select id="new-user-role" className="input" value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </div>
          <button className="btn" type="submit" disabled={create.isPending}>
            Add end user
          </button>
        </form>
      )}
    </div>
  );
}
