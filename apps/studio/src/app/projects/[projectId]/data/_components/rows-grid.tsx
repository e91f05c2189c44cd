'use client';

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Filter, FilterOp, TableInfo } from '@tillflow/data-model/types';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { useCan } from '~/lib/project-role';
import { columnWords, systemMoneyCell } from '~/lib/system-columns';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { RefundButton } from '../../payments/_components/refund-button';
import { ActionsHeader, EditRemoveLinks } from './form-parts';
import { RowForm } from './row-form';
import { formatCell } from './value-editor';

const PAGE_SIZE = 25;
const OPS: { op: FilterOp; label: string }[] = [
  { op: 'eq', label: '=' },
  { op: 'neq', label: '≠' },
  { op: 'lt', label: '<' },
  { op: 'lte', label: '≤' },
  { op: 'gt', label: '>' },
  { op: 'gte', label: '≥' },
  { op: 'contains', label: 'contains' },
  { op: 'is_null', label: 'is empty' },
  { op: 'not_null', label: 'is not empty' },
];

type Sort = { column: string; direction: 'asc' | 'desc' };

/** The two columns every table has, in words; a builder's own columns read as they named them. */

/** Keyset-paginated rows: sort by a header, filter, search, add/edit/delete through RowForm. */
export function RowsGrid({ projectId, table }: { projectId: number; table: TableInfo }) {
  const trpc = useTRPC();
  const can = useCan();
  const queryClient = useQueryClient();
  const [sort, setSort] = useState<Sort>({ column: 'id', direction: 'asc' });
  const [filters, setFilters] = useState<Filter[]>([]);
  const [search, setSearch] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [editing, setEditing] = useState<'new' | (Record<string, unknown> & { id: number }) | null>(null);
  const [draftFilter, setDraftFilter] = useState<{ column: string; op: FilterOp; value: string }>({
    column: 'id',
    op: 'eq',
    value: '',
  });
  const page = cursors.length - 1;
  const resetPaging = () => setCursors([null]);

  const rows = useQuery({
    ...trpc.dataModel.queryRows.queryOptions({
      projectId,
      table: table.name,
      sort: [sort],
      filters,
      search: search || undefined,
      limit: PAGE_SIZE,
      after: cursors[page],
    }),
    placeholderData: keepPreviousData,
  });
  // Live: a change committed anywhere (a payment flow marking an order paid, a refund) shows without a reload.
  useSubscription(
    trpc.realtime.changes.subscriptionOptions(
      { projectId, tables: [table.name] },
      { onData: () => void queryClient.invalidateQueries({ queryKey: trpc.dataModel.queryRows.pathKey() }) },
    ),
  );
  const payments = useQuery(trpc.payments.settings.queryOptions({ projectId }));
  const isOrderTable = Boolean(payments.data?.activatedAt) && payments.data?.orderTable === table.name;
  const hasStatus = table.columns.some((c) => c.name === 'status');
  const mayRefund = (row: Record<string, unknown>) =>
    isOrderTable &&
    (!hasStatus || !['pending', 'failed', 'refunded', '', null, undefined].includes(row.status as string));
  const remove = useMutation(
    trpc.dataModel.deleteRow.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.dataModel.queryRows.pathKey() }),
    }),
  );
  const headers = ['id', ...table.columns.map((c) => c.name), 'created_at'];
  const headerWords = (name: string) => columnWords(name, table.isSystem);
  const columnOf = (name: string) =>
    table.columns.find((c) => c.name === name) ?? { name, type: name === 'id' ? 'integer' : 'timestamp' };

  function toggleSort(column: string) {
    setSort((s) =>
      s.column === column
        ? { column, direction: s.direction === 'asc' ? 'desc' : 'asc' }
        : { column, direction: 'asc' },
    );
    resetPaging();
  }

  function addFilter(e: React.FormEvent) {
    e.preventDefault();
    const needsValue = draftFilter.op !== 'is_null' && draftFilter.op !== 'not_null';
    const column = table.columns.find((c) => c.name === draftFilter.column);
    let value: unknown = draftFilter.value;
    if (column?.type === 'boolean') value = draftFilter.value === 'true';
    setFilters((f) => [...f, { column: draftFilter.column, op: draftFilter.op, ...(needsValue ? { value } : {}) }]);
    setDraftFilter((d) => ({ ...d, value: '' }));
    resetPaging();
  }

  return (
    <section aria-label="Rows" className="space-y-3">
      <div className="flex flex-wrap items-end gap-2">
        <div>
          <label className="label" htmlFor="rows-search">
            Search
          </label>
          <input
            id="rows-search"
            className="input"
            placeholder="Search text columns"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              resetPaging();
            }}
          />
        </div>
        <form className="flex min-w-0 flex-wrap items-end gap-1" aria-label="Add filter" onSubmit={addFilter}>
          <select
            aria-label="Filter column"
            className="input w-auto"
            value={draftFilter.column}
            onChange={(e) => setDraftFilter((d) => ({ ...d, column: e.target.value }))}
          >
            {headers.map((h) => (
              <option key={h} value={h}>
                {headerWords(h)}
              </option>
            ))}
          </select>
          <select
            aria-label="Filter operator"
            className="input w-auto"
            value={draftFilter.op}
            onChange={(e) => setDraftFilter((d) => ({ ...d, op: e.target.value as FilterOp }))}
          >
            {OPS.map((o) => (
              <option key={o.op} value={o.op}>
                {o.label}
              </option>
            ))}
          </select>
          <input
            aria-label="Filter value"
            className="input w-24 min-w-0 sm:w-32"
            value={draftFilter.value}
            onChange={(e) => setDraftFilter((d) => ({ ...d, value: e.target.value }))}
          />
          <button className="btn-secondary" type="submit">
            Filter
          </button>
        </form>
        {/* Rows of the tables Tillflow keeps come from Stripe, never typed in. */}
        {can('dataModel.insertRow') && !table.isSystem && (
          <button className="btn ml-auto" type="button" onClick={() => setEditing('new')}>
            New row
          </button>
        )}
      </div>
      {filters.length > 0 && (
        <ul aria-label="Active filters" className="flex flex-wrap gap-2 text-sm">
          {filters.map((f, i) => (
            <li key={`${f.column}-${f.op}-${String(f.value)}`} className="rounded bg-indigo-50 px-2 py-0.5">
              {headerWords(f.column)} {OPS.find((o) => o.op === f.op)?.label}{' '}
              {f.value === undefined ? '' : String(f.value)}
              <button
                type="button"
                className="ml-1 text-slate-500"
                aria-label={`Remove filter on ${f.column}`}
                onClick={() => {
                  setFilters((all) => all.filter((_, j) => j !== i));
                  resetPaging();
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {editing && (
        <RowForm
          key={editing === 'new' ? 'new' : editing.id}
          projectId={projectId}
          table={table}
          row={editing === 'new' ? undefined : editing}
          onDone={() => setEditing(null)}
        />
      )}
      {rows.error && (
        <p role="alert" className="field-error">
          {errorMessage(rows.error)}
        </p>
      )}
      {remove.error && (
        <p role="alert" className="field-error">
          {errorMessage(remove.error)}
        </p>
      )}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" aria-label={`Rows of ${table.name}`}>
          <thead className="bg-slate-50 text-left">
            <tr>
              {headers.map((h) => (
                <th
                  key={h}
                  className="px-3 py-2 font-medium"
                  aria-sort={sort.column === h ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  <button type="button" onClick={() => toggleSort(h)} aria-label={`Sort by ${headerWords(h)}`}>
                    {headerWords(h)}
                    {sort.column === h ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {rows.data?.rows.map((row) => (
              <tr key={row.id} className="border-t border-slate-100">
                {headers.map((h) => (
                  <td key={h} className="max-w-xs truncate px-3 py-1.5">
                    {(table.isSystem ? systemMoneyCell(h, row[h], row) : null) ??
                      formatCell(columnOf(h) as { type: 'text' }, row[h])}
                  </td>
                ))}
                <td className="whitespace-nowrap px-3 py-1.5 text-right">
                  {mayRefund(row) && (
                    <span className="mr-3">
                      <RefundButton projectId={projectId} target={{ orderId: row.id }} />
                    </span>
                  )}
                  {can('dataModel.updateRow') && (
                    <EditRemoveLinks
                      what={`row ${row.id}`}
                      removeWord="Delete"
                      onEdit={() => setEditing(row)}
                      onRemove={() => {
                        if (window.confirm(`Delete row ${row.id}?`))
                          remove.mutate({ projectId, table: table.name, id: row.id });
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
            {rows.data?.rows.length === 0 && (
              <tr>
                <td colSpan={headers.length + 1} className="px-3 py-6 text-center text-slate-500">
                  No rows.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="flex items-center gap-2 text-sm">
        <button
          type="button"
          className="btn-secondary"
          disabled={page === 0}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Previous page
        </button>
        <span>Page {page + 1}</span>
        <button
          type="button"
          className="btn-secondary"
          disabled={!rows.data?.nextCursor}
          onClick={() => rows.data?.nextCursor && setCursors((c) => [...c, rows.data.nextCursor])}
        >
          Next page
        </button>
      </div>
    </section>
  );
}
