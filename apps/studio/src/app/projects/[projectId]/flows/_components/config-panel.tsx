'use client';

import {
  type FlowDefinition,
  type FlowNode,
  getNodeType,
  stripeApiOperation,
  type TableInfo,
  type ValidationIssue,
} from '@tillflow/flow-model';
import { useCallback, useEffect } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { BindingsContext } from '~/components/ui/binding-input';
import { NodeIcon } from '~/components/ui/node-icon';
import { bindingGroups, type LastRunValues } from '~/lib/flow-editor';
import { stepLabelWords } from '~/lib/flow-title';
import { Errors, type FieldContext, type FieldSchema, SchemaField } from './schema-fields';
import { StripeApiFields } from './stripe-api-fields';

interface FormValues {
  label: string;
  config: Record<string, unknown>;
}

const schemaCache = new Map<string, FieldSchema>();
function configJsonSchema(type: string): FieldSchema {
  const cached = schemaCache.get(type);
  if (cached) return cached;
  const def = getNodeType(type);
  let schema: FieldSchema = { type: 'object', properties: {} };
  try {
    if (def) schema = z.toJSONSchema(def.configSchema, { unrepresentable: 'any', io: 'input' }) as FieldSchema;
  } catch {
    // A schema JSON Schema cannot express gets the raw JSON editor below.
  }
  schemaCache.set(type, schema);
  return schema;
}

const humanize = (key: string) =>
  key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());

/**
 * The selected node's settings: a form generated from its zod config schema (react-hook-form),
 * with binding pickers, table/column pickers and the validator's messages on each field.
 */
export function ConfigPanel({
  node,
  definition,
  tables,
  issues,
  onChange,
  lastRun,
}: {
  node: FlowNode;
  definition: FlowDefinition;
  tables: TableInfo[];
  issues: ValidationIssue[];
  onChange: (patch: { label: string; config: Record<string, unknown> }) => void;
  /** What each step gave back in the last run: binding chips show those values as examples. */
  lastRun?: LastRunValues;
}) {
  const def = getNodeType(node.type);
  const schema = configJsonSchema(node.type);
  const locked = node.locked === true;
  // A locked node may still leave some settings to the builder (the renewal order mapping): those stay editable.
  const editable = locked ? (def?.editableWhenLocked ?? []) : [];
  const form = useForm<FormValues>({ defaultValues: { label: node.label ?? def?.label ?? '', config: node.config } });
  const { control, watch, register } = form;

  useEffect(() => {
    const sub = watch((values) => {
      if (locked && editable.length === 0) return;
      onChange({ label: values.label ?? '', config: (values.config ?? {}) as Record<string, unknown> });
    });
    return () => sub.unsubscribe();
  }, [watch, onChange, locked, editable.length]);

  const tableName = watch('config.table') ?? watch('config.orderTable');
  const nodeIssues = issues.filter((i) => i.nodeId === node.id);
  const ctx: FieldContext = {
    tables,
    table: tables.find((t) => t.name === tableName),
    disabled: locked,
    errorsAt: (path) => nodeIssues.filter((i) => i.field === path).map((i) => i.message),
  };
  const listBindings = useCallback(
    (filter: string) => bindingGroups(definition, node.id, tables, filter, lastRun),
    [definition, node.id, tables, lastRun],
  );
  // The Stripe API step draws its own form (operation and typed parameters): no generic fields for it.
  const properties = node.type === 'stripe_api_call' ? [] : Object.entries(schema.properties ?? {});
  const stripeOp =
    node.type === 'stripe_api_call' ? stripeApiOperation(String(node.config.operation ?? '')) : undefined;
  const shownFields = new Set([
    ...properties.map(([k]) => k),
    ...(node.type === 'stripe_api_call'
      ? ['operation', ...(stripeOp?.params ?? []).map((p) => `params.${p.name}`)]
      : []),
  ]);
  const otherIssues = nodeIssues.filter(
    (i) =>
      !i.field ||
      !(shownFields.has(i.field.split('.')[0]) || shownFields.has(i.field.split('.').slice(0, 2).join('.'))),
  );
  const labelId = `node-label-${node.id}`;

  return (
    <BindingsContext.Provider value={listBindings}>
      <form
        className="space-y-3"
        aria-label={`Settings of ${stepLabelWords(node.label ?? node.id)}`}
        onSubmit={(e) => e.preventDefault()}
      >
        <header className="flex items-center gap-2">
          <NodeIcon type={node.type} className="h-6 w-6 text-indigo-700" />
          <div>
            <h2 className="font-semibold">{def?.label ?? node.type}</h2>
            <p className="text-xs text-slate-500">Later steps can use what this step gives back.</p>
          </div>
        </header>
        {locked && (
          <p className="rounded bg-amber-50 p-2 text-sm text-amber-800">
            This is a built-in step of payments: it cannot be deleted, disconnected or edited
            {editable.length > 0
              ? `, except ${editable.map((k) => humanize(k).toLowerCase()).join(' and ')} below`
              : ''}
            . Add your own steps after it.
          </p>
        )}
        <p className="text-xs text-slate-600">{def?.description}</p>
        <div>
          <label className="label" htmlFor={labelId}>
            Step name
          </label>
          {locked ? (
            // A built-in step's stored label stays as it is (older projects stored "Stripe webhook"); it reads in words.
            <input
              id={labelId}
              className="input"
              disabled
              value={stepLabelWords(node.label ?? def?.label ?? '')}
              readOnly
            />
          ) : (
            <input id={labelId} className="input" {...register('label')} />
          )}
        </div>
        {node.type === 'stripe_api_call' ? (
          <Controller
            control={control}
            name="config"
            render={({ field }) => (
              <StripeApiFields
                operation={String((field.value as { operation?: unknown })?.operation ?? '')}
                params={
                  ((field.value as { params?: Record<string, unknown> })?.params ?? {}) as Record<string, unknown>
                }
                onChange={(config) => field.onChange({ ...(field.value as object), ...config })}
                ctx={ctx}
              />
            )}
          />
        ) : null}
        {properties.map(([key, fieldSchema]) => (
          <div key={key}>
            <p className="label" id={`${node.id}-${key}-label`}>
              {humanize(key)}
              {schema.required?.includes(key) ? '' : ' (optional)'}
            </p>
            <Controller
              control={control}
              name={`config.${key}`}
              render={({ field }) => (
                <SchemaField
                  name={key}
                  path={key}
                  schema={fieldSchema}
                  value={field.value}
                  onChange={field.onChange}
                  ctx={editable.includes(key) ? { ...ctx, disabled: false } : ctx}
                  label={humanize(key)}
                />
              )}
            />
            <Errors messages={nodeIssues.filter((i) => i.field === key).map((i) => i.message)} />
          </div>
        ))}
        {otherIssues.length > 0 && <Errors messages={otherIssues.map((i) => i.message)} />}
      </form>
    </BindingsContext.Provider>
  );
}
