'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { tableWords } from '~/lib/column-types';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

/** The project's tables (links) and a form to create one. */
export function TablesList({ projectId, current }: { projectId: number; current?: string }) {
  const trpc = useTRPC();
  const can = useCan();
  const router = useRouter();
  const queryClient = useQueryClient();
  const tables = useQuery(trpc.dataModel.listTables.queryOptions({ projectId }));
  const [name, setName] = useState('');
  const create = useMutation(
    trpc.dataModel.createTable.mutationOptions({
      onSuccess: async (table) => {
        await queryClient.invalidateQueries({ queryKey: trpc.dataModel.pathKey() });
        setName('');
        router.push(`/projects/${projectId}/data/${encodeURIComponent(table.name)}`);
      },
    }),
  );
  const errors = fieldErrors(create.error);
  return (
    <aside className="w-full shrink-0 space-y-4 md:w-56">
      <h2 className="font-semibold">Tables</h2>
      {tables.error && <p role="alert">{errorMessage(tables.error)}</p>}
      <ul aria-label="Tables" className="space-y-1">
        {tables.data?.map((t) => (
          <li key={t.id}>
            <Link
              href={`/projects/${projectId}/data/${encodeURIComponent(t.name)}`}
              aria-current={t.name === current ? 'page' : undefined}
              className={`block rounded px-2 py-1 text-sm ${t.name === current ? 'bg-indigo-50 font-medium text-indigo-700' : 'hover:bg-slate-100'}`}
            >
              {tableWords(t.name)}
              {t.isSystem && ' '}
              {t.isSystem && <span className="ml-1 text-xs text-slate-500">kept by Tillflow</span>}
            </Link>
          </li>
        ))}
      </ul>
      {can('dataModel.createTable') && (
        <form
          className="space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ projectId, name });
          }}
        >
          <label className="label" htmlFor="new-table-name">
            New table name
          </label>
          <input id="new-table-name" className="input" value={name} onChange={(e) => setName(e.target.value)} />
          {(errors.name || create.error) && <p className="field-error">{errors.name ?? errorMessage(create.error)}</p>}
          <button className="btn" type="submit" disabled={create.isPending}>
            Create table
          </button>
        </form>
      )}
    </aside>
  );
}
