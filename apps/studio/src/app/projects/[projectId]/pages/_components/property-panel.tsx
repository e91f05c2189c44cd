'use client';

import {
  type ActionChain,
  type Block,
  blockScope,
  formChainNames,
  getBlockType,
  type PageContext,
  type PageDefinition,
  type PageIssue,
  propMeta,
} from '@tillflow/page-model';
import { useMemo } from 'react';
import { ActionChainEditor } from './action-chain-editor';
import { LinksEditor } from './link-editors';
import { BadgeColorsEditor, ColumnsPicker, FiltersEditor, FormFieldsEditor, SortEditor } from './list-editors';
import { FieldErrors, PageBinding, PagePicker, type PanelContext, TablePicker } from './page-binding';

function enumOptions(schema: unknown): string[] | null {
  let s = schema as { def?: { innerType?: unknown }; options?: unknown };
  for (let i = 0; i < 3 && s?.def?.innerType; i++) s = s.def.innerType as typeof s;
  return Array.isArray(s?.options) ? (s.options as string[]) : null;
}

/** Widgets that label themselves (a group or a binding field's own name) rather than through a <label for>. */
const SELF_LABELLED = new Set(['binding', 'filters', 'columns', 'fields', 'colors', 'links', 'actions']);

/**
 * The selected block's properties, one field per prop of its catalog schema, each drawn by the prop's widget:
 * bindings with the canvas's picker, tables and columns picked, filters, sort, links and action chains as forms.
 */
export function PropertyPanel({
  block,
  draft,
  context,
  issues,
  plans,
  onChange,
}: {
  block: Block;
  draft: PageDefinition;
  context: PageContext;
  issues: PageIssue[];
  /** The shop's subscription plans, for start-subscription steps (see PanelContext). */
  plans?: { id: string; label: string }[];
  onChange: (props: Record<string, unknown>) => void;
}) {
  const type = getBlockType(block.kind);
  const names = useMemo(() => blockScope(draft, block.id, context) ?? {}, [draft, block.id, context]);
  if (!type) return <p className="text-sm text-red-700">Unknown block.</p>;
  const props = { ...(type.props.safeParse({}).data ?? {}), ...block.props } as Record<string, unknown>;
  const mine = issues.filter((i) => i.blockId === block.id && i.field);
  const panel: PanelContext = {
    draft,
    context,
    names,
    plans,
    errorsAt: (field) =>
      mine.filter((i) => i.field === field || i.field?.startsWith(`${field}.`)).map((i) => i.message),
  };
  const table = context.tables.find((t) => t.name === props.table);
  return (
    <div className="flex flex-col gap-3">
      {Object.entries(type.props.shape).map(([name, schema]) => {
        const meta = propMeta(schema as never);
        if (!meta) return null;
        const id = `prop-${block.id}-${name}`;
        const set = (value: unknown) => onChange({ ...props, [name]: value });
        const value = props[name];
        const errors = panel.errorsAt(name);
        let input: React.ReactNode;
        switch (meta.widget) {
          case 'text':
            input = (
              <input id={id} className="input" value={String(value ?? '')} onChange={(e) => set(e.target.value)} />
            );
            break;
          case 'page':
            input = (
              <PagePicker id={id} label={meta.label} value={String(value ?? '')} context={context} onChange={set} />
            );
            break;
          case 'binding':
            input = (
              <PageBinding
                names={names}
                label={meta.label}
                value={String(value ?? '')}
                invalid={errors.length > 0}
                onChange={set}
              />
            );
            break;
          case 'number':
            input = (
              <input
                id={id}
                type="number"
                className="input"
                value={Number(value ?? 0)}
                onChange={(e) => set(Number(e.target.value))}
              />
            );
            break;
          case 'boolean':
            input = <input id={id} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} />;
            break;
          case 'select':
            input = (
              <select id={id} className="input" value={String(value ?? '')} onChange={(e) => set(e.target.value)}>
                {(enumOptions(schema) ?? []).map((o) => (
                  <option key={o} value={o}>
                    {meta.options?.[o] ?? o}
                  </option>
                ))}
              </select>
            );
            break;
          case 'table':
            input = <TablePicker id={id} value={String(value ?? '')} onChange={set} context={context} />;
            break;
          case 'filters':
            input = (
              <FiltersEditor value={(value as never) ?? []} onChange={set} table={table} panel={panel} field={name} />
            );
            break;
          case 'sort':
            input = <SortEditor id={id} value={(value as never) ?? null} onChange={set} table={table} />;
            break;
          case 'column':
          case 'columns':
            input = (
              <ColumnsPicker
                label={meta.label}
                value={Array.isArray(value) ? value : value ? [String(value)] : []}
                onChange={(cols) => set(meta.widget === 'column' ? (cols.at(-1) ?? '') : cols)}
                table={table}
              />
            );
            break;
          case 'fields':
            input = <FormFieldsEditor value={(value as never) ?? []} onChange={set} table={table} />;
            break;
          case 'colors':
            input = <BadgeColorsEditor value={(value as never) ?? {}} onChange={set} />;
            break;
          case 'links':
            input = <LinksEditor value={(value as never) ?? []} onChange={set} panel={panel} field={name} />;
            break;
          case 'actions':
            input = (
              <ActionChainEditor
                label={meta.label}
                value={value as ActionChain}
                onChange={set}
                panel={panel}
                field={name}
                // A form saves its row first (the validator's step 0) and gives its actions `form` and `saved`.
                {...(block.kind === 'form' && table
                  ? { extra: formChainNames(props as { fields: { column: string }[] }, table), offset: 1 }
                  : block.kind === 'form'
                    ? { offset: 1 }
                    : {})}
              />
            );
            break;
        }
        const own = meta.widget === 'actions' || meta.widget === 'filters' || meta.widget === 'links' ? [] : errors;
        return (
          <div key={name} className="flex flex-col gap-1">
            {SELF_LABELLED.has(meta.widget) ? (
              <span className="label">{meta.label}</span>
            ) : (
              <label className="label" htmlFor={id}>
                {meta.label}
              </label>
            )}
            {input}
            {meta.help ? <p className="text-xs text-gray-600">{meta.help}</p> : null}
            <FieldErrors messages={own} />
          </div>
        );
      })}
    </div>
  );
}
