'use client';

import type { ValueType } from '@tillflow/flow-model';
import type { PageContext, PageDefinition } from '@tillflow/page-model';
import { useCallback } from 'react';
import { BindingInput, BindingsContext, BindingWordsContext } from '~/components/ui/binding-input';
import { PAGE_PICKER_WORDS, pageBindingGroups } from '~/lib/page-bindings';

/** What every field of the page editor's property panel may look at. */
export interface PanelContext {
  draft: PageDefinition;
  context: PageContext;
  /** The names the selected block's bindings may read (page-model's blockScope). */
  names: Record<string, ValueType>;
  /** The validator's messages (in words) about a field of the selected block and everything under it. */
  errorsAt: (field: string) => string[];
  /** The subscriptions the shop offers (App → catalog), for a start-subscription step; undefined while unknown. */
  plans?: { id: string; label: string }[];
}

/**
 * A field that takes a plain value or `{{ }}` bindings: the flow canvas's `BindingInput` and its picker, listing
 * what `names` holds (the page's address, the shopper, the row, the form, earlier actions' results).
 */
export function PageBinding({
  names,
  label,
  value,
  onChange,
  invalid,
  multiline,
}: {
  names: Record<string, ValueType>;
  label: string;
  value: string;
  onChange: (value: string) => void;
  invalid?: boolean;
  multiline?: boolean;
}) {
  const list = useCallback((filter: string) => pageBindingGroups(names, filter), [names]);
  return (
    <BindingWordsContext.Provider value={PAGE_PICKER_WORDS}>
      <BindingsContext.Provider value={list}>
        <BindingInput label={label} value={value} onChange={onChange} invalid={invalid} multiline={multiline} />
      </BindingsContext.Provider>
    </BindingWordsContext.Provider>
  );
}

/** The validator's messages under a field, announced when they appear. */
export function FieldErrors({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="text-xs text-red-700" role="alert">
      {[...new Set(messages)].map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

/** A select of the project's tables by name, "Choose a table…" when none is picked. */
export function TablePicker({
  id,
  value,
  onChange,
  context,
}: {
  id: string;
  value: string;
  onChange: (table: string) => void;
  context: Pick<PageContext, 'tables'>;
}) {
  return (
    <select id={id} className="input" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Choose a table…</option>
      {context.tables.map((t) => (
        <option key={t.name} value={t.name}>
          {t.name}
        </option>
      ))}
    </select>
  );
}

/** A page chosen by its title (the address shown beside it); an address no page has any more stays listed. */
export function PagePicker({
  label,
  value,
  onChange,
  context,
  id,
}: {
  label: string;
  value: string;
  onChange: (path: string) => void;
  context: PageContext;
  id?: string;
}) {
  const pages = context.pages ?? context.paths.map((path) => ({ title: path, path }));
  const known = pages.some((p) => p.path === value);
  return (
    <select
      id={id}
      aria-label={id ? undefined : label}
      className="input"
      value={value}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">Choose a page…</option>
      {pages.map((p) => (
        <option key={p.path} value={p.path}>
          {p.title} ({p.path})
        </option>
      ))}
      {value && !known ? <option value={value}>{value} (no page has this address)</option> : null}
    </select>
  );
}
