'use client';

import type { ValueType } from '@tillflow/flow-model';
import { isServerAction, type PageAction } from '@tillflow/page-model';
import { useId, useState } from 'react';
import { MoneyInput } from '~/components/ui/money';
import { minorToMajorString } from '~/lib/money';
import { keepParams, ParamsFields } from './link-editors';
import { PageBinding, PagePicker, type PanelContext, TablePicker } from './page-binding';

const IO_WORDS = { string: 'text', number: 'a number', boolean: 'yes or no' } as const;

/** A labelled control of one action (select, checkbox, plain text). */
function Labelled({ label, children }: { label: string; children: (id: string) => React.ReactNode }) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {children(id)}
    </div>
  );
}

/** The fields of one action, by kind, as the page model's action catalog declares them. */
export function ActionStepFields({
  action,
  names,
  panel,
  at,
  onChange,
}: {
  action: PageAction;
  /** What this action's bindings may read (the block's names, earlier results, `error` after a failure). */
  names: Record<string, ValueType>;
  panel: PanelContext;
  /** Where the validator files messages about this action (`onClick.steps.0`). */
  at: string;
  onChange: (action: PageAction) => void;
}) {
  const { context } = panel;
  const bad = (f: string) => panel.errorsAt(`${at}.${f}`).length > 0;
  const bind = (label: string, f: string, value: string | undefined, set: (v: string) => void, multiline = false) => (
    <PageBinding
      names={names}
      label={label}
      value={value ?? ''}
      invalid={bad(f)}
      multiline={multiline}
      onChange={set}
    />
  );
  const resultName =
    isServerAction(action) && 'id' in action ? (
      <Labelled label="Name of its result (later actions read results.<name>)">
        {(id) => (
          <input
            id={id}
            className="input font-mono text-xs"
            value={action.id ?? ''}
            onChange={(e) => onChange({ ...action, id: e.target.value || undefined } as PageAction)}
          />
        )}
      </Labelled>
    ) : null;
  switch (action.type) {
    case 'create_row':
    case 'update_row': {
      const table = context.tables.find((t) => t.name === action.table);
      return (
        <>
          <Labelled label="Table">
            {(id) => (
              <TablePicker
                id={id}
                value={action.table}
                onChange={(table) => onChange({ ...action, table, values: {} })}
                context={context}
              />
            )}
          </Labelled>
          {action.type === 'update_row'
            ? bind('Row to update (its id)', 'rowId', action.rowId, (rowId) => onChange({ ...action, rowId }))
            : null}
          {table ? (
            <fieldset className="flex flex-col gap-1" aria-label="Column values">
              <p className="text-xs text-slate-600">Column values (leave a column empty to leave it as it is).</p>
              {table.columns
                .filter((c) => !c.systemManaged)
                .map((c) => (
                  <div key={c.name}>
                    {bind(`Value for ${c.name}`, `values.${c.name}`, action.values[c.name], (v) => {
                      const { [c.name]: _, ...rest } = action.values;
                      onChange({ ...action, values: v === '' ? rest : { ...rest, [c.name]: v } });
                    })}
                  </div>
                ))}
            </fieldset>
          ) : null}
          {resultName}
        </>
      );
    }
    case 'pay':
      return (
        <>
          {bind('Order to pay for (its id)', 'orderId', action.orderId, (orderId) => onChange({ ...action, orderId }))}
          {bind('Charge this catalog product’s price (its id; optional)', 'product', action.product, (product) =>
            onChange({ ...action, product: product || undefined }),
          )}
          <Labelled label="How the shopper pays">
            {(id) => (
              <select
                id={id}
                className="input"
                value={action.method}
                onChange={(e) => onChange({ ...action, method: e.target.value as 'checkout' | 'payment_intent' })}
              >
                <option value="checkout">On Stripe’s payment page (Checkout)</option>
                <option value="payment_intent">In a card form on the page</option>
              </select>
            )}
          </Labelled>
          {resultName}
        </>
      );
    case 'start_subscription':
      return (
        <>
          {bind('Order it belongs to (its id)', 'orderId', action.orderId, (orderId) =>
            onChange({ ...action, orderId }),
          )}
          <Labelled label="Plan">
            {(id) =>
              panel.plans?.length ? (
                <select
                  id={id}
                  className="input"
                  value={action.plan}
                  onChange={(e) => onChange({ ...action, plan: e.target.value })}
                >
                  <option value="">Choose a plan…</option>
                  {panel.plans.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.label}
                    </option>
                  ))}
                  {action.plan && !panel.plans.some((p) => p.id === action.plan) ? (
                    <option value={action.plan}>(a plan the shop no longer offers)</option>
                  ) : null}
                </select>
              ) : (
                <input
                  id={id}
                  className="input"
                  value={action.plan}
                  onChange={(e) => onChange({ ...action, plan: e.target.value })}
                />
              )
            }
          </Labelled>
          {panel.plans && panel.plans.length === 0 ? (
            <p className="text-xs text-slate-600">
              The shop offers no subscription yet: add a recurring price under App (catalog) to pick it here.
            </p>
          ) : null}
          {resultName}
        </>
      );
    case 'cancel_subscription':
      return (
        <>
          {bind('Subscription to cancel (its id)', 'subscriptionId', action.subscriptionId, (subscriptionId) =>
            onChange({ ...action, subscriptionId }),
          )}
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={action.atPeriodEnd}
              onChange={(e) => onChange({ ...action, atPeriodEnd: e.target.checked })}
            />
            At the end of the period already paid for
          </label>
          {resultName}
        </>
      );
    case 'refund':
      return (
        <>
          {bind('Payment to refund (its id)', 'paymentId', action.paymentId, (paymentId) =>
            onChange({ ...action, paymentId }),
          )}
          <RefundAmount
            value={action.amount ?? ''}
            currency={context.currency ?? 'usd'}
            names={names}
            invalid={bad('amount')}
            onChange={(amount) => onChange({ ...action, amount: amount || undefined })}
          />
          {bind('Reason (optional)', 'reason', action.reason, (reason) =>
            onChange({ ...action, reason: reason || undefined }),
          )}
          {resultName}
        </>
      );
    case 'call_flow': {
      const flow = context.flows.find((f) => f.id === action.flowId);
      return (
        <>
          <Labelled label="Actionflow">
            {(id) => (
              <select
                id={id}
                className="input"
                value={action.flowId}
                onChange={(e) => onChange({ ...action, flowId: e.target.value, inputs: {} })}
              >
                <option value="">Choose an actionflow…</option>
                {context.flows.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name}
                  </option>
                ))}
                {action.flowId && !flow ? (
                  <option value={action.flowId}>(an actionflow that is gone or no longer callable)</option>
                ) : null}
              </select>
            )}
          </Labelled>
          {context.flows.length === 0 ? (
            <p className="text-xs text-slate-600">
              No actionflow can be run from a page yet: give one the trigger “A button on one of your pages”.
            </p>
          ) : null}
          {flow
            ? Object.entries(flow.inputs).map(([input, type]) => (
                <div key={input}>
                  {bind(`${input} (${IO_WORDS[type]})`, `inputs.${input}`, action.inputs[input], (v) =>
                    onChange({ ...action, inputs: { ...action.inputs, [input]: v } }),
                  )}
                </div>
              ))
            : null}
          {resultName}
        </>
      );
    }
    case 'navigate':
      return (
        <>
          <Labelled label="Page">
            {(id) => (
              <PagePicker
                id={id}
                label="Page"
                value={action.to}
                context={context}
                onChange={(to) => onChange({ ...action, to, params: keepParams(to, action.params) })}
              />
            )}
          </Labelled>
          <ParamsFields
            to={action.to}
            params={action.params}
            names={names}
            errorsAt={panel.errorsAt}
            at={at}
            onChange={(params) => onChange({ ...action, params })}
          />
        </>
      );
    case 'show_message':
      return (
        <>
          {bind('Message', 'text', action.text, (text) => onChange({ ...action, text }), true)}
          <Labelled label="Looks like">
            {(id) => (
              <select
                id={id}
                className="input"
                value={action.tone}
                onChange={(e) => onChange({ ...action, tone: e.target.value as 'info' | 'success' | 'error' })}
              >
                <option value="info">Information</option>
                <option value="success">Success</option>
                <option value="error">A problem</option>
              </select>
            )}
          </Labelled>
        </>
      );
    case 'sign_out':
      return <p className="text-xs text-slate-600">Signs the shopper out.</p>;
  }
}

/**
 * How much a refund gives back: all that remains, an amount typed in the shop's currency (major units, with its
 * symbol; stored in minor units like every amount), or a value from the page (minor units, e.g. `{{ item.amount }}`).
 */
function RefundAmount({
  value,
  currency,
  names,
  invalid,
  onChange,
}: {
  value: string;
  currency: string;
  names: Record<string, ValueType>;
  invalid: boolean;
  onChange: (amount: string) => void;
}) {
  const initial = value === '' ? 'all' : value.includes('{{') ? 'binding' : 'amount';
  const [mode, setMode] = useState<'all' | 'amount' | 'binding'>(initial);
  const [typed, setTyped] = useState(() => (/^\d+$/.test(value) ? minorToMajorString(value, currency) : ''));
  return (
    <>
      <Labelled label="How much">
        {(id) => (
          <select
            id={id}
            className="input"
            value={mode}
            onChange={(e) => {
              const next = e.target.value as typeof mode;
              setMode(next);
              if (next === 'all') onChange('');
            }}
          >
            <option value="all">Everything not yet refunded</option>
            <option value="amount">An amount</option>
            <option value="binding">A value from the page (in minor units, e.g. cents)</option>
          </select>
        )}
      </Labelled>
      {mode === 'amount' ? (
        <MoneyInput
          label="Amount to refund"
          currency={currency}
          value={typed}
          onChange={(text, parsed) => {
            setTyped(text);
            if (parsed.ok) onChange(String(parsed.amount));
            else if (text.trim() === '') onChange('');
          }}
        />
      ) : null}
      {mode === 'binding' ? (
        <PageBinding
          names={names}
          label="Amount to refund (minor units, e.g. cents)"
          value={value}
          invalid={invalid}
          onChange={onChange}
        />
      ) : null}
    </>
  );
}
