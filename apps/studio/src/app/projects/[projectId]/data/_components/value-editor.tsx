'use client';

import { useQuery } from '@tanstack/react-query';
import type { ColumnInfo } from '@tillflow/data-model/types';
import { useState } from 'react';
import { refundReasonLabel, statusLabel } from '~/lib/status-labels';
import { useTRPC } from '~/trpc/react';

// Drafts are strings while editing; fromDraft turns them into what the
// data-access layer expects. The server still validates every value.

export function toDraft(column: Pick<ColumnInfo, 'type'>, value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (column.type) {
    case 'timestamp': {
      const d = value instanceof Date ? value : new Date(String(value));
      if (Number.isNaN(d.getTime())) return '';
      const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
      return local.toISOString().slice(0, 16);
    }
    case 'json':
      return JSON.stringify(value, null, 2);
    default:
      return String(value);
  }
}

export type FromDraft = { ok: true; value: unknown } | { ok: false; error: string };

export function fromDraft(column: Pick<ColumnInfo, 'type'>, draft: string): FromDraft {
  if (draft === '' && column.type !== 'text') return { ok: true, value: null };
  switch (column.type) {
    case 'boolean':
      return { ok: true, value: draft === 'true' };
    case 'timestamp': {
      const d = new Date(draft);
      return { ok: true, value: Number.isNaN(d.getTime()) ? draft : d.toISOString() };
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(draft) };
      } catch {
        return { ok: false, error: 'Must be JSON.' };
      }
    case 'relation':
      return { ok: true, value: /^\d+$/.test(draft) ? Number(draft) : draft };
    default:
      return { ok: true, value: draft };
  }
}

/** A short text for a grid cell. */
/**
 * A cell as a person reads it. A status column (an order's `status`, a payment's `status` or
 * `dispute_status`) reads as its label: `paid` → "Paid", `SUCCESSFUL` → "Paid",
 * `partially_refunded` → "Partially refunded".
 */
export function formatCell(column: Pick<ColumnInfo, 'type'> & { name?: string }, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (column.name && isStatusColumn(column) && typeof value === 'string') return statusLabel(value);
  // A refund's reason: Stripe's codes read as words, a typed reason as typed.
  if (column.name === 'reason' && typeof value === 'string') return refundReasonLabel(value);
  if (value instanceof Date) return value.toLocaleString();
  if (column.type === 'json') return JSON.stringify(value);
  if (column.type === 'relation') return `#${value}`;
  return String(value);
}

export function isStatusColumn(column: Pick<ColumnInfo, 'type'> & { name?: string }): boolean {
  return (column.type === 'enum' || column.type === 'text') && /(^|_)status$/.test(column.name ?? '');
}

function RelationPicker({
  projectId,
  target,
  id,
  value,
  onChange,
  invalid,
}: {
  projectId: number;
  target: string;
  id: string;
  value: string;
  onChange: (v: string) => void;
  invalid: boolean;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState('');
  const table = useQuery(trpc.dataModel.getTable.queryOptions({ projectId, table: target }));
  // the first 100 matches: the search box narrows large tables down instead of loading them all
  const rows = useQuery(
    trpc.dataModel.queryRows.queryOptions({ projectId, table: target, limit: 100, search: search || undefined }),
  );
  const labelColumn = table.data?.columns.find((c) => c.type === 'text' || c.type === 'enum')?.name;
  const listed = rows.data?.rows ?? [];
  return (
    <div className="flex gap-1">
      {labelColumn && (
        <input
          aria-label={`Search ${target}`}
          className="input w-28"
          placeholder="Search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      )}
      <select id={id} className="input" value={value} aria-invalid={invalid} onChange={(e) => onChange(e.target.value)}>
        <option value="">— none —</option>
        {value && !listed.some((r) => String(r.id) === value) && <option value={value}>#{value}</option>}
        {listed.map((r) => (
          <option key={r.id} value={String(r.id)}>
            #{r.id}
            {labelColumn && r[labelColumn] ? ` ${String(r[labelColumn])}` : ''}
          </option>
        ))}
      </select>
    </div>
  );
}

export function ValueEditor({
  projectId,
  column,
  id,
  draft,
  onChange,
  invalid,
}: {
  projectId: number;
  column: ColumnInfo;
  id: string;
  draft: string;
  onChange: (draft: string) => void;
  invalid: boolean;
}) {
  const common = { id, 'aria-invalid': invalid, className: 'input' };
  switch (column.type) {
    case 'boolean':
      return (
        <select {...common} value={draft} onChange={(e) => onChange(e.target.value)}>
          <option value="">— empty —</option>
          <option value="true">Yes</option>
          <option value="false">No</option>
        </select>
      );
    case 'enum':
      return (
        <select {...common} value={draft} onChange={(e) => onChange(e.target.value)}>
          <option value="">— empty —</option>
          {(column.enumOptions ?? []).map((o) => (
            <option key={o} value={o}>
              {isStatusColumn(column) ? statusLabel(o) : o}
            </option>
          ))}
        </select>
      );
    case 'timestamp':
      return <input {...common} type="datetime-local" value={draft} onChange={(e) => onChange(e.target.value)} />;
    case 'json':
      return (
        <textarea
          {...common}
          rows={3}
          className="input font-mono"
          value={draft}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'relation':
      return (
        <RelationPicker
          projectId={projectId}
          target={column.relationTable ?? ''}
          id={id}
          value={draft}
          onChange={onChange}
          invalid={invalid}
        />
      );
    case 'integer':
    case 'decimal':
      // text, not type=number: the server explains a bad value instead of the browser hiding it
      return (
        <input
          {...common}
          inputMode={column.type === 'integer' ? 'numeric' : 'decimal'}
          value={draft}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    default:
      return <input {...common} value={draft} onChange={(e) => onChange(e.target.value)} />;
  }
}
