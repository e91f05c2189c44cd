'use client';

import { BADGE_COLORS, FILTER_OP_WORDS, FILTER_OPS, type PageTableInfo } from '@tillflow/page-model';
import { FieldErrors, PageBinding, type PanelContext } from './page-binding';

const BUILT_IN = ['id', 'created_at', 'updated_at'];
const columnsOf = (table: PageTableInfo | undefined) => [...BUILT_IN, ...(table?.columns.map((c) => c.name) ?? [])];

function ColumnSelect({
  label,
  value,
  onChange,
  table,
  empty = 'Choose a column…',
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  table: PageTableInfo | undefined;
  empty?: string;
}) {
  const columns = columnsOf(table);
  return (
    <select className="input" aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{empty}</option>
      {columns.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
      {value && !columns.includes(value) ? <option value={value}>{value} (no such column)</option> : null}
    </select>
  );
}

type Filter = { column: string; op: (typeof FILTER_OPS)[number]; value: string };

/** A data list's filters, one row each: column, operator in words, and a value or binding. */
export function FiltersEditor({
  value,
  onChange,
  table,
  panel,
  field,
}: {
  value: Filter[];
  onChange: (filters: Filter[]) => void;
  table: PageTableInfo | undefined;
  panel: PanelContext;
  field: string;
}) {
  const set = (i: number, f: Filter) => onChange(value.map((x, j) => (j === i ? f : x)));
  return (
    <div className="flex flex-col gap-2">
      {value.length === 0 ? <p className="text-xs text-slate-600">Every row (add a filter to show fewer).</p> : null}
      {value.map((f, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: filters have no identity of their own
        <fieldset key={i} className="flex flex-col gap-1 rounded border border-slate-200 p-2">
          <legend className="text-xs font-medium">Filter {i + 1}</legend>
          <ColumnSelect
            label={`Filter ${i + 1} column`}
            value={f.column}
            table={table}
            onChange={(column) => set(i, { ...f, column })}
          />
          <select
            className="input"
            aria-label={`Filter ${i + 1} condition`}
            value={f.op}
            onChange={(e) => set(i, { ...f, op: e.target.value as Filter['op'] })}
          >
            {FILTER_OPS.map((op) => (
              <option key={op} value={op}>
                {FILTER_OP_WORDS[op]}
              </option>
            ))}
          </select>
          <PageBinding
            names={panel.names}
            label={`Filter ${i + 1} value`}
            value={f.value}
            invalid={panel.errorsAt(`${field}.${i}.value`).length > 0}
            onChange={(v) => set(i, { ...f, value: v })}
          />
          <button
            type="button"
            className="btn-secondary self-start text-xs"
            onClick={() => onChange(value.filter((_, j) => j !== i))}
          >
            Remove filter {i + 1}
          </button>
          <FieldErrors messages={panel.errorsAt(`${field}.${i}`)} />
        </fieldset>
      ))}
      <button
        type="button"
        className="btn-secondary self-start"
        onClick={() => onChange([...value, { column: '', op: 'eq', value: '' }])}
      >
        Add a filter
      </button>
    </div>
  );
}

type Sort = { column: string; direction: 'asc' | 'desc' } | null;

/** A data list's order: a column (or none: newest first as stored) and its direction in words. */
export function SortEditor({
  value,
  onChange,
  table,
  id,
}: {
  value: Sort;
  onChange: (sort: Sort) => void;
  table: PageTableInfo | undefined;
  id: string;
}) {
  return (
    <div className="flex flex-col gap-1">
      <select
        id={id}
        className="input"
        value={value?.column ?? ''}
        onChange={(e) =>
          onChange(e.target.value ? { column: e.target.value, direction: value?.direction ?? 'asc' } : null)
        }
      >
        <option value="">In the order they were added</option>
        {columnsOf(table).map((c) => (
          <option key={c} value={c}>
            By {c}
          </option>
        ))}
      </select>
      {value ? (
        <select
          className="input"
          aria-label="Sort direction"
          value={value.direction}
          onChange={(e) => onChange({ ...value, direction: e.target.value as 'asc' | 'desc' })}
        >
          <option value="asc">Smallest, earliest or A first</option>
          <option value="desc">Largest, latest or Z first</option>
        </select>
      ) : null}
    </div>
  );
}

/** Columns ticked from the table's (a data list's table layout). */
export function ColumnsPicker({
  value,
  onChange,
  table,
  label,
}: {
  value: string[];
  onChange: (columns: string[]) => void;
  table: PageTableInfo | undefined;
  label: string;
}) {
  if (!table) return <p className="text-xs text-slate-600">Pick a table first.</p>;
  return (
    <fieldset className="flex flex-wrap gap-x-3 gap-y-1" aria-label={label}>
      {columnsOf(table).map((c) => (
        <label key={c} className="flex items-center gap-1 text-sm">
          <input
            type="checkbox"
            checked={value.includes(c)}
            onChange={(e) => onChange(e.target.checked ? [...value, c] : value.filter((x) => x !== c))}
          />
          {c}
        </label>
      ))}
    </fieldset>
  );
}

type FormField = { column: string; label?: string };

/** A form's fields: the table's columns people may fill in, ticked, each with the label shoppers read. */
export function FormFieldsEditor({
  value,
  onChange,
  table,
}: {
  value: FormField[];
  onChange: (fields: FormField[]) => void;
  table: PageTableInfo | undefined;
}) {
  if (!table) return <p className="text-xs text-slate-600">Pick a table first.</p>;
  const writable = table.columns.filter((c) => !c.systemManaged);
  const managed = table.columns.filter((c) => c.systemManaged);
  return (
    <fieldset className="flex flex-col gap-1" aria-label="Fields">
      {writable.map((c) => {
        const field = value.find((f) => f.column === c.name);
        return (
          <div key={c.name} className="flex flex-wrap items-center gap-2">
            <label className="flex items-center gap-1 text-sm">
              <input
                type="checkbox"
                checked={Boolean(field)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...value, { column: c.name }] : value.filter((f) => f.column !== c.name))
                }
              />
              {c.name}
            </label>
            {field ? (
              <input
                className="input w-40"
                aria-label={`Label for ${c.name}`}
                placeholder={c.name}
                value={field.label ?? ''}
                onChange={(e) =>
                  onChange(
                    value.map((f) =>
                      f.column === c.name
                        ? { column: c.name, ...(e.target.value ? { label: e.target.value } : {}) }
                        : f,
                    ),
                  )
                }
              />
            ) : null}
          </div>
        );
      })}
      {managed.length ? (
        <p className="text-xs text-slate-600">
          {managed.map((c) => c.name).join(', ')}: set by payments, not by people using the app.
        </p>
      ) : null}
    </fieldset>
  );
}

/** A badge's colour for each value it may show (e.g. paid → green). */
export function BadgeColorsEditor({
  value,
  onChange,
}: {
  value: Record<string, (typeof BADGE_COLORS)[number]>;
  onChange: (colors: Record<string, (typeof BADGE_COLORS)[number]>) => void;
}) {
  const entries = Object.entries(value);
  const rename = (from: string, to: string) =>
    onChange(Object.fromEntries(entries.map(([k, v]) => (k === from ? [to, v] : [k, v]))));
  return (
    <div className="flex flex-col gap-1">
      {entries.map(([text, color], i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the value itself is being edited
        <div key={i} className="flex flex-wrap items-center gap-1">
          <input
            className="input w-32"
            aria-label={`Value ${i + 1}`}
            value={text}
            onChange={(e) => rename(text, e.target.value)}
          />
          <select
            className="input w-28"
            aria-label={`Colour for value ${i + 1}`}
            value={color}
            onChange={(e) => onChange({ ...value, [text]: e.target.value as (typeof BADGE_COLORS)[number] })}
          >
            {BADGE_COLORS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn-secondary text-xs"
            onClick={() => onChange(Object.fromEntries(entries.filter(([k]) => k !== text)))}
          >
            Remove value {i + 1}
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn-secondary self-start"
        onClick={() => {
          let name = 'value';
          for (let n = 2; name in value; n++) name = `value${n}`;
          onChange({ ...value, [name]: 'green' });
        }}
      >
        Add a colour
      </button>
    </div>
  );
}
