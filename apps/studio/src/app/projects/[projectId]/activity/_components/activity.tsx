'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { flowTitlesInText } from '~/lib/flow-title';
import { errorMessage } from '~/lib/trpc-errors';
import { type RouterInputs, useTRPC } from '~/trpc/react';

type Area = NonNullable<RouterInputs['activity']['list']['area']>;

const AREAS: { value: Area; label: string }[] = [
  { value: 'schema', label: 'Tables and columns' },
  { value: 'data', label: 'Rows' },
  { value: 'permissions', label: 'Roles and permissions' },
  { value: 'flows', label: 'Automations' },
  { value: 'pages', label: 'Pages and app' },
  { value: 'payments', label: 'Payment settings' },
  { value: 'keys', label: 'Keys' },
  { value: 'endpoints', label: 'Addresses Stripe calls' },
  { value: 'refunds', label: 'Refunds' },
  { value: 'members', label: 'Members' },
  { value: 'mail', label: 'Mail' },
  { value: 'project', label: 'Project' },
];
const areaLabel = (area: string) => AREAS.find((a) => a.value === area)?.label ?? area;

/** A before/after value in words: `role: Finance`, lists joined, nothing for empty. */
function summarize(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('; ');
}

/** The project's audit trail: who changed what and when, newest first, searchable and filterable. */
export function Activity({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const [search, setSearch] = useState('');
  const [area, setArea] = useState<Area | ''>('');
  const [actorId, setActorId] = useState('');
  const members = useQuery(trpc.members.list.queryOptions({ projectId }));
  const filters = { projectId, search: search || undefined, area: area || undefined, actorId: actorId || undefined };
  const list = useInfiniteQuery(
    trpc.activity.list.infiniteQueryOptions(filters, {
      getNextPageParam: (page) => page.nextBefore ?? undefined,
    }),
  );
  const entries = list.data?.pages.flatMap((p) => p.entries) ?? [];

  return (
    <div className="max-w-5xl space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Activity</h1>
        <p className="text-sm text-slate-600">
          Every change a member made to this project: who, when, and what it was before and after. Secret keys and
          passwords are never shown here. Entries are kept for as long as the project exists.
        </p>
      </div>
      <div className="flex flex-wrap items-end gap-2">
        <div>
          <label className="label" htmlFor="activity-search">
            Search
          </label>
          <input
            id="activity-search"
            className="input"
            value={search}
            placeholder="e.g. refund, orders, a name"
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <div>
          <label className="label" htmlFor="activity-area">
            What
          </label>
          <select
            id="activity-area"
            className="input"
            value={area}
            onChange={(e) => setArea(e.target.value as Area | '')}
          >
            <option value="">Everything</option>
            {AREAS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label className="label" htmlFor="activity-member">
            Who
          </label>
          <select id="activity-member" className="input" value={actorId} onChange={(e) => setActorId(e.target.value)}>
            <option value="">Everyone</option>
            {members.data?.members.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {list.error && (
        <p role="alert" className="field-error">
          {errorMessage(list.error)}
        </p>
      )}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" aria-label="Activity">
          <thead className="bg-slate-50 text-left">
            <tr>
              <th className="px-3 py-2">When</th>
              <th className="px-3 py-2">Who</th>
              <th className="px-3 py-2">What</th>
              <th className="px-3 py-2">Before</th>
              <th className="px-3 py-2">After</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} className="border-t border-slate-100 align-top">
                <td className="px-3 py-1.5 whitespace-nowrap">{new Date(e.createdAt).toLocaleString()}</td>
                <td className="px-3 py-1.5" title={e.actorEmail}>
                  {e.actorName}
                </td>
                <td className="px-3 py-1.5">
                  {flowTitlesInText(e.summary)}
                  <div className="text-xs text-slate-500">{areaLabel(e.area)}</div>
                </td>
                <td className="px-3 py-1.5 text-slate-600">{summarize(e.before)}</td>
                <td className="px-3 py-1.5 text-slate-600">{summarize(e.after)}</td>
              </tr>
            ))}
            {list.isSuccess && entries.length === 0 && (
              <tr>
                <td colSpan={5} className="px-3 py-6 text-center text-slate-500">
                  Nothing recorded{search || area || actorId ? ' matches these filters' : ' yet'}.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {list.hasNextPage && (
        <button
          type="button"
          className="btn-secondary"
          disabled={list.isFetchingNextPage}
          onClick={() => list.fetchNextPage()}
        >
          Show older
        </button>
      )}
    </div>
  );
}
