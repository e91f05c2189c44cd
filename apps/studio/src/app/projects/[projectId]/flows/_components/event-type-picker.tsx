'use client';

import { stripeEventGroups } from '@tillflow/flow-model';
import { useId, useMemo, useState } from 'react';
import { eventTitle, eventWords } from '~/lib/flow-words';

/**
 * Every Stripe event type (flow-model's list, generated from Stripe's description), grouped by the object it carries
 * and searchable by its words, its group or Stripe's name for it. Types chosen but no longer offered stay listed, so
 * they can be unticked.
 */
export function EventTypePicker({
  chosen,
  disabled,
  onChange,
}: {
  chosen: string[];
  disabled: boolean;
  onChange: (events: string[]) => void;
}) {
  const [query, setQuery] = useState('');
  const searchId = useId();
  const groups = useMemo(() => stripeEventGroups(), []);
  const offered = useMemo(() => new Set(groups.flatMap((g) => g.types)), [groups]);
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (type: string, group: string) => {
    const text = `${type} ${eventWords(type)} ${group}`.toLowerCase().replace(/[._]/g, ' ');
    return words.every((w) => text.includes(w.replace(/[._]/g, ' ')));
  };
  const shown = [
    { object: 'chosen', title: 'Chosen before, no longer offered', types: chosen.filter((t) => !offered.has(t)) },
    ...groups,
  ]
    .map((g) => ({ ...g, types: g.types.filter((type) => matches(type, g.title)) }))
    .filter((g) => g.types.length > 0);
  const toggle = (type: string, on: boolean) => onChange(on ? [...chosen, type] : chosen.filter((x) => x !== type));

  return (
    <div className="space-y-2">
      <label htmlFor={searchId} className="label">
        What Stripe tells us that starts this automation
      </label>
      <input
        id={searchId}
        type="search"
        className="input"
        placeholder="Find an event: invoice, refund, payout paid…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <p className="text-xs text-slate-500" aria-live="polite">
        {chosen.length === 0 ? 'None chosen yet.' : `${chosen.length} chosen: ${chosen.map(eventWords).join(', ')}.`}
      </p>
      <div className="max-h-96 space-y-3 overflow-y-auto">
        {shown.length === 0 && <p className="text-sm text-slate-600">No Stripe event matches “{query}”.</p>}
        {shown.map((group) => (
          <fieldset key={group.object} className="space-y-1" disabled={disabled}>
            <legend className="text-xs font-semibold uppercase tracking-wide text-slate-500">{group.title}</legend>
            {group.types.map((type) => (
              <label key={type} className="flex min-h-6 items-center gap-2 text-sm" title={type}>
                <input
                  type="checkbox"
                  checked={chosen.includes(type)}
                  onChange={(e) => toggle(type, e.target.checked)}
                />
                {eventTitle(type)}
              </label>
            ))}
          </fieldset>
        ))}
      </div>
    </div>
  );
}
