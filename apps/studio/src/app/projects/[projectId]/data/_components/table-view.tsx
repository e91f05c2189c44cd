'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { tableWords } from '~/lib/column-types';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { ColumnsEditor } from './columns-editor';
import { needsConfirmation } from './confirm';
import { RowsGrid } from './rows-grid';

export function TableView({ projectId, tableName }: { projectId: number; tableName: string }) {
  const trpc = useTRPC();
  const can = useCan();
  const router = useRouter();
  const queryClient = useQueryClient();
  const table = useQuery(trpc.dataModel.getTable.queryOptions({ projectId, table: tableName }));
  const [tab, setTab] = useState<'rows' | 'columns'>('rows');
  const [newName, setNewName] = useState<string | null>(null);
  const rename = useMutation(
    trpc.dataModel.renameTable.mutationOptions({
      onSuccess: async (t) => {
        await queryClient.invalidateQueries({ queryKey: trpc.dataModel.pathKey() });
        setNewName(null);
        router.replace(`/projects/${projectId}/data/${encodeURIComponent(t.name)}`);
      },
    }),
  );
  const remove = useMutation(
    trpc.dataModel.deleteTable.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.dataModel.pathKey() });
        router.push(`/projects/${projectId}/data`);
      },
    }),
  );
  if (table.isLoading) return <p>Loading…</p>;
  if (table.error || !table.data) return <p role="alert">{errorMessage(table.error)}</p>;
  const t = table.data;

  return (
    <div className="min-w-0 flex-1 space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">{tableWords(t.name)}</h1>
        {t.isSystem && (
          <span className="rounded bg-slate-200 px-2 py-0.5 text-xs">
            Kept by Tillflow: read its rows here; its columns cannot change
          </span>
        )}
        {!t.isSystem && newName === null && can('dataModel.renameTable') && (
          <>
            <button type="button" className="btn-secondary" onClick={() => setNewName(t.name)}>
              Rename table
            </button>
            <button type="button" className="btn-danger" onClick={() => remove.mutate({ projectId, table: t.name })}>
              Delete table
            </button>
          </>
        )}
        {newName !== null && (
          <form
            className="flex items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              rename.mutate({ projectId, table: t.name, name: newName });
            }}
          >
            <input
              aria-label="Table name"
              className="input w-48"
              value={newName}
              onChange={(e) => setNewName(e.target.value)}
            />
            <button className="btn" type="submit">
              Save name
            </button>
            <button className="btn-secondary" type="button" onClick={() => setNewName(null)}>
              Cancel
            </button>
          </form>
        )}
      </div>
      {rename.error && (
        <p role="alert" className="field-error">
          {errorMessage(rename.error)}
        </p>
      )}
      {remove.error && (
        <div role="alert" className="field-error space-x-2">
          <span>{errorMessage(remove.error)}</span>
          {needsConfirmation(remove.error) && (
            <button
              type="button"
              className="btn-danger"
              onClick={() => remove.mutate({ projectId, table: t.name, confirm: true })}
            >
              Delete with its rows
            </button>
          )}
        </div>
      )}
      <div role="tablist" aria-label="Table views" className="flex gap-1 border-b border-slate-200">
        {(['rows', 'columns'] as const).map((name) => (
          <button
            key={name}
            role="tab"
            type="button"
            aria-selected={tab === name}
            onClick={() => setTab(name)}
            className={`px-3 py-1.5 text-sm capitalize ${tab === name ? 'border-b-2 border-indigo-600 font-medium' : 'text-slate-600'}`}
          >
            {name}
          </button>
        ))}
      </div>
      {tab === 'rows' ? (
        <RowsGrid key={t.id} projectId={projectId} table={t} />
      ) : (
        <ColumnsEditor projectId={projectId} table={t} />
      )}
    </div>
  );
}
