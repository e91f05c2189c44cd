'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnInfo, TableInfo } from '@tillflow/data-model/types';
import { useState } from 'react';
import { describeColumnType } from '~/lib/column-types';
import { useCan } from '~/lib/project-role';
import { statusLabel } from '~/lib/status-labels';
import { columnWords } from '~/lib/system-columns';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { ColumnForm } from './column-form';
import { needsConfirmation } from './confirm';
import { ActionsHeader, EditRemoveLinks } from './form-parts';

export function ColumnsEditor({ projectId, table }: { projectId: number; table: TableInfo }) {
  const trpc = useTRPC();
  const can = useCan();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<ColumnInfo | 'new' | null>(null);
  const [pendingRemove, setPendingRemove] = useState<string | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.dataModel.pathKey() });
  const remove = useMutation(trpc.dataModel.removeColumn.mutationOptions({ onSuccess: invalidate }));
  const owner = useMutation(trpc.dataModel.setOwnerColumn.mutationOptions({ onSuccess: invalidate }));
  const ownerCandidates = table.columns.filter((c) => c.type === 'relation' && c.relationTable === 'end_user');

  return (
    <section aria-label="Columns" className="space-y-3">
      {table.isSystem && (
        <p className="text-sm text-slate-600">This is a system table: its columns cannot be changed.</p>
      )}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" aria-label={`Columns of ${table.name}`}>
          <thead className="bg-slate-50 text-left">
            <tr>
              <th className="px-3 py-2">Column</th>
              <th className="px-3 py-2">Type</th>
              <th className="px-3 py-2">Flags</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            <tr className="border-t border-slate-100 text-slate-500">
              <td className="px-3 py-1.5">No., Added on, Changed on</td>
              <td className="px-3 py-1.5">Filled in by Tillflow</td>
              <td />
              <td />
            </tr>
            {table.columns.map((c) => (
              <tr key={c.id} className="border-t border-slate-100">
                <td className="px-3 py-1.5 font-medium" title={table.isSystem ? c.name : undefined}>
                  {columnWords(c.name, table.isSystem)}
                </td>
                <td className="px-3 py-1.5">{describeColumnType(c)}</td>
                <td className="px-3 py-1.5">
                  {[
                    c.required && 'required',
                    c.unique && 'unique',
                    c.default !== undefined &&
                      `starts as ${typeof c.default === 'string' && /status$/.test(c.name) ? statusLabel(c.default) : JSON.stringify(c.default)}`,
                    table.ownerColumn === c.name && 'says whose row it is',
                  ]
                    .filter(Boolean)
                    .join(', ')}
                </td>
                <td className="whitespace-nowrap px-3 py-1.5 text-right">
                  {!table.isSystem && can('dataModel.updateColumn') && (
                    <EditRemoveLinks
                      what={`column ${c.name}`}
                      removeWord="Remove"
                      onEdit={() => setEditing(c)}
                      onRemove={() => {
                        setPendingRemove(c.name);
                        remove.mutate({ projectId, table: table.name, column: c.name });
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {remove.error && (
        <div role="alert" className="field-error space-x-2">
          <span>{errorMessage(remove.error)}</span>
          {needsConfirmation(remove.error) && pendingRemove && (
            <button
              type="button"
              className="btn-danger"
              onClick={() => remove.mutate({ projectId, table: table.name, column: pendingRemove, confirm: true })}
            >
              Remove anyway
            </button>
          )}
        </div>
      )}
      {table.referencedBy.length > 0 && (
        <p className="text-sm text-slate-600">
          Related rows (1:N): {table.referencedBy.map((r) => `${r.table}.${r.column}`).join(', ')}
        </p>
      )}
      {!table.isSystem && editing === null && can('dataModel.addColumn') && (
        <button type="button" className="btn" onClick={() => setEditing('new')}>
          Add column
        </button>
      )}
      {editing && (
        <ColumnForm
          key={editing === 'new' ? 'new' : editing.id}
          projectId={projectId}
          table={table.name}
          column={editing === 'new' ? undefined : editing}
          onDone={() => setEditing(null)}
        />
      )}
      {!table.isEndUserTable && (
        <div className="card max-w-md">
          <label className="label" htmlFor="owner-column">
            Which column says who a row belongs to
          </label>
          <select
            id="owner-column"
            className="input"
            value={table.ownerColumn ?? ''}
            onChange={(e) => owner.mutate({ projectId, table: table.name, column: e.target.value || null })}
          >
            <option value="">— none —</option>
            {ownerCandidates.map((c) => (
              <option key={c.id}>{c.name}</option>
            ))}
          </select>
          {ownerCandidates.length === 0 && (
            <p className="mt-1 text-xs text-slate-500">
              Add a column that links to shopper accounts to say whose row it is.
            </p>
          )}
          {owner.error && <p className="field-error">{errorMessage(owner.error)}</p>}
        </div>
      )}
    </section>
  );
}
