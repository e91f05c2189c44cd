import { describe, expect, it } from 'vitest';
import {
  buildSystemFlow,
  customFlowTemplates,
  diffFlows,
  evaluateTemplate,
  flowDefinitionSchema,
  knownStripeEventTypes,
  listBindableOutputs,
  nextNodes,
  sampleStripeEvent,
  stripeEventType,
  summarizeDiff,
  systemFlowKinds,
  t,
  validateFlow,
} from '../src/index';

const tables = [{ name: 'shop_orders', columns: [{ name: 'status', type: 'text' }] }];

describe('system flow templates', () => {
  it.each(systemFlowKinds)('%s validates clean and has the locked spine', (kind) => {
    const flow = buildSystemFlow(kind, { orderTable: 'shop_orders' });
    expect(flowDefinitionSchema.parse(flow)).toEqual(flow);
    expect(validateFlow(flow, { tables })).toEqual([]);
    expect(validateFlow(flow, { tables, previous: flow })).toEqual([]);
    expect(flow.graph.nodes.filter((n) => n.locked).map((n) => n.id)).toEqual(['trigger', 'callback', 'branch']);
    const update = flow.graph.nodes.find((n) => n.id === 'update_order');
    expect(update).toMatchObject({
      type: 'update_rows',
      config: {
        table: 'shop_orders',
        filters: expect.arrayContaining([{ column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' }]),
      },
    });
    expect(update?.locked).toBeUndefined();
    if (kind === 'StripeRefund') {
      // A partial refund takes the other branch: only a full one marks the order refunded.
      expect(nextNodes(flow, 'branch', 'true')).toEqual(['fully_refunded']);
      expect(nextNodes(flow, 'fully_refunded', 'true')).toEqual(['update_order']);
      expect(nextNodes(flow, 'fully_refunded', 'false')).toEqual(['update_order_partial']);
    } else expect(nextNodes(flow, 'branch', 'true')).toEqual(['update_order']);
  });

  const filtersOf = (flow: ReturnType<typeof buildSystemFlow>, id: string) =>
    (flow.graph.nodes.find((n) => n.id === id)?.config as { filters?: unknown[] } | undefined)?.filters;

  it('never puts an order back behind a later status: paid leaves disputed and refunded orders alone', () => {
    // Two flows about one order run at once (a dispute opened as the card is charged): whichever runs last,
    // "mark order paid" matches no order already disputed or refunded.
    const flow = buildSystemFlow('StripePayment', { orderTable: 'o' });
    expect(filtersOf(flow, 'update_order')).toEqual([
      { column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' },
      { column: 'status', op: 'neq', value: 'disputed' },
      { column: 'status', op: 'neq', value: 'dispute_lost' },
      { column: 'status', op: 'neq', value: 'refunded' },
      { column: 'status', op: 'neq', value: 'partially_refunded' },
    ]);
    // A refund that failed after it was accepted makes a refunded order paid again, but never a disputed one.
    const refund = buildSystemFlow('StripeRefund', { orderTable: 'o' });
    expect(filtersOf(refund, 'update_order_paid')).toEqual([
      { column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' },
      { column: 'status', op: 'neq', value: 'disputed' },
      { column: 'status', op: 'neq', value: 'dispute_lost' },
    ]);
    // Filters name only statuses the column can hold.
    const narrow = buildSystemFlow('StripePayment', {
      orderTable: 'o',
      orderStatusColumn: { type: 'enum', enumOptions: ['pending', 'paid'] },
    });
    expect(filtersOf(narrow, 'update_order')).toHaveLength(1);
  });

  it('a dispute marks the order disputed while open, dispute_lost when lost, and back as its payment says when won', () => {
    const flow = buildSystemFlow('StripeDispute', { orderTable: 'o' });
    const node = (id: string) => {
      const found = flow.graph.nodes.find((n) => n.id === id);
      if (!found) throw new Error(`no node ${id}`);
      return found;
    };
    const cond = (id: string, callback: Record<string, unknown>) =>
      evaluateTemplate(String((node(id).config as { expression: string }).expression), {
        trigger: {},
        vars: {},
        nodes: { callback },
      });
    expect(nextNodes(flow, 'branch', 'true')).toEqual(['update_order']);
    expect((node('update_order').config as { values: object }).values).toEqual({ status: 'disputed' });
    expect(filtersOf(flow, 'update_order')).toContainEqual({ column: 'status', op: 'neq', value: 'dispute_lost' });
    expect(nextNodes(flow, 'update_order', 'next')).toEqual(['email_admin']);
    // Lost: the money went back to the buyer; nothing later moves the order out of it.
    expect(nextNodes(flow, 'branch', 'false')).toEqual(['dispute_lost']);
    expect(cond('dispute_lost', { disputeStatus: 'LOST', alreadyProcessed: false })).toBe(true);
    expect(cond('dispute_lost', { disputeStatus: 'LOST', alreadyProcessed: true })).toBe(false);
    expect(nextNodes(flow, 'dispute_lost', 'true')).toEqual(['update_order_lost']);
    expect((node('update_order_lost').config as { values: object }).values).toEqual({ status: 'dispute_lost' });
    // Won: only an order the dispute marked disputed is put back, to what its payment alone says.
    expect(nextNodes(flow, 'dispute_lost', 'false')).toEqual(['dispute_won']);
    expect(cond('dispute_won', { disputeStatus: 'WON', alreadyProcessed: false })).toBe(true);
    expect(cond('dispute_won', { disputeStatus: 'DISPUTED', alreadyProcessed: false })).toBe(false);
    expect(nextNodes(flow, 'dispute_won', 'true')).toEqual(['update_order_won']);
    expect(node('update_order_won').config).toMatchObject({
      filters: [
        { column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' },
        { column: 'status', op: 'eq', value: 'disputed' },
      ],
      values: { status: '{{ nodes.callback.orderStatusByPayment }}' },
    });
    // An order status without the dispute words gets none of these nodes (the admin email stays).
    const plain = buildSystemFlow('StripeDispute', {
      orderTable: 'o',
      orderStatusColumn: { type: 'enum', enumOptions: ['pending', 'paid', 'failed', 'refunded', 'partially_refunded'] },
    });
    expect(plain.graph.nodes.map((n) => n.id).sort()).toEqual(['branch', 'callback', 'email_admin', 'trigger']);
  });

  it('a failed payment marks the order failed; an expired checkout or canceled intent makes it unpaid again', () => {
    const flow = buildSystemFlow('StripePayment', { orderTable: 'o' });
    expect(nextNodes(flow, 'branch', 'false').sort()).toEqual(['payment_abandoned', 'payment_failed']);
    expect(nextNodes(flow, 'payment_failed', 'true')).toEqual(['update_order_failed']);
    expect(nextNodes(flow, 'payment_abandoned', 'true')).toEqual(['update_order_unpaid']);
    const values = (id: string) => (flow.graph.nodes.find((n) => n.id === id)?.config as { values?: object })?.values;
    expect(values('update_order_failed')).toEqual({ status: 'failed' });
    expect(values('update_order_unpaid')).toEqual({ status: 'pending' });
    const cond = (id: string) =>
      String((flow.graph.nodes.find((n) => n.id === id)?.config as { expression?: string } | undefined)?.expression);
    expect(
      evaluateTemplate(cond('payment_failed'), {
        trigger: {},
        vars: {},
        nodes: { callback: { paymentStatus: 'FAILED' } },
      }),
    ).toBe(true);
    expect(
      evaluateTemplate(cond('payment_abandoned'), {
        trigger: {},
        vars: {},
        nodes: { callback: { paymentStatus: 'CANCELED' } },
      }),
    ).toBe(true);
    expect(
      evaluateTemplate(cond('payment_abandoned'), {
        trigger: {},
        vars: {},
        nodes: { callback: { paymentStatus: 'CANCELED', alreadyProcessed: true } },
      }),
    ).toBe(false);
  });

  it('marks a partially refunded order only when its status can say so', () => {
    const ids = (enumOptions: string[]) =>
      buildSystemFlow('StripeRefund', {
        orderTable: 'o',
        orderStatusColumn: { type: 'enum', enumOptions },
      }).graph.nodes.map((n) => n.id);
    expect(ids(['paid', 'refunded', 'partially_refunded'])).toContain('update_order_partial');
    expect(ids(['paid', 'refunded'])).not.toContain('update_order_partial');
    expect(ids(['paid', 'refunded'])).toContain('update_order');
  });

  it('adds the update-order node only when the order status can take the value', () => {
    const ids = (column: { type: string; enumOptions?: string[] } | null) =>
      buildSystemFlow('StripePayment', { orderTable: 'o', orderStatusColumn: column }).graph.nodes.map((n) => n.id);
    expect(ids({ type: 'enum', enumOptions: ['pending', 'paid'] })).toContain('update_order');
    expect(ids({ type: 'text' })).toContain('update_order');
    expect(ids({ type: 'enum', enumOptions: ['open', 'closed'] })).not.toContain('update_order');
    expect(ids(null)).toEqual(['trigger', 'callback', 'branch', 'has_receipt_address', 'send_receipt']);
  });

  it('emails a receipt after each successful first payment or renewal, when the buyer has an address', () => {
    const flow = buildSystemFlow('StripePayment', { orderTable: 'o' });
    expect(nextNodes(flow, 'update_order', 'next')).toEqual(['has_receipt_address']);
    expect(nextNodes(flow, 'has_receipt_address', 'true')).toEqual(['send_receipt']);
    expect(flow.graph.nodes.find((n) => n.id === 'send_receipt')).toMatchObject({
      type: 'send_email',
      config: {
        to: '{{ nodes.callback.customerEmail }}',
        subject: expect.stringContaining('{{ nodes.callback.orderId }}'),
      },
    });
    const withoutStatus = buildSystemFlow('StripePayment', { orderTable: 'o', orderStatusColumn: null });
    expect(nextNodes(withoutStatus, 'branch', 'true')).toEqual(['has_receipt_address']);
    expect(validateFlow(withoutStatus, { tables })).toEqual([]);
    const renewal = buildSystemFlow('StripeRecurringPaymentDeduction', { orderTable: 'o' });
    expect(nextNodes(renewal, 'has_receipt_address', 'true')).toEqual(['send_receipt']);
    for (const kind of ['StripeRefund', 'StripeRecurringPaymentManagement'] as const)
      expect(buildSystemFlow(kind, { orderTable: 'o' }).graph.nodes.map((n) => n.id)).not.toContain('send_receipt');
  });

  it('subscribes each system flow to its events', () => {
    expect(buildSystemFlow('StripeRefund', { orderTable: 'o' }).trigger).toEqual({
      kind: 'stripe_webhook',
      events: ['refund.created', 'refund.updated', 'refund.failed', 'charge.refunded', 'charge.refund.updated'],
    });
    expect(buildSystemFlow('StripeDispute', { orderTable: 'o' }).trigger).toEqual({
      kind: 'stripe_webhook',
      events: ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed'],
    });
    expect(buildSystemFlow('StripeRecurringPaymentDeduction', { orderTable: 'o' }).trigger).toEqual({
      kind: 'stripe_webhook',
      events: ['invoice.paid', 'invoice.payment_failed'],
    });
  });

  it.each(customFlowTemplates.map((x) => [x.id, x] as const))('custom template %s validates clean', (_id, template) => {
    expect(validateFlow(template.build())).toEqual([]);
  });

  it('the charge.failed template renders a real email from the sample event', () => {
    const flow = customFlowTemplates.find((x) => x.id === 'charge_failed_email')?.build();
    const config = flow?.graph.nodes.find((n) => n.type === 'send_email')?.config;
    const out = evaluateTemplate(config, {
      trigger: sampleStripeEvent('charge.failed'),
      nodes: {},
      vars: {},
    }) as Record<string, string>;
    expect(out.to).toBe('jane@example.com');
    expect(out.text).toContain('49.99 USD failed (Your card was declined.)');
  });
});

describe('stripe events', () => {
  it('types every known event and samples it consistently', () => {
    for (const type of knownStripeEventTypes) {
      const sample = sampleStripeEvent(type);
      expect(sample.type).toBe(type);
      const shape = stripeEventType(type);
      expect(shape.kind).toBe('object');
      const object = (sample.data as { object: Record<string, unknown> }).object;
      const fields = shape.kind === 'object' && shape.fields.data.kind === 'object' && shape.fields.data.fields.object;
      expect(fields && fields.kind === 'object' && Object.keys(fields.fields).sort()).toEqual(
        Object.keys(object).sort(),
      );
    }
    expect(sampleStripeEvent('charge.failed').data).toMatchObject({
      object: { status: 'failed', failure_code: 'card_declined' },
    });
    expect(sampleStripeEvent('customer.subscription.deleted').data).toMatchObject({ object: { status: 'canceled' } });
    expect(stripeEventType('account.updated')).toMatchObject({
      fields: { data: { fields: { object: { open: true } } } },
    });
  });
});

describe('diffFlows', () => {
  it('summarises added, removed and changed nodes and edges, ignoring moves', () => {
    const a = buildSystemFlow('StripePayment', { orderTable: 'orders' });
    const b = structuredClone(a);
    b.graph.nodes[0].position = { x: 5, y: 5 };
    expect(summarizeDiff(diffFlows(a, b))).toBe('No changes');
    b.graph.nodes[3].config.values = { status: 'done' };
    b.graph.nodes.push({
      id: 'mail',
      type: 'send_email',
      config: { to: 'a@b.c', subject: 's', text: 't' },
      position: { x: 0, y: 0 },
    });
    b.graph.edges.push({ id: 'm', source: 'branch', target: 'mail', branch: 'false' });
    b.graph.edges = b.graph.edges.filter((e) => e.target !== 'update_order');
    const diff = diffFlows(a, b);
    expect(diff.addedNodes.map((n) => n.id)).toEqual(['mail']);
    expect(diff.removedNodes).toEqual([]);
    expect(diff.changedNodes).toMatchObject([{ after: { id: 'update_order' }, fields: ['config'] }]);
    expect(diff.addedEdges.map((e) => e.id)).toEqual(['m']);
    expect(diff.removedEdges.map((e) => e.target)).toEqual(['update_order']);
    expect(summarizeDiff(diff)).toBe('1 step added, 1 step changed, 1 connection added, 1 connection removed');
    expect(diffFlows(b, a).removedNodes.map((n) => n.id)).toEqual(['mail']);
  });
});

describe('listBindableOutputs', () => {
  it('offers trigger fields, upstream outputs and variables only', () => {
    const flow = buildSystemFlow('StripePayment', { orderTable: 'orders' });
    const paths = listBindableOutputs(flow, 'update_order');
    const byPath = new Map(paths.map((p) => [p.path, p.type]));
    expect(byPath.get('nodes.callback.orderId')).toEqual(t.number);
    expect(byPath.get('nodes.callback.paymentStatus')).toEqual(
      t.enum('SUCCESSFUL', 'FAILED', 'PENDING', 'CANCELED', 'AMOUNT_MISMATCH'),
    );
    expect(byPath.get('nodes.callback.amountMatches')).toEqual(t.boolean);
    expect(byPath.get('trigger.data.object.metadata')).toMatchObject({ kind: 'object', open: true });
    expect(byPath.has('trigger.data.object.currency')).toBe(true);
    expect(byPath.has('nodes.trigger')).toBe(false);
    expect(byPath.has('nodes.update_order')).toBe(false);
    expect(listBindableOutputs(flow, 'callback').some((p) => p.path.startsWith('nodes.'))).toBe(false);

    const withVars = structuredClone(flow);
    withVars.graph.nodes.push({
      id: 'setv',
      type: 'set_variables',
      config: { variables: { cents: '{{ nodes.callback.paymentId * 100 }}', note: 'hi' } },
      position: { x: 0, y: 0 },
    });
    withVars.graph.edges.push(
      { id: 'v', source: 'update_order', target: 'setv' },
      { id: 'v2', source: 'setv', target: 'end' },
    );
    withVars.graph.nodes.push({ id: 'end', type: 'stop', config: { outcome: 'success' }, position: { x: 0, y: 0 } });
    const atEnd = new Map(listBindableOutputs(withVars, 'end').map((p) => [p.path, p.type]));
    expect(atEnd.get('vars.cents')).toEqual(t.number);
    expect(atEnd.get('vars.note')).toEqual(t.string);
    expect(atEnd.get('nodes.update_order.count')).toEqual(t.number);
  });
});

describe('system flows in words', () => {
  it('read as titles, keep builders’ names, and translate older stored labels', async () => {
    const { flowTitle, flowTitlesInText, stepLabelWords, systemFlowKinds, buildSystemFlow } = await import('../src');
    expect(systemFlowKinds.map((k) => flowTitle(k))).toEqual([
      'Payment updates',
      'Refund updates',
      'Subscription updates',
      'Renewal payments',
      'Dispute updates',
    ]);
    expect(flowTitle('Thank-you note')).toBe('Thank-you note');
    expect(flowTitle('', 'StripeRefund')).toBe('Refund updates');
    expect(flowTitlesInText('Published StripePayment (version 2)')).toBe('Published Payment updates (version 2)');
    expect(stepLabelWords('Stripe webhook', 'StripePayment')).toBe('When Stripe tells us about a payment');
    expect(stepLabelWords('Payment callback')).toBe('Payment details');
    const flow = buildSystemFlow('StripePayment', { orderTable: 'orders' });
    expect(flow.graph.nodes.slice(0, 2).map((n) => n.label)).toEqual([
      'When Stripe tells us about a payment',
      'Payment details',
    ]);
  });
});
