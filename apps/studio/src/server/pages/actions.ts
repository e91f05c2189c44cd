import { publicOrigin, TillflowError } from '@tillflow/core';
import { type Actor, getRow, getTable, insertRow, queryRows, type Row, updateRows } from '@tillflow/data-model';
import {
  type ActionChain,
  type Block,
  evaluateText,
  evaluateValue,
  fillPath,
  matchPath,
  type PageAction,
  type PageDefinition,
  type PageValues,
  type PropsOf,
  parseProps,
} from '@tillflow/page-model';
import {
  cancelRecurringAction,
  createPaymentAction,
  initiateRecurringAction,
  loadPaymentSettings,
  type PaymentServices,
  refundAction,
  toPublicSettings,
} from '@tillflow/payments';
import { callAppFlow, type RunServices } from '@tillflow/runtime';
import { z } from 'zod';
import { listCatalog } from '../generated-app/catalog';
import { listFilters, mayOpen, pageValues } from './render';
import { getPublishedPage } from './store';

/** What the browser sends: which block of which live page, the row it sits on, the form's values. Nothing else. */
export const runPageActionInput = z.object({
  pageId: z.number().int().positive(),
  blockId: z.string().min(1).max(60),
  path: z.string().max(500),
  itemId: z.number().int().positive().nullish(),
  form: z.record(z.string(), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()])).optional(),
});

/** What the browser does after the server ran the steps. */
export type PageEffect =
  | { kind: 'navigate'; href: string }
  | { kind: 'redirect'; href: string }
  /**
   * Pay in the embedded card form (Stripe.js with the project's publishable key) for the Payment Intent of
   * `clientSecret`, whose amount the server set; once paid, go to `paidHref`. Effects after it wait for the payment.
   */
  | {
      kind: 'card';
      clientSecret: string;
      orderId: number;
      publishableKey: string;
      stripeJsUrl: string;
      paidHref: string;
    }
  | { kind: 'message'; text: string; tone: 'info' | 'success' | 'error' }
  | { kind: 'sign_out' };

export interface PageActionResult {
  ok: boolean;
  effects: PageEffect[];
  /** Field errors of a form save, by column. */
  fieldErrors?: Record<string, string>;
}

function findWithAncestors(blocks: Block[], id: string, trail: Block[] = []): Block[] | null {
  for (const block of blocks) {
    if (block.id === id) return [...trail, block];
    const inside = findWithAncestors(block.children ?? [], id, [...trail, block]);
    if (inside) return inside;
  }
  return null;
}

const positiveId = (value: unknown, what: string): number => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0)
    throw new TillflowError('VALIDATION', `This button needs ${what}, and there is none here.`);
  return n;
};

/** Coerces what a form field sent to its column's type; an empty field is null. */
function formValue(type: string, raw: unknown): unknown {
  if (raw === null || raw === undefined || raw === '') return null;
  if (type === 'integer' || type === 'relation') return Number.isInteger(Number(raw)) ? Number(raw) : raw;
  if (type === 'decimal') return String(raw);
  if (type === 'boolean') return raw === true || raw === 'true' || raw === 'on';
  return raw;
}

/**
 * Runs a button's or a form's actions on the server for the caller. The page is the published version read
 * here (never a definition from the browser); the row a button sits on is re-read as the caller and must be
 * one the list shows them; every step goes through the same functions as REST and tRPC (data-access layer,
 * payments actions) with the caller as actor, so their permission and row checks apply unchanged. What is
 * charged comes from the order row or the catalog, never from the request.
 */
export async function runPageAction(
  services: PaymentServices & RunServices,
  project: { id: number; slug: string },
  actor: Actor,
  rawInput: z.input<typeof runPageActionInput>,
): Promise<PageActionResult> {
  const handle = services.database;
  const input = runPageActionInput.parse(rawInput);
  const page = await getPublishedPage(handle.db, project.id, input.pageId);
  const definition: PageDefinition = page.definition;
  const access = mayOpen(definition, actor);
  if (access === 'sign_in') throw new TillflowError('UNAUTHORIZED', 'Sign in to continue.');
  if (access === 'forbidden') throw new TillflowError('FORBIDDEN', 'Your role may not use this page.');
  const trail = findWithAncestors(definition.blocks, input.blockId);
  const block = trail?.at(-1);
  if (!trail || !block || (block.kind !== 'button' && block.kind !== 'form'))
    throw new TillflowError('NOT_FOUND', 'This button is no longer on the page. Reload it.');

  const params = matchPath(definition.path, input.path) ?? {};
  const values: PageValues = await pageValues(handle, project.id, actor, definition, params, input.path, true);

  // The row the block sits on: re-read as the caller, and for a list, only a row that list shows them.
  const holder = [...trail].reverse().find((b) => b.kind === 'data_list' || b.kind === 'record_view');
  if (holder?.kind === 'data_list') {
    const props = parseProps('data_list', holder.props) as PropsOf<'data_list'>;
    const itemId = positiveId(input.itemId, 'a row');
    const filters = await listFilters({ handle, projectId: project.id, actor }, props, values);
    const { rows } = filters
      ? await queryRows(handle.db, project.id, actor, props.table, {
          filters: [...filters, { column: 'id', op: 'eq', value: itemId }],
          limit: 1,
        })
      : { rows: [] as Row[] };
    if (!rows[0]) throw new TillflowError('NOT_FOUND', 'This row is no longer in the list. Reload the page.');
    values.item = rows[0];
  } else if (holder?.kind === 'record_view') {
    const props = parseProps('record_view', holder.props) as PropsOf<'record_view'>;
    const id = Number(evaluateValue(props.rowId, values));
    const row = Number.isInteger(id) && id > 0 ? await getRow(handle.db, project.id, actor, props.table, id) : null;
    if (!row) throw new TillflowError('NOT_FOUND', 'This record is gone. Reload the page.');
    values.item = row;
  }

  let chain: ActionChain;
  if (block.kind === 'form') {
    const props = parseProps('form', block.props) as PropsOf<'form'>;
    const table = await getTable(handle.db, project.id, props.table);
    const form: Record<string, unknown> = {};
    for (const field of props.fields) {
      const column = table.columns.find((c) => c.name === field.column);
      if (column) form[field.column] = formValue(column.type, input.form?.[field.column]);
    }
    values.form = form;
    try {
      values.saved =
        props.mode === 'insert'
          ? await insertRow(handle.db, project.id, actor, props.table, form)
          : (
              await updateRows(
                handle.db,
                project.id,
                actor,
                props.table,
                [{ column: 'id', op: 'eq', value: positiveId(evaluateValue(props.rowId, values), 'a row') }],
                form,
              )
            )[0];
      if (!values.saved) throw new TillflowError('NOT_FOUND', 'This row is gone, or you may not change it.');
    } catch (error) {
      if (error instanceof TillflowError && error.code !== 'INTERNAL')
        return {
          ok: false,
          effects: [{ kind: 'message', text: error.message, tone: 'error' }],
          fieldErrors: error.fieldErrors,
        };
      throw error;
    }
    chain = props.onSubmit;
  } else {
    chain = (parseProps('button', block.props) as PropsOf<'button'>).onClick;
  }

  const effects: PageEffect[] = [];
  const results: Record<string, unknown> = {};
  values.results = results;
  // Checkout sends the buyer back to where the chain goes on success (e.g. "My orders"), else to this page.
  const here = `${publicOrigin()}/app/${project.slug}${input.path === '/' ? '' : input.path}`;
  const returnUrl = () => {
    const next = chain.onSuccess.find((a) => a.type === 'navigate');
    if (next?.type !== 'navigate') return here;
    const params = Object.fromEntries(Object.entries(next.params).map(([k, v]) => [k, evaluateValue(v, values)]));
    const path = fillPath(next.to, params);
    return path.includes(':') ? here : `${publicOrigin()}/app/${project.slug}${path === '/' ? '' : path}`;
  };
  try {
    for (const step of chain.steps) {
      const out = await runStep(services, project, actor, step, values, returnUrl, effects);
      if ('id' in step && step.id) results[step.id] = out;
    }
  } catch (error) {
    if (!(error instanceof TillflowError) || error.code === 'INTERNAL') throw error;
    const failure = { ...values, error: { message: error.message } };
    const after = chain.onFailure.length
      ? chain.onFailure
      : [{ type: 'show_message' as const, text: '{{ error.message }}', tone: 'error' as const }];
    for (const step of after) await runStep(services, project, actor, step, failure, returnUrl, effects);
    return { ok: false, effects };
  }
  for (const step of chain.onSuccess) await runStep(services, project, actor, step, values, returnUrl, effects);
  return { ok: true, effects };
}

async function runStep(
  services: PaymentServices & RunServices,
  project: { id: number; slug: string },
  actor: Actor,
  step: PageAction,
  values: PageValues,
  returnUrl: () => string,
  effects: PageEffect[],
): Promise<unknown> {
  const handle = services.database;
  const value = (v: string | undefined) => (v === undefined ? undefined : evaluateValue(v, values));
  const rowValues = (raw: Record<string, string>) =>
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, value(v)]));
  switch (step.type) {
    case 'create_row':
      return insertRow(handle.db, project.id, actor, step.table, rowValues(step.values));
    case 'update_row': {
      const [row] = await updateRows(
        handle.db,
        project.id,
        actor,
        step.table,
        [{ column: 'id', op: 'eq', value: positiveId(value(step.rowId), 'a row') }],
        rowValues(step.values),
      );
      if (!row) throw new TillflowError('NOT_FOUND', 'This row is gone, or you may not change it.');
      return row;
    }
    case 'pay': {
      const orderId = positiveId(value(step.orderId), 'an order');
      let options = {};
      if (step.product !== undefined && step.product.trim() !== '') {
        // The product's price as the shop lists it (its catalog), read here: never a number from the page.
        const productId = positiveId(value(step.product), 'a product');
        const item = (await listCatalog(services, project.id)).find((i) => i.key === `row:${productId}`);
        if (!item) throw new TillflowError('NOT_FOUND', 'This product is not for sale.');
        options = { charge: { amount: item.amount, currency: item.currency }, itemName: item.name };
      }
      // The card form on the page when the step asks for it and the project can show one (Stripe.js needs its
      // publishable key); otherwise Stripe's Checkout page. Either way the amount is the server's.
      const settings = toPublicSettings(await loadPaymentSettings(handle.db, project.id));
      const card = step.method === 'payment_intent' && settings.publishableKey ? settings.publishableKey : null;
      const payment = await createPaymentAction(
        services,
        project.id,
        actor,
        {
          orderId,
          method: card ? 'payment_intent' : 'checkout',
          successUrl: `${returnUrl()}?paid=${orderId}`,
          cancelUrl: `${returnUrl()}?canceled=${orderId}`,
        },
        options,
      );
      if (payment.checkoutUrl) effects.push({ kind: 'redirect', href: payment.checkoutUrl });
      else if (payment.clientSecret && card)
        effects.push({
          kind: 'card',
          clientSecret: payment.clientSecret,
          orderId,
          publishableKey: card,
          stripeJsUrl: settings.stripeJsUrl,
          paidHref: `${new URL(returnUrl()).pathname}?paid=${orderId}`,
        });
      return { orderId, checkoutUrl: payment.checkoutUrl ?? '' };
    }
    case 'start_subscription': {
      const orderId = positiveId(value(step.orderId), 'an order');
      const started = await initiateRecurringAction(services, project.id, actor, {
        orderId,
        plan: step.plan,
        successUrl: `${returnUrl()}?subscribed=${orderId}`,
        cancelUrl: `${returnUrl()}?canceled=${orderId}`,
      });
      const url = (started as { checkoutUrl?: string | null }).checkoutUrl ?? '';
      if (url) effects.push({ kind: 'redirect', href: url });
      return { orderId, checkoutUrl: url };
    }
    case 'cancel_subscription': {
      const done = await cancelRecurringAction(services, project.id, actor, {
        recurringPaymentId: positiveId(value(step.subscriptionId), 'a subscription'),
        atPeriodEnd: step.atPeriodEnd,
      });
      return { status: String((done as { status?: string }).status ?? '') };
    }
    case 'refund': {
      const amount = value(step.amount);
      const refund = await refundAction(services, project.id, actor, {
        paymentId: positiveId(value(step.paymentId), 'a payment'),
        amount: amount === undefined || amount === null || amount === '' ? undefined : Number(amount),
        reason: step.reason ? evaluateText(step.reason, values) || undefined : undefined,
      });
      return { refundId: refund.refundId, amount: refund.amount, status: refund.status };
    }
    case 'call_flow': {
      // The flow runs as this end user (its data nodes under their role); its inputs are checked against
      // the flow's declared types by the runtime, with a message naming the input that is wrong.
      if (actor.kind !== 'endUser') throw new TillflowError('UNAUTHORIZED', 'Sign in to continue.');
      const user = values.user;
      const inputs = Object.fromEntries(Object.entries(step.inputs).map(([k, v]) => [k, value(v)]));
      const { outputs } = await callAppFlow(services, {
        projectId: project.id,
        flowId: step.flowId,
        inputs,
        caller: { userId: actor.userId, email: user?.email ?? '', role: actor.role },
      });
      return outputs;
    }
    case 'navigate': {
      const params = Object.fromEntries(Object.entries(step.params).map(([k, v]) => [k, value(v)]));
      const path = fillPath(step.to, params);
      effects.push({ kind: 'navigate', href: `/app/${project.slug}${path === '/' ? '' : path}` });
      return null;
    }
    case 'show_message':
      effects.push({ kind: 'message', text: evaluateText(step.text, values), tone: step.tone });
      return null;
    case 'sign_out':
      effects.push({ kind: 'sign_out' });
      return null;
  }
}
