'use client';

import {
  type StripeApiParam,
  stripeApiOperation,
  stripeApiOperations,
  stripeOperationTitle,
  type ValueType,
} from '@tillflow/flow-model';
import { useId, useMemo } from 'react';
import { Errors, type FieldContext, type FieldSchema, SchemaField } from './schema-fields';

/** A parameter's generated type as the form's field schema (numbers and text also take bindings). */
function fieldSchemaOf(type: ValueType): FieldSchema {
  switch (type.kind) {
    case 'enum':
      return { enum: type.values };
    case 'number':
      return { anyOf: [{ type: 'number' }, { type: 'string' }] };
    case 'array':
      return { type: 'array', items: fieldSchemaOf(type.items) };
    case 'object':
      return Object.keys(type.fields).length === 0
        ? { type: 'object', additionalProperties: {} }
        : { type: 'object', properties: Object.fromEntries(Object.keys(type.fields).map((k) => [k, {}])) };
    default:
      return { type: 'string' };
  }
}

const humanize = (name: string) => name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** A yes/no parameter: unset, yes or no (an unticked box would send "no" to Stripe). */
function YesNo({
  label,
  value,
  disabled,
  onChange,
}: {
  label: string;
  value: unknown;
  disabled: boolean;
  onChange: (v: unknown) => void;
}) {
  return (
    <select
      className="input"
      aria-label={label}
      value={value === true ? 'yes' : value === false ? 'no' : ''}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value === 'yes')}
    >
      <option value="">Not set</option>
      <option value="yes">Yes</option>
      <option value="no">No</option>
    </select>
  );
}

/**
 * The Stripe API step's settings: the operation (grouped by resource, in words) and a typed field per parameter of
 * that operation, generated from Stripe's description; required ones first. Each field takes a value or a binding.
 */
export function StripeApiFields({
  operation,
  params,
  onChange,
  ctx,
}: {
  operation: string;
  params: Record<string, unknown>;
  onChange: (config: { operation: string; params: Record<string, unknown> }) => void;
  ctx: FieldContext;
}) {
  const selectId = useId();
  const op = stripeApiOperation(operation);
  const groups = useMemo(() => {
    const byResource = new Map<string, typeof stripeApiOperations>();
    for (const o of stripeApiOperations) byResource.set(o.resource, [...(byResource.get(o.resource) ?? []), o]);
    return [...byResource].sort(([a], [b]) => a.localeCompare(b));
  }, []);
  const ordered: StripeApiParam[] = op ? [...op.params].sort((a, b) => Number(b.required) - Number(a.required)) : [];
  const choose = (next: string) => {
    const names = new Set(stripeApiOperation(next)?.params.map((p) => p.name));
    onChange({ operation: next, params: Object.fromEntries(Object.entries(params).filter(([k]) => names.has(k))) });
  };
  const set = (name: string, value: unknown) => {
    const next = { ...params, [name]: value };
    if (value === undefined || value === '') delete next[name];
    onChange({ operation, params: next });
  };

  return (
    <div className="space-y-3">
      <div>
        <label className="label" htmlFor={selectId}>
          Stripe operation
        </label>
        <select
          id={selectId}
          className="input"
          value={op ? operation : ''}
          disabled={ctx.disabled}
          onChange={(e) => choose(e.target.value)}
        >
          <option value="">Choose what to ask Stripe…</option>
          {groups.map(([resource, ops]) => (
            <optgroup key={resource} label={resource}>
              {ops.map((o) => (
                <option key={o.id} value={o.id}>
                  {stripeOperationTitle(o)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        {op && <p className="mt-1 text-xs text-slate-600">{op.description}</p>}
        <Errors messages={ctx.errorsAt('operation')} />
      </div>
      {op && (
        <fieldset className="space-y-2" disabled={ctx.disabled}>
          <legend className="label">What to send</legend>
          {ordered.length === 0 && <p className="text-sm text-slate-600">This operation takes nothing.</p>}
          {ordered.map((param) => {
            const label = param.name === 'id' ? `${op.resource.replace(/s$/, '')} id` : humanize(param.name);
            return (
              <div key={param.name}>
                <p className="text-sm font-medium">
                  {label}
                  {param.required ? '' : ' (optional)'}
                </p>
                {param.description && <p className="text-xs text-slate-500">{param.description}</p>}
                {param.type.kind === 'boolean' ? (
                  <YesNo
                    label={label}
                    value={params[param.name]}
                    disabled={ctx.disabled}
                    onChange={(v) => set(param.name, v)}
                  />
                ) : (
                  <SchemaField
                    name={param.name}
                    path={`params.${param.name}`}
                    schema={fieldSchemaOf(param.type)}
                    value={params[param.name]}
                    onChange={(v) => set(param.name, v)}
                    ctx={ctx}
                    label={label}
                  />
                )}
                <Errors messages={ctx.errorsAt(`params.${param.name}`)} />
              </div>
            );
          })}
        </fieldset>
      )}
    </div>
  );
}
