import { describe, expect, it } from 'vitest';
import { getNodeType, listNodeTypes, nodeCatalog, nodeOutputs, nodeTypeIds, stripeTriggerType, t } from '../src/index';

const ctx = { trigger: stripeTriggerType(['charge.failed']) };

const minimalConfigs: Record<string, Record<string, unknown>> = {
  trigger: {},
  stripe_payment_callback: { orderTable: 'orders' },
  stripe_refund_callback: {},
  stripe_recurring_management_callback: {},
  stripe_recurring_deduction_callback: {},
  stripe_dispute_callback: {},
  condition: { expression: '{{ 1 < 2 }}' },
  switch: { value: '{{ trigger.type }}', cases: ['a', 'b'] },
  query_rows: { table: 'orders' },
  insert_row: { table: 'orders', values: { status: 'new' } },
  update_rows: { table: 'orders', filters: [{ column: 'id', op: 'eq', value: 1 }], values: { status: 'paid' } },
  delete_rows: { table: 'orders', filters: [{ column: 'id', op: 'eq', value: 1 }] },
  set_variables: { variables: { total: 5 } },
  send_email: { to: 'a@example.com', subject: 'Hi', text: 'Hello' },
  http_request: { url: 'https://example.com' },
  stripe_api_call: { operation: 'customers.retrieve', params: { id: 'cus_1' } },
  code: { code: 'return 1' },
  stop: { outcome: 'fail', message: 'no order' },
  app_return: { values: { total: '{{ trigger.inputs.quantity }}' } },
};

describe('node catalog', () => {
  it('registers every NodeTypeId exactly once', () => {
    expect(Object.keys(nodeCatalog).sort()).toEqual([...nodeTypeIds].sort());
    expect(listNodeTypes().map((d) => d.type)).toEqual([...nodeTypeIds]);
    expect(getNodeType('nope')).toBeUndefined();
    expect(getNodeType('toString')).toBeUndefined();
  });

  it.each([...nodeTypeIds])('%s declares schema, outputs, shape and summary', (id) => {
    const def = getNodeType(id);
    expect(def).toBeDefined();
    if (!def) return;
    expect(def.label.length).toBeGreaterThan(0);
    expect(def.icon.length).toBeGreaterThan(0);
    expect(def.description.length).toBeGreaterThan(10);
    const parsed = def.configSchema.safeParse(minimalConfigs[id]);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    const config = parsed.data as Record<string, unknown>;
    expect(Array.isArray(nodeOutputs(id, config))).toBe(true);
    expect(def.outputShape(config, ctx).kind).toBeTruthy();
    expect(def.summary(config).length).toBeGreaterThan(0);
  });

  it('marks the system callbacks as locked and gives them the documented outputs', () => {
    for (const id of [
      'stripe_payment_callback',
      'stripe_refund_callback',
      'stripe_recurring_management_callback',
      'stripe_recurring_deduction_callback',
    ])
      expect(getNodeType(id)?.locked).toBe(true);
    expect(getNodeType('stripe_payment_callback')?.outputShape({}, ctx)).toEqual(
      t.object({
        orderId: t.number,
        paymentStatus: t.enum('SUCCESSFUL', 'FAILED', 'PENDING', 'CANCELED', 'AMOUNT_MISMATCH'),
        amountMatches: t.boolean,
        alreadyProcessed: t.boolean,
        recovered: t.boolean,
        paymentId: t.number,
        amount: t.number,
        currency: t.string,
        amountDisplay: t.string,
        customerEmail: t.string,
        shopName: t.string,
        itemName: t.string,
        fromAddress: t.string,
        receiptHtml: t.string,
        receiptText: t.string,
      }),
    );
    const deduction = getNodeType('stripe_recurring_deduction_callback')?.outputShape({}, ctx);
    expect(deduction?.kind === 'object' && Object.keys(deduction.fields).sort()).toEqual([
      'alreadyProcessed',
      'amount',
      'amountDisplay',
      'currency',
      'customerEmail',
      'fromAddress',
      'itemName',
      'needsReview',
      'orderId',
      'originalOrderId',
      'paymentId',
      'paymentStatus',
      'receiptHtml',
      'receiptText',
      'recovered',
      'shopName',
    ]);
  });

  it('derives ports: condition true/false, switch cases + default, stop none', () => {
    expect(nodeOutputs('condition', {})).toEqual(['true', 'false']);
    expect(nodeOutputs('switch', { cases: ['invoice.paid', 'invoice.payment_failed'] })).toEqual([
      'invoice.paid',
      'invoice.payment_failed',
      'default',
    ]);
    expect(nodeOutputs('stop', {})).toEqual([]);
    expect(nodeOutputs('query_rows', {})).toEqual(['next']);
  });

  it('refuses code limits above 5 s and 64 MB with a message saying the maximum', () => {
    const code = getNodeType('code')?.configSchema;
    const slow = code?.safeParse({ code: 'return 1', timeoutMs: 30_000 });
    expect(slow?.success).toBe(false);
    expect(slow?.error?.issues[0]?.message).toBe('Code may run for at most 5000 ms (5 s).');
    const big = code?.safeParse({ code: 'return 1', memoryMb: 256 });
    expect(big?.error?.issues[0]?.message).toBe('Code may use at most 64 MB of memory.');
    expect(code?.safeParse({ code: 'return 1', timeoutMs: 5000, memoryMb: 64 }).success).toBe(true);
  });

  it('applies config defaults (code limits, query limit) and rejects bad config', () => {
    expect(getNodeType('code')?.configSchema.parse({ code: 'return 1' })).toMatchObject({
      timeoutMs: 1000,
      memoryMb: 32,
    });
    expect(getNodeType('query_rows')?.configSchema.parse({ table: 'orders' })).toMatchObject({
      limit: 100,
      filters: [],
      sort: [],
    });
    expect(getNodeType('stripe_api_call')?.configSchema.safeParse({ operation: 'customers.delete' }).success).toBe(
      false,
    );
    expect(getNodeType('switch')?.configSchema.safeParse({ value: 'x', cases: ['a', 'a'] }).success).toBe(false);
    expect(getNodeType('http_request')?.configSchema.safeParse({ url: 'ftp://x' }).success).toBe(false);
    expect(getNodeType('send_email')?.configSchema.safeParse({ to: 'a@b.c', subject: 's' }).success).toBe(false);
  });

  it('types data node rows from table info', () => {
    const tables = [
      {
        name: 'orders',
        columns: [
          { name: 'amount', type: 'integer' },
          { name: 'state', type: 'enum', enumOptions: ['new', 'paid'] },
        ],
      },
    ];
    const shape = getNodeType('query_rows')?.outputShape(
      { table: 'orders', filters: [], sort: [], limit: 10 },
      { ...ctx, tables },
    );
    expect(shape).toMatchObject({
      kind: 'object',
      fields: { first: { kind: 'object', fields: { id: t.number, amount: t.number, state: t.enum('new', 'paid') } } },
    });
  });
});
