import { getRow, insertRow, queryRows, renameTable, updateColumn } from '@tillflow/data-model';
import { executeRows } from '@tillflow/db';
import type { FlowDefinition } from '@tillflow/flow-model';
import { getFlow, listFlows, publishFlow, resolveStoredBindings, saveFlowDraft } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { advanceDays, BACKEND, eventually, flowEnvironment, idle, subscribeOnClock } from './flow-env';
import { paymentServices } from './harness';

const env = flowEnvironment();

const failedRuns = async (projectId: number) =>
  (
    await executeRows<{ n: number }>(
      env.handle.db,
      sql`select count(*)::int as n from flow_run where project_id = ${projectId} and status = 'failed'`,
    )
  )[0].n;

describe('flows bind the order table and its columns by id', () => {
  it('renaming the order table and its status column keeps every system flow working: pay, then renew', async () => {
    const ctx = await env.project();
    const { project: proj, alice, bob, asUser, stripe } = ctx;
    const db = env.handle.db;
    const systemFlow = async (kind: string) => {
      const found = (await listFlows(db, proj.id)).find((f) => f.systemKind === kind);
      if (!found) throw new Error(`no ${kind}`);
      return found;
    };

    // The builder edits the locked renewal node's mapping (without unlocking it): which columns a renewal
    // order copies, and the values it starts with.
    const deduction = await systemFlow('StripeRecurringPaymentDeduction');
    const draft = structuredClone(deduction.draft) as FlowDefinition;
    const callback = draft.graph.nodes.find((n) => n.id === 'callback');
    if (!callback) throw new Error('no callback');
    callback.config = {
      ...callback.config,
      copyColumns: ['amount', 'currency', 'customer'],
      orderFieldMapping: { status: 'pending', title: 'Renewal' },
    };
    await saveFlowDraft(db, deduction.id, draft, deduction.draftRevision);
    await publishFlow(db, deduction.id);

    // And adds two nodes of their own after "mark the order paid" on StripePayment, reading the order's
    // columns inside `{{ }}` expressions: find the order, then write its status into its title.
    const paymentFlow = await systemFlow('StripePayment');
    const paymentDraft = structuredClone(paymentFlow.draft) as FlowDefinition;
    const at = { x: 0, y: 0 };
    paymentDraft.graph.nodes.push(
      {
        id: 'find_order',
        type: 'query_rows',
        config: { table: 'order', filters: [{ column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' }] },
        position: at,
      },
      {
        id: 'note_status',
        type: 'update_rows',
        config: {
          table: 'order',
          filters: [{ column: 'id', op: 'eq', value: '{{ nodes.find_order.first.id }}' }],
          values: { title: "{{ nodes.find_order.first.title }} ({{ nodes.find_order.rows[0]['status'] }})" },
        },
        position: at,
      },
    );
    paymentDraft.graph.edges = [
      ...paymentDraft.graph.edges.map((e) => (e.source === 'update_order' ? { ...e, source: 'note_status' } : e)),
      { id: 'mine_1', source: 'update_order', target: 'find_order' },
      { id: 'mine_2', source: 'find_order', target: 'note_status' },
    ];
    await saveFlowDraft(db, paymentFlow.id, paymentDraft, paymentFlow.draftRevision);
    await publishFlow(db, paymentFlow.id);

    // Then renames the order table and the status column every system flow writes.
    await renameTable(db, proj.id, 'order', 'shop_order');
    await updateColumn(db, proj.id, 'shop_order', 'status', { name: 'state' });

    // The canvas reads the new names, and a system flow still publishes clean.
    const payment = await systemFlow('StripePayment');
    const shown = await resolveStoredBindings(db, proj.id, payment.draft as FlowDefinition);
    const markPaid = shown.graph.nodes.find((n) => n.id === 'update_order');
    expect(markPaid?.config).toMatchObject({ table: 'shop_order', values: { state: 'paid' } });
    expect(shown.graph.nodes.find((n) => n.id === 'callback')?.config).toMatchObject({ orderTable: 'shop_order' });
    // The builder's expressions read under the new column name too.
    expect(shown.graph.nodes.find((n) => n.id === 'note_status')?.config).toMatchObject({
      table: 'shop_order',
      values: { title: '{{ nodes.find_order.first.title }} ({{ nodes.find_order.rows[0]["state"] }})' },
    });
    await publishFlow(db, payment.id);
    const renewalNode = (
      await resolveStoredBindings(db, proj.id, (await getFlow(db, deduction.id))?.draft as FlowDefinition)
    ).graph.nodes.find((n) => n.id === 'callback');
    expect(renewalNode?.config).toMatchObject({ orderFieldMapping: { state: 'pending', title: 'Renewal' } });

    // Pay (Bob): through the sandbox, the webhook route and the StripePayment flow.
    const order = await insertRow(
      db,
      proj.id,
      asUser(bob),
      'shop_order',
      { title: 'Lamp' },
      { serverValues: { amount: 1500 } },
    );
    const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(bob), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const row = await getRow(db, proj.id, BACKEND, 'payment', created.paymentId);
    await stripe.paymentIntents.confirm(String(row?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    await eventually(async () => (await getRow(db, proj.id, BACKEND, 'shop_order', order.id))?.state === 'paid');
    // The builder's expression read the renamed column: the title says the status the order had.
    await eventually(async () => (await getRow(db, proj.id, BACKEND, 'shop_order', order.id))?.title === 'Lamp (paid)');

    // Renew (Alice): a subscription on a test clock, a month later the renewal flow makes the renewal order.
    const { started, clock } = await subscribeOnClock(env, ctx, { name: 'Coffee club', amount: 900 }, 'shop_order');
    await eventually(async () => {
      const r = await getRow(db, proj.id, BACKEND, 'recurring_payment', started.recurringPaymentId);
      return r?.status === 'ACTIVE' && r.stripe_subscription_id;
    });
    await advanceDays(stripe, clock, 32);
    const [renewal] = await eventually(async () => {
      const { rows } = await queryRows(db, proj.id, BACKEND, 'payment', {
        filters: [{ column: 'method', op: 'eq', value: 'renewal' }],
      });
      return rows.length === 1 && rows[0].status === 'SUCCESSFUL' ? rows : null;
    });
    const renewalOrder = await eventually(async () => {
      const r = await getRow(db, proj.id, BACKEND, 'shop_order', Number(renewal.order_id));
      return r?.state === 'paid' ? r : null;
    });
    // Made by the edited mapping: amount copied, title set (not copied), started pending and then paid.
    expect(renewalOrder).toMatchObject({ title: 'Renewal', amount: 900, customer: alice.id });
    await env.sandbox.waitForDeliveries();
    await idle(env, proj.id);
    expect(await failedRuns(proj.id)).toBe(0);
  });
});
