import { describe, expect, it } from 'vitest';
import { defaultPages, type PageContext, validatePage } from '../src';

const context: PageContext = {
  tables: [
    {
      name: 'product',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'price', type: 'decimal' },
      ],
    },
    {
      name: 'order',
      ownerColumn: 'buyer',
      columns: [
        { name: 'item', type: 'text' },
        { name: 'buyer', type: 'relation' },
        { name: 'amount', type: 'integer', systemManaged: true },
        { name: 'status', type: 'enum', enumOptions: ['pending', 'paid', 'failed'], systemManaged: true },
      ],
    },
    {
      name: 'payment',
      ownerColumn: 'payer',
      columns: [
        { name: 'order_id', type: 'relation' },
        { name: 'payer', type: 'relation' },
        { name: 'amount', type: 'integer' },
        { name: 'currency', type: 'text' },
        { name: 'status', type: 'enum', enumOptions: ['PENDING', 'SUCCESSFUL'] },
      ],
    },
    {
      name: 'recurring_payment',
      ownerColumn: 'subscriber',
      columns: [
        { name: 'order_id', type: 'relation' },
        { name: 'subscriber', type: 'relation' },
        { name: 'status', type: 'enum', enumOptions: ['ACTIVE', 'CANCELED'] },
        { name: 'cancel_at_period_end', type: 'boolean' },
      ],
    },
  ],
  roles: ['anonymous', 'user', 'admin'],
  tablePermissions: [
    { role: 'anonymous', table: 'product', operation: 'read' },
    { role: 'user', table: 'product', operation: 'read' },
    { role: 'user', table: 'order', operation: 'read' },
    { role: 'user', table: 'order', operation: 'insert' },
    { role: 'user', table: 'recurring_payment', operation: 'read' },
    { role: 'admin', table: 'payment', operation: 'read' },
  ],
  actionPermissions: [
    { role: 'user', action: 'stripe.payment' },
    { role: 'user', action: 'stripe.recurring' },
    { role: 'admin', action: 'stripe.refund' },
  ],
  flows: [],
  paths: ['/', '/orders', '/subscriptions', '/admin'],
};

const input = {
  context,
  orderTable: 'order',
  orderLabelColumn: 'item',
  amountColumn: 'amount',
  currencyColumn: null,
  currency: 'eur',
  catalog: { table: 'product', nameColumn: 'name', priceColumn: 'price', currencyColumn: null },
  plans: [{ id: 'price_monthly', label: 'Coffee club' }],
};

describe('default pages', () => {
  it('are the shop, my orders, my subscriptions and refunds, each valid against the project', () => {
    const pages = defaultPages(input);
    expect(pages.map((p) => [p.key, p.definition.path, p.definition.access])).toEqual([
      ['shop', '/', { kind: 'public' }],
      ['orders', '/orders', { kind: 'signed_in' }],
      ['subscriptions', '/subscriptions', { kind: 'signed_in' }],
      ['refunds', '/admin', { kind: 'roles', roles: ['admin'] }],
    ]);
    for (const { definition } of pages) expect(validatePage(definition, context)).toEqual([]);
    const shop = JSON.stringify(pages[0].definition);
    // Buy creates the order as the shopper and pays the product's catalog price; Subscribe starts the plan.
    expect(shop).toContain('"type":"pay","orderId":"{{ results.order.id }}","product":"{{ item.id }}"');
    expect(shop).toContain('"type":"start_subscription","orderId":"{{ results.order.id }}","plan":"price_monthly"');
    expect(shop).toContain('"unit":"major"'); // a decimal price column is in major units
    expect(JSON.stringify(pages[1].definition)).toContain('"currency":"eur"'); // no currency column: the shop's
  });

  it('leave out what the project does not have: no catalog, no plans, nobody who may refund, no order columns', () => {
    const bare = defaultPages({
      ...input,
      context: { ...context, actionPermissions: context.actionPermissions.filter((p) => p.action !== 'stripe.refund') },
      orderLabelColumn: 'missing',
      amountColumn: null,
      catalog: null,
      plans: [],
    });
    expect(bare.map((p) => p.key)).toEqual(['shop', 'orders', 'subscriptions']);
    expect(bare[0].definition.blocks.map((b) => b.kind)).toEqual(['nav_bar', 'heading']);
    for (const { definition } of bare)
      expect(validatePage(definition, context).filter((i) => i.severity === 'error')).toEqual([]);
    expect(defaultPages({ ...input, orderTable: 'nope' })).toEqual([]);
  });
});
