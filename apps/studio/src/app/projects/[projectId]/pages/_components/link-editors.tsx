'use client';

import type { ValueType } from '@tillflow/flow-model';
import { type PageContext, pathParams } from '@tillflow/page-model';
import { FieldErrors, PageBinding, PagePicker, type PanelContext } from './page-binding';

/** One value per address parameter of the chosen page (`/orders/:orderId` → "orderId"), each a binding. */
export function ParamsFields({
  to,
  params,
  onChange,
  names,
  errorsAt,
  at,
}: {
  to: string;
  params: Record<string, string>;
  onChange: (params: Record<string, string>) => void;
  names: Record<string, ValueType>;
  errorsAt: (field: string) => string[];
  at: string;
}) {
  const wanted = pathParams(to);
  if (wanted.length === 0) return null;
  return (
    <>
      {wanted.map((p) => (
        <div key={p}>
          <PageBinding
            names={names}
            label={`Value for ${p} in the address`}
            value={params[p] ?? ''}
            invalid={errorsAt(`${at}.params.${p}`).length > 0}
            onChange={(v) => onChange({ ...params, [p]: v })}
          />
        </div>
      ))}
    </>
  );
}

/** Only the params a page's address has: the rest go when another page is chosen. */
export const keepParams = (to: string, params: Record<string, string>) =>
  Object.fromEntries(pathParams(to).map((p) => [p, params[p] ?? '']));

type Link = { label: string; to: string; params: Record<string, string> };

/** A navigation bar's links: a label, a page picked by its title, and values for its address parameters. */
export function LinksEditor({
  value,
  onChange,
  panel,
  field,
}: {
  value: Link[];
  onChange: (links: Link[]) => void;
  panel: PanelContext;
  field: string;
}) {
  const set = (i: number, link: Link) => onChange(value.map((l, j) => (j === i ? link : l)));
  return (
    <div className="flex flex-col gap-2">
      {value.map((link, i) => {
        const at = `${field}.${i}`;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: links have no identity of their own
          <fieldset key={i} className="flex flex-col gap-1 rounded border border-slate-200 p-2">
            <legend className="text-xs font-medium">Link {i + 1}</legend>
            <input
              className="input"
              aria-label={`Link ${i + 1} text`}
              value={link.label}
              onChange={(e) => set(i, { ...link, label: e.target.value })}
            />
            <PagePicker
              label={`Link ${i + 1} goes to`}
              value={link.to}
              context={panel.context}
              onChange={(to) => set(i, { ...link, to, params: keepParams(to, link.params ?? {}) })}
            />
            <ParamsFields
              to={link.to}
              params={link.params ?? {}}
              names={panel.names}
              errorsAt={panel.errorsAt}
              at={at}
              onChange={(params) => set(i, { ...link, params })}
            />
            <button
              type="button"
              className="btn-secondary self-start text-xs"
              onClick={() => onChange(value.filter((_, j) => j !== i))}
            >
              Remove link {i + 1}
            </button>
            <FieldErrors messages={panel.errorsAt(at)} />
          </fieldset>
        );
      })}
      <button
        type="button"
        className="btn-secondary self-start"
        onClick={() => {
          const to = firstPath(panel.context);
          onChange([...value, { label: 'Link', to, params: keepParams(to, {}) }]);
        }}
      >
        Add a link
      </button>
    </div>
  );
}

const firstPath = (context: PageContext) => context.paths[0] ?? '/';
