'use client';

import { listNodeTypes } from '@tillflow/flow-model';
import { useMemo, useState } from 'react';
import { NodeIcon } from '~/components/ui/node-icon';

export const PALETTE_MIME = 'application/x-tillflow-node';

const CATEGORY_LABELS: Record<string, string> = {
  logic: 'Logic',
  data: 'Data',
  payments: 'Payments',
  integrations: 'Integrations',
  code: 'Code',
  control: 'Control',
};

/** Searchable node palette by category; click adds (after the selected node, or on the chosen edge), drag drops. */
export function Palette({ onPick, context }: { onPick: (type: string) => void; context: string }) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const types = listNodeTypes().filter(
      (d) =>
        !d.locked &&
        d.type !== 'trigger' &&
        (!q || `${d.label} ${d.description} ${d.category}`.toLowerCase().includes(q)),
    );
    const byCategory = new Map<string, typeof types>();
    for (const d of types) byCategory.set(d.category, [...(byCategory.get(d.category) ?? []), d]);
    return [...byCategory];
  }, [query]);
  return (
    <section aria-label="Steps to add" className="space-y-3">
      <p className="text-xs text-slate-600">{context}</p>
      <input
        className="input"
        type="search"
        aria-label="Search steps"
        placeholder="Search steps…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {groups.length === 0 && <p className="text-sm text-slate-500">No step matches “{query}”.</p>}
      {groups.map(([category, defs]) => (
        <div key={category}>
          <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
            {CATEGORY_LABELS[category] ?? category}
          </h3>
          <ul className="space-y-1" aria-label={`${CATEGORY_LABELS[category] ?? category} steps`}>
            {defs.map((d) => (
              <li key={d.type}>
                <button
                  type="button"
                  draggable
                  onDragStart={(e) => {
                    e.dataTransfer.setData(PALETTE_MIME, d.type);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onClick={() => onPick(d.type)}
                  className="flex w-full items-start gap-2 rounded-md border border-slate-200 bg-white px-2 py-1.5 text-left hover:border-indigo-400 hover:bg-indigo-50"
                  title={d.description}
                  aria-label={`Add ${d.label}`}
                >
                  <NodeIcon type={d.type} className="mt-0.5 h-4 w-4 text-indigo-700" />
                  <span>
                    <span className="block text-sm font-medium">{d.label}</span>
                    <span className="block text-xs text-slate-500">{d.description}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
