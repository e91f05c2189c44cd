'use client';

import type { TableInfo } from '@tillflow/flow-model';
import { X } from 'lucide-react';
import { useState } from 'react';
import { BindingInput } from '~/components/ui/binding-input';

/** The subset of JSON Schema that z.toJSONSchema produces for node configs. */
export interface FieldSchema {
  type?: string;
  enum?: string[];
  anyOf?: FieldSchema[];
  items?: FieldSchema;
  properties?: Record<string, FieldSchema>;
  additionalProperties?: FieldSchema | boolean;
  required?: string[];
  default?: unknown;
}

export interface FieldContext {
  tables: TableInfo[];
  /** The table chosen in this config (data nodes), for column pickers. */
  table?: TableInfo;
  disabled: boolean;
  /** Validator messages by field path (e.g. 'filters.0.value'). */
  errorsAt: (path: string) => string[];
}

const MULTILINE = new Set(['text', 'html', 'code', 'source', 'expression', 'message']);
const BUILTIN_COLUMNS = ['id', 'created_at', 'updated_at'];
const isBindable = (s: FieldSchema) => Boolean(s.anyOf?.some((x) => x.type === 'string'));
const isNumeric = (s: FieldSchema) =>
  s.type === 'integer' ||
  s.type === 'number' ||
  Boolean(s.anyOf?.some((x) => x.type === 'integer' || x.type === 'number'));

/** Text from an input to the value stored: numbers for numeric fields and columns, bindings stay strings. */
export function coerce(text: string, kind: 'number' | 'boolean' | 'text' | 'any'): unknown {
  if (text.includes('{{')) return text;
  if (kind === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (kind === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

const asText = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function columnKind(table: TableInfo | undefined, column: string): 'number' | 'boolean' | 'text' | 'any' {
  const type = table?.columns.find((c) => c.name === column)?.type ?? (column === 'id' ? 'integer' : 'text');
  if (/(int|decimal|numeric|number|money|float)/.test(type)) return 'number';
  if (/bool/.test(type)) return 'boolean';
  return 'text';
}

export function Errors({ messages }: { messages: string[] }) {
  if (!messages.length) return null;
  return (
    <ul className="field-error" role="alert">
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

function ColumnSelect({
  value,
  onChange,
  table,
  label,
  disabled,
  writable = false,
}: {
  value: string;
  onChange: (v: string) => void;
  table?: TableInfo;
  label: string;
  disabled: boolean;
  writable?: boolean;
}) {
  if (!table)
    return (
      <input
        className="input"
        aria-label={label}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  const columns = [...(writable ? [] : BUILTIN_COLUMNS), ...table.columns.map((c) => c.name)];
  return (
    <select
      className="input"
      aria-label={label}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">Column…</option>
      {columns.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  );
}

/** One config field, drawn from its JSON schema (derived from the node type's zod schema). */
export function SchemaField({
  name,
  path,
  schema,
  value,
  onChange,
  ctx,
  label,
}: {
  name: string;
  path: string;
  schema: FieldSchema;
  value: unknown;
  onChange: (v: unknown) => void;
  ctx: FieldContext;
  label: string;
}) {
  const errors = ctx.errorsAt(path);
  const invalid = errors.length > 0;
  if (name === 'table' && schema.type === 'string')
    return (
      <select
        className="input"
        aria-label={label}
        value={asText(value)}
        disabled={ctx.disabled}
        aria-invalid={invalid || undefined}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">Choose a table…</option>
        {ctx.tables.map((t) => (
          <option key={t.name} value={t.name}>
            {t.name}
          </option>
        ))}
      </select>
    );
  if (schema.enum)
    return (
      <select
        className="input"
        aria-label={label}
        value={asText(value)}
        disabled={ctx.disabled}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">Choose…</option>
        {schema.enum.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  if (schema.type === 'boolean')
    return (
      <input
        type="checkbox"
        aria-label={label}
        checked={value === true}
        disabled={ctx.disabled}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  if (schema.type === 'string' || isBindable(schema) || isNumeric(schema))
    return (
      <BindingInput
        label={label}
        value={asText(value)}
        multiline={MULTILINE.has(name)}
        disabled={ctx.disabled}
        invalid={invalid}
        onChange={(text) => onChange(coerce(text, isNumeric(schema) ? 'number' : 'text'))}
      />
    );
  if (schema.type === 'array' && schema.items?.type === 'string') {
    const lines = Array.isArray(value) ? value : [];
    return (
      <div>
        <textarea
          className="input"
          rows={3}
          aria-label={`${label} (one per line)`}
          value={lines.join('\n')}
          disabled={ctx.disabled}
          onChange={(e) =>
            onChange(e.target.value.split('\n').filter((l, i, all) => l !== '' || (i > 0 && i === all.length - 1)))
          }
        />
        <Errors messages={lines.flatMap((_, i) => ctx.errorsAt(`${path}.${i}`))} />
      </div>
    );
  }
  if (schema.type === 'array' && schema.items?.properties)
    return (
      <RowsEditor
        name={name}
        schema={schema.items}
        value={value}
        onChange={onChange}
        ctx={ctx}
        label={label}
        path={path}
      />
    );
  if (schema.type === 'object' && schema.additionalProperties !== undefined && !schema.properties)
    return <KeyValueEditor name={name} value={value} onChange={onChange} ctx={ctx} label={label} />;
  return <JsonField value={value} onChange={onChange} label={label} disabled={ctx.disabled} />;
}

function JsonField({
  value,
  onChange,
  label,
  disabled,
}: {
  value: unknown;
  onChange: (v: unknown) => void;
  label: string;
  disabled: boolean;
}) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [error, setError] = useState('');
  return (
    <div>
      <textarea
        className="input font-mono text-xs"
        rows={4}
        aria-label={`${label} (JSON)`}
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text.trim() === '') return onChange(undefined);
          try {
            onChange(JSON.parse(text));
            setError('');
          } catch {
            setError('This is not valid JSON.');
          }
        }}
      />
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}

/** Lists of objects such as filters and sort: one row per item, fields from the item schema. */
function RowsEditor({
  name,
  schema,
  value,
  onChange,
  ctx,
  label,
  path,
}: {
  name: string;
  schema: FieldSchema;
  value: unknown;
  onChange: (v: unknown) => void;
  ctx: FieldContext;
  label: string;
  path: string;
}) {
  const rows = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
  const singular = name === 'filters' ? 'filter' : name === 'sort' ? 'sort' : 'item';
  const set = (i: number, key: string, v: unknown) => onChange(rows.map((r, j) => (j === i ? { ...r, [key]: v } : r)));
  const blank = () =>
    Object.fromEntries(
      Object.entries(schema.properties ?? {})
        .filter(([, s]) => s.enum || s.default !== undefined)
        .map(([k, s]) => [k, s.default ?? s.enum?.[0]]),
    );
  return (
    <div className="space-y-2">
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
        <div key={i} className="flex flex-wrap items-start gap-1 rounded border border-slate-200 p-1.5">
          {Object.entries(schema.properties ?? {}).map(([key, s]) => {
            const fieldLabel = `${singular} ${i + 1} ${key}`;
            if (key === 'column')
              return (
                <div key={key} className="w-28">
                  <ColumnSelect
                    label={fieldLabel}
                    table={ctx.table}
                    value={asText(row.column)}
                    disabled={ctx.disabled}
                    onChange={(v) => set(i, key, v)}
                  />
                </div>
              );
            if (key === 'value')
              return (
                <div key={key} className="min-w-40 flex-1">
                  <BindingInput
                    label={fieldLabel}
                    value={asText(row.value)}
                    disabled={ctx.disabled}
                    invalid={ctx.errorsAt(`${path}.${i}.value`).length > 0}
                    onChange={(t) => set(i, key, coerce(t, columnKind(ctx.table, asText(row.column))))}
                  />
                </div>
              );
            return (
              <div key={key} className="w-24">
                <SchemaField
                  name={key}
                  path={`${path}.${i}.${key}`}
                  schema={s}
                  value={row[key]}
                  onChange={(v) => set(i, key, v)}
                  ctx={ctx}
                  label={fieldLabel}
                />
              </div>
            );
          })}
          <RemoveButton
            label={`Remove ${singular} ${i + 1}`}
            disabled={ctx.disabled}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          />
          <div className="w-full">
            <Errors messages={Object.keys(schema.properties ?? {}).flatMap((k) => ctx.errorsAt(`${path}.${i}.${k}`))} />
          </div>
        </div>
      ))}
      <button
        type="button"
        className="btn-secondary"
        disabled={ctx.disabled}
        onClick={() => onChange([...rows, blank()])}
        aria-label={`Add ${singular} to ${label}`}
      >
        Add {singular}
      </button>
    </div>
  );
}

/** Records such as values, variables, headers and params: key → literal or binding. */
function KeyValueEditor({
  name,
  value,
  onChange,
  ctx,
  label,
}: {
  name: string;
  value: unknown;
  onChange: (v: unknown) => void;
  ctx: FieldContext;
  label: string;
}) {
  const [pairs, setPairs] = useState<[string, unknown][]>(() =>
    Object.entries(value && typeof value === 'object' ? (value as Record<string, unknown>) : {}),
  );
  const columns = (name === 'values' || name === 'orderFieldMapping') && ctx.table;
  const emit = (next: [string, unknown][]) => {
    setPairs(next);
    onChange(Object.fromEntries(next.filter(([k]) => k !== '')));
  };
  const singular =
    name === 'values' || name === 'orderFieldMapping'
      ? 'value'
      : name === 'variables'
        ? 'variable'
        : name === 'headers'
          ? 'header'
          : 'entry';
  return (
    <div className="space-y-2">
      {pairs.map(([k, v], i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: keys are edited in place
        <div key={i} className="space-y-1 rounded border border-slate-200 p-1.5">
          <div className="flex gap-1">
            {columns ? (
              <ColumnSelect
                label={`${singular} ${i + 1} column`}
                table={ctx.table}
                writable
                value={k}
                disabled={ctx.disabled}
                onChange={(nk) => emit(pairs.map((p, j) => (j === i ? [nk, p[1]] : p)))}
              />
            ) : (
              <input
                className="input"
                aria-label={`${singular} ${i + 1} name`}
                value={k}
                disabled={ctx.disabled}
                onChange={(e) => emit(pairs.map((p, j) => (j === i ? [e.target.value, p[1]] : p)))}
              />
            )}
            <RemoveButton
              label={`Remove ${singular} ${i + 1}`}
              disabled={ctx.disabled}
              onClick={() => emit(pairs.filter((_, j) => j !== i))}
            />
          </div>
          <BindingInput
            label={k ? `${singular} for ${k}` : `${singular} ${i + 1}`}
            value={asText(v)}
            disabled={ctx.disabled}
            invalid={ctx.errorsAt(`${name}.${k}`).length > 0}
            onChange={(t) =>
              emit(pairs.map((p, j) => (j === i ? [p[0], coerce(t, columns ? columnKind(ctx.table, k) : 'any')] : p)))
            }
          />
          <Errors messages={k ? ctx.errorsAt(`${name}.${k}`) : []} />
        </div>
      ))}
      <button
        type="button"
        className="btn-secondary"
        disabled={ctx.disabled}
        onClick={() => emit([...pairs, ['', '']])}
        aria-label={`Add ${singular} to ${label}`}
      >
        Add {singular}
      </button>
    </div>
  );
}

/** The cross that removes one entry of a list or one pair of a map; `label` names the entry for screen readers. */
function RemoveButton({ label, disabled, onClick }: { label: string; disabled: boolean; onClick: () => void }) {
  return (
    <button type="button" className="btn-secondary px-2" aria-label={label} disabled={disabled} onClick={onClick}>
      <X aria-hidden="true" className="h-4 w-4" />
    </button>
  );
}
