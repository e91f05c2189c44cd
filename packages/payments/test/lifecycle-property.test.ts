import { getRow, insertRow, queryRows, updateRows } from '@tillflow/data-model';
import type { DbHandle, Executor } from '@tillflow/db';
import {
  asBinding,
  evaluateTemplate,
  type FlowDefinition,
  type FlowNode,
  type SystemFlowKind,
} from '@tillflow/flow-model';
import { listFlows } from '@tillflow/runtime';
import fc from 'fast-check';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleDisputeEvent } from '../src/callbacks/dispute';
import { handlePaymentEvent } from '../src/callbacks/payment';
import { handleSubscriptionEvent } from '../src/callbacks/recurring';
import { handleRefundEvent } from '../src/callbacks/refund';
import { handleRenewalEvent } from '../src/callbacks/renewal';
import type { StripeEventLike } from '../src/event-mapping';
import { paymentStatusAfterRefunds } from '../src/event-mapping';
import { createPaymentsProject, type Sandbox, startEnvironment } from './harness';
import { orderStatusOf } from './order-projection';

// A property test of "every row ends where Stripe's does". Each run is a random life of one order on Stripe
// (pay, decline and retry, partial and full refunds made in the Dashboard, refunds that fail afterwards,
// disputes won or lost, a subscription that starts, lapses, recovers or is canceled, renewals declined and then
// collected), as a model of Stripe's objects. Every action emits the events Stripe would send, carrying the
// object as it was then; deliveries are delayed, duplicated and shuffled. Each delivery runs the real callback
// handler on the real database, then the project's own published system flow's default nodes (its condition
// and update-row nodes, evaluated from the stored definition), in one transaction. Handlers that re-fetch from
// Stripe get the model's objects as they are at the moment of delivery. When the queue has drained, the
// payment, refund, subscription, renewal and order rows must equal the projection of Stripe's final state.
//
// Cheap per run (a few inserts for the run's own order, payment and subscription rows, then one transaction per
// delivery), so 200 runs fit in CI. A failure prints fast-check's seed and the shrunk sequence; re-run it with
// LIFECYCLE_SEED=<seed> (and LIFECYCLE_RUNS=<n> for more runs).

const RUNS = Number(process.env.LIFECYCLE_RUNS ?? 200);
const SEED = Number(process.env.LIFECYCLE_SEED ?? 20261202);
const BACKEND = { kind: 'backend' } as const;
// No 'active': the subscription flow then has no default order move, so each run's one order is the payment's.
const ORDER_STATUSES = ['pending', 'paid', 'failed', 'refunded', 'partially_refunded', 'disputed', 'dispute_lost'];
const AMOUNT = 1000;

// ---- Stripe, as a model ----

type Action =
  | { kind: 'decline' }
  | { kind: 'pay' }
  | { kind: 'refund'; share: number }
  | { kind: 'failRefund'; pick: number }
  | { kind: 'dispute' }
  | { kind: 'closeDispute'; won: boolean }
  | { kind: 'subscription'; to: 'active' | 'past_due' | 'canceled' | 'unpaid' }
  | { kind: 'renewal'; paid: boolean };

interface StripeState {
  intent: 'requires_payment_method' | 'succeeded';
  declines: number;
  refunds: { id: string; amount: number; status: 'succeeded' | 'failed' }[];
  dispute: { id: string; status: 'needs_response' | 'won' | 'lost'; amount: number } | null;
  subscription: { status: 'incomplete' | 'active' | 'past_due' | 'canceled' | 'unpaid' };
  invoices: { id: string; status: 'open' | 'paid' }[];
}

interface Emitted {
  at: number;
  event: StripeEventLike;
}

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Action>({ kind: 'decline' }) },
  { weight: 3, arbitrary: fc.constant<Action>({ kind: 'pay' }) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(fc.constant(1), fc.double({ min: 0.1, max: 0.9, noNaN: true }))
      .map((share) => ({ kind: 'refund' as const, share })),
  },
  { weight: 1, arbitrary: fc.nat(5).map((pick) => ({ kind: 'failRefund' as const, pick })) },
  { weight: 1, arbitrary: fc.constant<Action>({ kind: 'dispute' }) },
  { weight: 1, arbitrary: fc.boolean().map((won) => ({ kind: 'closeDispute' as const, won })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('active', 'past_due', 'canceled', 'unpaid')
      .map((to) => ({ kind: 'subscription' as const, to: to as 'active' | 'past_due' | 'canceled' | 'unpaid' })),
  },
  { weight: 2, arbitrary: fc.boolean().map((paid) => ({ kind: 'renewal' as const, paid })) },
);

/** Ids of one run's objects on "Stripe" (unique across runs: rows are never shared between runs). */
const idsOf = (run: number) => ({
  intent: `pi_prop_${run}`,
  charge: `ch_prop_${run}`,
  subscription: `sub_prop_${run}`,
  customer: `cus_prop_${run}`,
});

/** Applies Stripe's rules to a random action (skipping what Stripe would refuse) and emits its events. */
function simulate(run: number, actions: Action[], rows: { paymentId: number; orderId: number; recurringId: number }) {
  const ids = idsOf(run);
  const state: StripeState = {
    intent: 'requires_payment_method',
    declines: 0,
    refunds: [],
    dispute: null,
    subscription: { status: 'incomplete' },
    invoices: [],
  };
  const history: StripeState[] = [];
  const events: Emitted[] = [];
  let sequence = 0;
  const emit = (at: number, type: string, object: Record<string, unknown>) =>
    events.push({
      at,
      event: {
        id: `evt_prop_${run}_${sequence++}`,
        type,
        created: 1_800_000_000 + at,
        livemode: false,
        data: { object: structuredClone(object) },
      } as unknown as StripeEventLike,
    });
  const intentObject = () => ({
    id: ids.intent,
    object: 'payment_intent',
    amount: AMOUNT,
    amount_received: state.intent === 'succeeded' ? AMOUNT : 0,
    currency: 'usd',
    status: state.intent,
    latest_charge: ids.charge,
    metadata: { tillflow_payment_id: String(rows.paymentId), order_id: String(rows.orderId) },
    ...(state.intent === 'succeeded' ? {} : { last_payment_error: { code: 'card_declined', message: 'Declined.' } }),
  });
  const refundObject = (r: StripeState['refunds'][number]) => ({
    id: r.id,
    object: 'refund',
    amount: r.amount,
    currency: 'usd',
    status: r.status,
    charge: ids.charge,
    payment_intent: ids.intent,
    metadata: {},
    ...(r.status === 'failed' ? { failure_reason: 'lost_or_stolen_card' } : {}),
  });
  const refunded = () => state.refunds.filter((r) => r.status === 'succeeded').reduce((s, r) => s + r.amount, 0);
  const subscriptionObject = () => ({
    id: ids.subscription,
    object: 'subscription',
    customer: ids.customer,
    status: state.subscription.status,
    cancel_at_period_end: false,
    canceled_at: state.subscription.status === 'canceled' ? 1_800_000_000 : null,
    items: {
      data: [{ price: 'price_prop', current_period_start: 1_800_000_000, current_period_end: 1_802_592_000 }],
    },
    metadata: { tillflow_recurring_payment_id: String(rows.recurringId), order_id: String(rows.orderId) },
  });
  const invoiceObject = (invoice: StripeState['invoices'][number]) => ({
    id: invoice.id,
    object: 'invoice',
    billing_reason: 'subscription_cycle',
    subscription: ids.subscription,
    amount_due: 900,
    amount_paid: invoice.status === 'paid' ? 900 : 0,
    currency: 'usd',
    status: invoice.status,
  });
  actions.forEach((a, at) => {
    switch (a.kind) {
      case 'decline':
        if (state.intent === 'succeeded') break;
        state.declines++;
        emit(at, 'payment_intent.payment_failed', intentObject());
        break;
      case 'pay':
        if (state.intent === 'succeeded') break;
        state.intent = 'succeeded';
        emit(at, 'payment_intent.succeeded', intentObject());
        break;
      case 'refund': {
        // Stripe refuses a refund of more than remains, and we make none while a dispute is open or lost.
        const remaining = AMOUNT - refunded();
        if (state.intent !== 'succeeded' || remaining <= 0 || (state.dispute && state.dispute.status !== 'won')) break;
        const amount = a.share >= 1 ? remaining : Math.max(1, Math.floor(remaining * a.share));
        const refund = { id: `re_prop_${run}_${state.refunds.length}`, amount, status: 'succeeded' as const };
        state.refunds.push(refund);
        emit(at, 'refund.created', refundObject(refund));
        emit(at, 'charge.refunded', {
          id: ids.charge,
          object: 'charge',
          payment_intent: ids.intent,
          amount: AMOUNT,
          amount_refunded: refunded(),
          currency: 'usd',
        });
        break;
      }
      case 'failRefund': {
        const succeeded = state.refunds.filter((r) => r.status === 'succeeded');
        if (succeeded.length === 0) break;
        const refund = succeeded[a.pick % succeeded.length];
        refund.status = 'failed';
        emit(at, 'refund.failed', refundObject(refund));
        emit(at, 'charge.refund.updated', refundObject(refund));
        break;
      }
      case 'dispute':
        if (state.intent !== 'succeeded' || state.dispute) break;
        state.dispute = { id: `dp_prop_${run}`, status: 'needs_response', amount: AMOUNT - refunded() };
        emit(at, 'charge.dispute.created', {
          id: state.dispute.id,
          object: 'dispute',
          status: 'needs_response',
          amount: state.dispute.amount,
          currency: 'usd',
          charge: ids.charge,
          payment_intent: ids.intent,
        });
        break;
      case 'closeDispute':
        if (state.dispute?.status !== 'needs_response') break;
        state.dispute.status = a.won ? 'won' : 'lost';
        emit(at, 'charge.dispute.closed', {
          id: state.dispute.id,
          object: 'dispute',
          status: state.dispute.status,
          amount: state.dispute.amount,
          currency: 'usd',
          charge: ids.charge,
          payment_intent: ids.intent,
        });
        break;
      case 'subscription': {
        const from = state.subscription.status;
        const allowed: Record<string, string[]> = {
          incomplete: ['active'],
          active: ['past_due', 'canceled'],
          past_due: ['active', 'canceled', 'unpaid'],
          unpaid: ['active', 'canceled'],
          canceled: [],
        };
        if (!allowed[from].includes(a.to)) break;
        const first = from === 'incomplete';
        state.subscription.status = a.to;
        if (first) emit(at, 'customer.subscription.created', subscriptionObject());
        emit(
          at,
          a.to === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated',
          subscriptionObject(),
        );
        break;
      }
      case 'renewal': {
        // A renewal invoice of a live subscription: declined (then retried by a later action) or collected.
        if (state.subscription.status === 'incomplete' || state.subscription.status === 'canceled') break;
        let invoice = state.invoices.find((i) => i.status === 'open');
        if (!invoice) {
          invoice = { id: `in_prop_${run}_${state.invoices.length}`, status: 'open' };
          state.invoices.push(invoice);
        }
        if (a.paid) invoice.status = 'paid';
        emit(at, a.paid ? 'invoice.paid' : 'invoice.payment_failed', invoiceObject(invoice));
        break;
      }
    }
    history.push(structuredClone(state));
  });
  return { state, history, events, objects: { refundObject, subscriptionObject } };
}

/** Stripe as a handler sees it at one moment: the model's objects as they were after `at` actions. */
function stripeAt(state: StripeState, run: number) {
  const ids = idsOf(run);
  return {
    refunds: {
      retrieve: async (id: string) => {
        const r = state.refunds.find((x) => x.id === id);
        if (!r) throw new Error(`No such refund: ${id}`);
        return {
          id,
          object: 'refund',
          amount: r.amount,
          currency: 'usd',
          status: r.status,
          charge: ids.charge,
          payment_intent: ids.intent,
        };
      },
    },
    disputes: {
      retrieve: async (id: string) => {
        if (!state.dispute || state.dispute.id !== id) throw new Error(`No such dispute: ${id}`);
        return {
          id,
          object: 'dispute',
          status: state.dispute.status,
          amount: state.dispute.amount,
          currency: 'usd',
          charge: ids.charge,
          payment_intent: ids.intent,
        };
      },
    },
    subscriptions: {
      retrieve: async (id: string) => ({
        id,
        object: 'subscription',
        customer: ids.customer,
        status: state.subscription.status,
        cancel_at_period_end: false,
        canceled_at: state.subscription.status === 'canceled' ? 1_800_000_000 : null,
        items: {
          data: [{ price: 'price_prop', current_period_start: 1_800_000_000, current_period_end: 1_802_592_000 }],
        },
        metadata: {},
      }),
    },
  } as unknown as Stripe;
}

// ---- the project's own system flows, run node by node after the callback ----

type Flows = Record<SystemFlowKind, FlowDefinition>;

const KIND_OF_EVENT = (type: string): SystemFlowKind | null =>
  type.startsWith('payment_intent.')
    ? 'StripePayment'
    : type.startsWith('refund.') || type.startsWith('charge.refund')
      ? 'StripeRefund'
      : type.startsWith('charge.dispute.')
        ? 'StripeDispute'
        : type.startsWith('customer.subscription.')
          ? 'StripeRecurringPaymentManagement'
          : type.startsWith('invoice.')
            ? 'StripeRecurringPaymentDeduction'
            : null;

/** The flow's condition and update-row nodes after its callback, as the engine would walk them. */
async function runDefaultNodes(
  tx: Executor,
  projectId: number,
  flow: FlowDefinition,
  event: StripeEventLike,
  output: unknown,
) {
  const scope = { trigger: event as unknown as Record<string, unknown>, nodes: { callback: output }, vars: {} };
  const byId = new Map(flow.graph.nodes.map((n) => [n.id, n]));
  const queue: FlowNode[] = [];
  const follow = (from: string, branch?: string) => {
    for (const e of flow.graph.edges)
      if (e.source === from && (branch === undefined ? !e.branch : e.branch === branch)) {
        const next = byId.get(e.target);
        if (next) queue.push(next);
      }
  };
  follow('callback');
  for (let node = queue.shift(); node; node = queue.shift()) {
    const config = node.config as Record<string, unknown>;
    if (node.type === 'condition') {
      follow(node.id, evaluateTemplate(asBinding(String(config.expression)), scope) ? 'true' : 'false');
      continue;
    }
    if (node.type === 'update_rows') {
      const filters = (config.filters as { column: string; op: string; value: unknown }[]).map((f) => ({
        ...f,
        value: evaluateTemplate(f.value, scope),
      }));
      const values = evaluateTemplate(config.values, scope) as Record<string, unknown>;
      await updateRows(tx, projectId, BACKEND, String(config.table), filters as never, values);
    }
    follow(node.id);
  }
}

// ---- the property ----

let handle: DbHandle;
let sandbox: Sandbox;
let projectId: number;
let flows: Flows;
let run = 0;

beforeAll(async () => {
  ({ handle, sandbox } = await startEnvironment());
  const { project } = await createPaymentsProject(handle, sandbox, { orderStatuses: ORDER_STATUSES });
  projectId = project.id;
  flows = Object.fromEntries(
    (await listFlows(handle.db, projectId)).filter((f) => f.kind === 'system').map((f) => [f.systemKind, f.draft]),
  ) as Flows;
}, 300_000);
afterAll(async () => {
  await sandbox?.close();
  await handle?.close();
});

/** The run's own order, payment (by card, pending) and subscription rows, as the actions would make them. */
async function freshRows(n: number) {
  const db = handle.db;
  const order = await insertRow(db, projectId, BACKEND, 'order', {
    title: `Run ${n}`,
    amount: AMOUNT,
    currency: 'usd',
  });
  const payment = await insertRow(db, projectId, BACKEND, 'payment', {
    order_id: order.id,
    amount: AMOUNT,
    currency: 'usd',
    status: 'PENDING',
    method: 'payment_intent',
    stripe_payment_intent_id: idsOf(n).intent,
  });
  const recurring = await insertRow(db, projectId, BACKEND, 'recurring_payment', {
    order_id: order.id,
    stripe_price_id: 'price_prop',
    status: 'INCOMPLETE',
    initial_amount: 900,
    currency: 'usd',
  });
  return { orderId: order.id, paymentId: payment.id, recurringId: recurring.id };
}

/** When each event is delivered: after a delay, some more than once (Stripe retries, two endpoints, replays). */
const deliveryPlan = fc.array(
  fc.record({ delay: fc.nat(6), copies: fc.integer({ min: 1, max: 2 }), tie: fc.nat(1000) }),
  {
    minLength: 40,
    maxLength: 40,
  },
);

describe('every row ends where Stripe’s objects do, whatever the order of deliveries', () => {
  it(`holds for ${RUNS} random lives of an order (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), deliveryPlan, async (actions, plan) => {
        const n = ++run;
        const rows = await freshRows(n);
        const { state, history, events } = simulate(n, actions, rows);
        // Deliveries: each event at its action's moment plus a delay, duplicated, ties broken at random.
        const deliveries = events
          .flatMap((e, i) => {
            const p = plan[i % plan.length];
            return Array.from({ length: p.copies }, (_, c) => ({
              ...e,
              when: e.at + ((p.delay + c * 2) % 7),
              tie: p.tie + c,
            }));
          })
          .sort((a, b) => a.when - b.when || a.tie - b.tie);
        // A renewal is billed a period after its subscription started: its invoice's events come after the first
        // subscription event has been handled (which binds the subscription to our row).
        const bound = deliveries.findIndex((d) => d.event.type.startsWith('customer.subscription.'));
        const early = deliveries.filter((d, i) => d.event.type.startsWith('invoice.') && i < bound);
        const ordered = deliveries.filter((d) => !early.includes(d));
        ordered.splice(ordered.indexOf(deliveries[bound]) + 1, 0, ...early);
        for (const d of ordered) {
          // What Stripe holds when the delivery is handled (it may be later than the event).
          const now = history[Math.min(d.when, history.length - 1)];
          const stripe = stripeAt(now, n);
          const kind = KIND_OF_EVENT(d.event.type);
          if (!kind) continue;
          const flow = flows[kind];
          const callback = flow.graph.nodes.find((x) => x.id === 'callback');
          await handle.db.transaction(async (tx) => {
            const output =
              kind === 'StripePayment'
                ? await handlePaymentEvent(tx, projectId, d.event)
                : kind === 'StripeRefund'
                  ? await handleRefundEvent(tx, projectId, d.event, stripe)
                  : kind === 'StripeDispute'
                    ? await handleDisputeEvent(tx, projectId, d.event, stripe)
                    : kind === 'StripeRecurringPaymentManagement'
                      ? await handleSubscriptionEvent(tx, projectId, d.event, stripe)
                      : await handleRenewalEvent(
                          tx,
                          projectId,
                          d.event,
                          String(callback?.config.orderTable),
                          callback?.config as never,
                        );
            if (!(output as { ignored?: boolean }).ignored) await runDefaultNodes(tx, projectId, flow, d.event, output);
          });
        }

        // ---- the projection of Stripe's final state ----
        const db = handle.db;
        const refundedTotal = state.refunds.filter((r) => r.status === 'succeeded').reduce((s, r) => s + r.amount, 0);
        const payment = await getRow(db, projectId, BACKEND, 'payment', rows.paymentId);
        const paid = state.intent === 'succeeded';
        const expectedPayment = paid
          ? paymentStatusAfterRefunds(AMOUNT, refundedTotal)
          : state.declines > 0
            ? 'FAILED'
            : 'PENDING';
        expect(payment?.status, 'payment status').toBe(expectedPayment);
        if (paid) expect(Number(payment?.amount_refunded), 'amount refunded').toBe(refundedTotal);
        const { rows: refunds } = await queryRows(db, projectId, BACKEND, 'refund', {
          filters: [{ column: 'payment_id', op: 'eq', value: rows.paymentId }],
          sort: [{ column: 'stripe_refund_id', direction: 'asc' }],
        });
        expect(
          refunds.map((r) => [r.stripe_refund_id, r.amount, r.status]),
          'refund rows',
        ).toEqual(
          [...state.refunds]
            .sort((a, b) => a.id.localeCompare(b.id))
            .map((r) => [r.id, r.amount, r.status === 'succeeded' ? 'REFUNDED' : 'FAILED']),
        );
        const dispute = state.dispute;
        expect(payment?.dispute_status ?? null, 'dispute').toBe(
          dispute ? { needs_response: 'DISPUTED', won: 'WON', lost: 'LOST' }[dispute.status] : null,
        );
        if (dispute?.status === 'lost') expect(Number(payment?.amount_lost), 'amount lost').toBeGreaterThan(0);
        else expect(Number(payment?.amount_lost ?? 0), 'amount lost').toBe(0);

        // The order: paid, then refunded in part or in full (a refund that failed gives it back), or failed when
        // every attempt was declined; disputed while a dispute is open, dispute_lost once lost, and where its
        // payment puts it once won (orderStatusOf).
        const order = await getRow(db, projectId, BACKEND, 'order', rows.orderId);
        const base = paid
          ? refundedTotal >= AMOUNT
            ? 'refunded'
            : refundedTotal > 0
              ? 'partially_refunded'
              : 'paid'
          : state.declines > 0
            ? 'failed'
            : 'pending';
        expect(order?.status, 'order status').toBe(orderStatusOf(base, dispute?.status));

        const recurring = await getRow(db, projectId, BACKEND, 'recurring_payment', rows.recurringId);
        expect(recurring?.status, 'subscription').toBe(state.subscription.status.toUpperCase());

        const { rows: renewals } = await queryRows(db, projectId, BACKEND, 'payment', {
          filters: [
            { column: 'method', op: 'eq', value: 'renewal' },
            { column: 'stripe_invoice_id', op: 'in', value: state.invoices.map((i) => i.id) },
          ],
        });
        const renewalOrders = new Map<string, unknown>();
        for (const r of renewals)
          renewalOrders.set(
            String(r.stripe_invoice_id),
            (await getRow(db, projectId, BACKEND, 'order', Number(r.order_id)))?.status,
          );
        expect(
          renewals.map((r) => [r.stripe_invoice_id, r.status, renewalOrders.get(String(r.stripe_invoice_id))]).sort(),
          'renewals',
        ).toEqual(
          state.invoices
            .map((i) => [i.id, i.status === 'paid' ? 'SUCCESSFUL' : 'FAILED', i.status === 'paid' ? 'paid' : 'pending'])
            .sort(),
        );
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 900_000);
});
