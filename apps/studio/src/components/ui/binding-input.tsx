'use client';

import { Braces } from 'lucide-react';
import { createContext, useContext, useId, useMemo, useRef, useState } from 'react';
import { type BindingGroup, type BindingPickerWords, bindingChips, insertBinding } from '~/lib/flow-editor';

/**
 * The bindings the field being edited may read, by group; provided by the flow canvas's config panel (a step's
 * upstream outputs) and by the page editor's property panel (the page's names, the row, earlier actions' results).
 */
export const BindingsContext = createContext<(filter: string) => BindingGroup[]>(() => []);

/** What the picker says and which `{{ }}` names its chips read; the flow canvas's by default. */
export const BindingWordsContext = createContext<BindingPickerWords>({
  offers: "Use a value from Stripe's message or an earlier step",
  search: 'Search what Stripe and earlier steps give…',
  none: 'Nothing upstream matches.',
});

/** A text field that takes a literal or `{{ … }}` bindings, with a picker listing upstream outputs by name and type. */
export function BindingInput({
  value,
  onChange,
  label,
  multiline = false,
  disabled = false,
  invalid = false,
}: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  multiline?: boolean;
  disabled?: boolean;
  invalid?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState('');
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const listId = useId();
  const listGroups = useContext(BindingsContext);
  const words = useContext(BindingWordsContext);
  const groups = useMemo(() => (open ? listGroups(filter) : []), [open, filter, listGroups]);
  // What the field reads, in words: each binding as a chip with its label, its step and an example.
  const chips = useMemo(
    () => (value.includes('{{') ? bindingChips(value, listGroups(''), words.roots) : []),
    [value, listGroups, words.roots],
  );
  const pick = (path: string) => {
    const cursor = ref.current?.selectionStart ?? undefined;
    onChange(insertBinding(value, path, cursor ?? undefined).value);
    setOpen(false);
    setFilter('');
  };
  const common = {
    ref,
    className: `input font-mono text-xs ${invalid ? 'border-red-500' : ''}`,
    'aria-label': label,
    'aria-invalid': invalid || undefined,
    value,
    disabled,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value),
  };
  return (
    <div className="relative">
      <div className="flex gap-1">
        {multiline ? <textarea rows={3} {...common} /> : <input type="text" {...common} />}
        <button
          type="button"
          className="btn-secondary shrink-0 px-2 text-xs"
          aria-label={`Insert binding into ${label}`}
          title={words.offers}
          aria-expanded={open}
          aria-controls={listId}
          disabled={disabled}
          onClick={() => setOpen((o) => !o)}
        >
          <Braces aria-hidden="true" className="h-4 w-4" />
        </button>
      </div>
      {chips.length > 0 && (
        <ul aria-label={`What ${label} reads`} className="mt-1 flex flex-wrap gap-1">
          {chips.map((c) => (
            <li key={c.path} className="rounded bg-indigo-50 px-1.5 py-0.5 text-xs text-indigo-900">
              «{c.label}»{c.source ? ` from ${c.source}` : ''}
              {c.sample ? <span className="text-slate-500"> · {c.sample}</span> : null}
            </li>
          ))}
        </ul>
      )}
      {open && (
        <div
          id={listId}
          className="absolute right-0 z-20 mt-1 max-h-72 w-80 overflow-auto rounded-md border border-slate-200 bg-white p-2 shadow-lg"
        >
          <input
            className="input mb-2"
            type="search"
            aria-label="Search bindings"
            placeholder={words.search}
            value={filter}
            // biome-ignore lint/a11y/noAutofocus: the picker opens to be searched
            autoFocus
            onChange={(e) => setFilter(e.target.value)}
          />
          {groups.length === 0 && <p className="text-xs text-slate-500">{words.none}</p>}
          {groups.map((g) => (
            <div key={g.title} className="mb-2">
              <p className="text-xs font-semibold text-slate-500">{g.title}</p>
              <ul aria-label={`Bindings from ${g.title}`}>
                {g.options.map((o) => (
                  <li key={o.path}>
                    <button
                      type="button"
                      className="flex w-full justify-between gap-2 rounded px-1 py-0.5 text-left font-mono text-xs hover:bg-indigo-50"
                      onClick={() => pick(o.path)}
                      aria-label={`${o.name} (${o.type})`}
                    >
                      <span className="min-w-0">
                        <span className="block truncate font-sans">{o.label}</span>
                        <span className="block truncate text-[10px] text-slate-400">{o.name}</span>
                      </span>
                      <span className="shrink-0 text-right font-sans text-slate-500">{o.sample}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
