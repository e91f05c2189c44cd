'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { tableWords } from '~/lib/column-types';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

const ACTION_LABELS: Record<string, string> = {
  'stripe.payment': 'Stripe payment',
  'stripe.refund': 'Stripe refund',
  'stripe.recurring': 'Stripe recurring payment',
};

/** Role × table × operation (closed / all rows / own rows) and role × action. Everything starts closed. */
export function PermissionsMatrix({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const can = useCan();
  const queryClient = useQueryClient();
  const matrix = useQuery(trpc.permissions.matrix.queryOptions({ projectId }));
  const [roleName, setRoleName] = useState('');
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.permissions.pathKey() });
  const setTable = useMutation(trpc.permissions.setTablePermission.mutationOptions({ onSettled: invalidate }));
  const setAction = useMutation(trpc.permissions.setActionPermission.mutationOptions({ onSettled: invalidate }));
  const createRole = useMutation(
    trpc.permissions.createRole.mutationOptions({
      onSuccess: () => {
        setRoleName('');
        return invalidate();
      },
    }),
  );
  const deleteRole = useMutation(trpc.permissions.deleteRole.mutationOptions({ onSuccess: invalidate }));
  if (matrix.isLoading) return <p>Loading…</p>;
  if (matrix.error || !matrix.data) return <p role="alert">{errorMessage(matrix.error)}</p>;
  const m = matrix.data;
  const scopeOf = (role: string, table: string, operation: string) =>
    m.tablePermissions.find((p) => p.role === role && p.table === table && p.operation === operation)?.scope ?? '';
  const mutationError = setTable.error ?? setAction.error ?? deleteRole.error;

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Permissions</h1>
        <p className="text-sm text-slate-600">
          Closed unless opened here. “Own rows” limits a role to rows whose owner column is the signed-in end user.
        </p>
      </div>
      {mutationError && (
        <p role="alert" className="field-error">
          {errorMessage(mutationError)}
        </p>
      )}
      {m.roles.map((role) => (
        <section key={role.id} aria-label={`Role ${role.name}`} className="card space-y-3">
          <div className="flex items-center gap-3">
            <h2 className="font-semibold">{role.name}</h2>
            {role.isBuiltin ? (
              <span className="text-xs text-slate-500">built-in</span>
            ) : !can('permissions.deleteRole') ? null : (
              <button
                type="button"
                className="text-sm text-red-700"
                onClick={() => deleteRole.mutate({ projectId, name: role.name })}
              >
                Delete role {role.name}
              </button>
            )}
          </div>
          <div className="relative overflow-x-auto">
            <table className="min-w-full text-sm" aria-label={`Table permissions of ${role.name}`}>
              <thead className="text-left">
                <tr>
                  <th className="px-2 py-1">Table</th>
                  {m.operations.map((op) => (
                    <th key={op} className="px-2 py-1 capitalize">
                      {op}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {m.tables.map((table) => (
                  <tr key={table} className="border-t border-slate-100">
                    <td className="px-2 py-1 font-medium">{tableWords(table)}</td>
                    {m.operations.map((op) => (
                      <td key={op} className="px-2 py-1">
                        <select
                          aria-label={`${role.name} ${op} ${table}`}
                          className="input w-28"
                          value={scopeOf(role.name, table, op)}
                          disabled={
                            !can('permissions.setTablePermission') ||
                            (m.systemTables.includes(table) && ['insert', 'update', 'delete'].includes(op))
                          }
                          onChange={(e) => {
                            const scope = e.target.value;
                            setTable.mutate({
                              projectId,
                              role: role.name,
                              table,
                              operation: op,
                              allowed: scope !== '',
                              scope: scope === 'own' ? 'own' : 'all',
                            });
                          }}
                        >
                          <option value="">closed</option>
                          <option value="all">all rows</option>
                          <option value="own" disabled={!m.ownerColumns[table]}>
                            own rows
                          </option>
                        </select>
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <fieldset className="flex flex-wrap gap-4 text-sm">
            <legend className="mb-1 font-medium">Actions</legend>
            {m.actions.map((action) => {
              const granted = m.actionPermissions.some((a) => a.role === role.name && a.action === action);
              return (
                <label key={action} className="flex items-center gap-1">
                  <input
                    type="checkbox"
                    checked={granted}
                    disabled={!can('permissions.setActionPermission')}
                    onChange={(e) =>
                      setAction.mutate({ projectId, role: role.name, action, allowed: e.target.checked })
                    }
                  />
                  {ACTION_LABELS[action] ?? action}
                  <span className="sr-only"> for {role.name}</span>
                </label>
              );
            })}
          </fieldset>
        </section>
      ))}
      {can('permissions.createRole') && (
        <form
          className="card flex max-w-md items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            createRole.mutate({ projectId, name: roleName });
          }}
        >
          <div className="flex-1">
            <label className="label" htmlFor="new-role-name">
              New role name
            </label>
            <input
              id="new-role-name"
              className="input"
              value={roleName}
              onChange={(e) => setRoleName(e.target.value)}
            />
            {createRole.error && (
              <p className="field-error">{fieldErrors(createRole.error).name ?? errorMessage(createRole.error)}</p>
            )}
          </div>
          <button className="btn" type="submit" disabled={createRole.isPending}>
            Add role
          </button>
        </form>
      )}
    </div>
  );
}
