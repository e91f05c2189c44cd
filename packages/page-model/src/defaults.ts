import type { Block, PageContext, PageDefinition } from './types';

/**
 * The pages a shop starts with once payments are on, made from the page model like any builder page: a shop
 * (the catalog with Buy and Subscribe buttons), My orders, My subscriptions and Refunds (for roles that may
 * refund). The studio creates them as drafts at the fixed pages' addresses; publishing one replaces that fixed
 * page, and the builder can change, rename or delete any of them like their own.
 */
export type DefaultPageKey = 'shop' | 'orders' | 'subscriptions' | 'refunds';

export interface DefaultPagesInput {
  context: PageContext;
  /** The order table payments are bound to, and its columns that matter here (null when it has none). */
  orderTable: string;
  orderLabelColumn: string | null;
  amountColumn: string | null;
  currencyColumn: string | null;
  /** The shop's currency (for orders without a currency column and catalog rows without one). */
  currency: string;
  /** The catalog table the app sells from (studio → App), if the shop sells rows of a table. */
  catalog: { table: string; nameColumn: string; priceColumn: string; currencyColumn: string | null } | null;
  /** Recurring prices offered as subscriptions: a Subscribe button each. */
  plans: { id: string; label: string }[];
}

const PAYMENT_TABLE = 'payment';
const RECURRING_TABLE = 'recurring_payment';

const ORDER_COLORS = { paid: 'green', pending: 'amber', failed: 'red', refunded: 'grey', partially_refunded: 'blue' };
const PAYMENT_COLORS = {
  SUCCESSFUL: 'green',
  PENDING: 'amber',
  FAILED: 'red',
  CANCELED: 'grey',
  REFUNDED: 'grey',
  PARTIALLY_REFUNDED: 'blue',
  AMOUNT_MISMATCH: 'red',
};
const RECURRING_COLORS = {
  ACTIVE: 'green',
  TRIALING: 'blue',
  PAST_DUE: 'amber',
  CANCELED: 'grey',
  INCOMPLETE: 'amber',
};

const failure = [{ type: 'show_message', text: '{{ error.message }}', tone: 'error' }];

function nav(hasSubscriptions: boolean): Block {
  return {
    id: 'nav',
    kind: 'nav_bar',
    props: {
      links: [
        { label: 'Shop', to: '/' },
        { label: 'My orders', to: '/orders' },
        ...(hasSubscriptions ? [{ label: 'My subscriptions', to: '/subscriptions' }] : []),
      ],
      showAccount: true,
    },
  };
}

const heading = (id: string, text: string, level: '1' | '2' | '3' = '1'): Block => ({
  id,
  kind: 'heading',
  props: { text, level },
});

/** The default pages for this project, each with the key that says which fixed page it stands for. */
export function defaultPages(input: DefaultPagesInput): { key: DefaultPageKey; definition: PageDefinition }[] {
  const { context } = input;
  const table = (name: string) => context.tables.find((t) => t.name === name);
  const order = table(input.orderTable);
  if (!order) return [];
  const has = (t: NonNullable<ReturnType<typeof table>>, column: string | null) =>
    column !== null && t.columns.some((c) => c.name === column);
  const label = has(order, input.orderLabelColumn) ? input.orderLabelColumn : null;
  const hasStatus = has(order, 'status');
  const amount = has(order, input.amountColumn) ? input.amountColumn : null;
  const currencyOf = (column: string | null, t: NonNullable<ReturnType<typeof table>>) =>
    column && has(t, column) ? `{{ item.${column} }}` : input.currency;
  const recurring = table(RECURRING_TABLE);
  const hasSubscriptions = Boolean(recurring) && input.plans.length > 0;
  const pages: { key: DefaultPageKey; definition: PageDefinition }[] = [];

  // The shop: the catalog's rows with a Buy button (the server charges the row's catalog price), and the plans.
  const shop: Block[] = [nav(hasSubscriptions), heading('title', 'Shop')];
  const catalog = input.catalog ? table(input.catalog.table) : undefined;
  if (input.catalog && catalog && has(catalog, input.catalog.nameColumn) && has(catalog, input.catalog.priceColumn)) {
    const price = catalog.columns.find((c) => c.name === input.catalog?.priceColumn);
    shop.push({
      id: 'products',
      kind: 'data_list',
      props: { table: catalog.name, pageSize: 50, emptyText: 'Nothing is offered yet.' },
      children: [
        heading('product_name', `{{ item.${input.catalog.nameColumn} }}`, '2'),
        {
          id: 'product_price',
          kind: 'money',
          props: {
            amount: `{{ item.${input.catalog.priceColumn} }}`,
            currency: currencyOf(input.catalog.currencyColumn, catalog),
            unit: price?.type === 'decimal' ? 'major' : 'minor',
          },
        },
        {
          id: 'buy',
          kind: 'button',
          props: {
            label: 'Buy',
            onClick: {
              steps: [
                {
                  type: 'create_row',
                  id: 'order',
                  table: order.name,
                  values: label ? { [label]: `{{ item.${input.catalog.nameColumn} }}` } : {},
                },
                { type: 'pay', orderId: '{{ results.order.id }}', product: '{{ item.id }}' },
              ],
              onFailure: failure,
            },
          },
        },
      ],
    });
  }
  if (hasSubscriptions)
    input.plans.forEach((plan, i) => {
      shop.push({
        id: `plan_${i + 1}`,
        kind: 'stack',
        props: {},
        children: [
          heading(`plan_${i + 1}_name`, plan.label, '2'),
          {
            id: `subscribe_${i + 1}`,
            kind: 'button',
            props: {
              label: 'Subscribe',
              onClick: {
                steps: [
                  {
                    type: 'create_row',
                    id: 'order',
                    table: order.name,
                    values: label ? { [label]: plan.label } : {},
                  },
                  { type: 'start_subscription', orderId: '{{ results.order.id }}', plan: plan.id },
                ],
                onFailure: failure,
              },
            },
          },
        ],
      });
    });
  pages.push({ key: 'shop', definition: { title: 'Shop', path: '/', access: { kind: 'public' }, blocks: shop } });

  // My orders: the shopper's own orders, live, with their status and a Pay button while one is unpaid.
  const orderItem: Block[] = [heading('order_title', 'Order #{{ item.id }}', '2')];
  if (label) orderItem.push({ id: 'order_label', kind: 'text', props: { text: `{{ item.${label} }}` } });
  if (hasStatus)
    orderItem.push({ id: 'order_status', kind: 'badge', props: { text: '{{ item.status }}', colors: ORDER_COLORS } });
  if (amount)
    orderItem.push({
      id: 'order_amount',
      kind: 'money',
      props: { amount: `{{ item.${amount} }}`, currency: currencyOf(input.currencyColumn, order) },
    });
  const pay: Block = {
    id: 'pay',
    kind: 'button',
    props: { label: 'Pay', onClick: { steps: [{ type: 'pay', orderId: '{{ item.id }}' }], onFailure: failure } },
  };
  orderItem.push(
    hasStatus
      ? { id: 'unpaid', kind: 'condition', props: { when: "{{ item.status == 'pending' }}" }, children: [pay] }
      : pay,
  );
  pages.push({
    key: 'orders',
    definition: {
      title: 'My orders',
      path: '/orders',
      access: { kind: 'signed_in' },
      blocks: [
        nav(hasSubscriptions),
        heading('title', 'My orders'),
        {
          id: 'orders',
          kind: 'data_list',
          props: {
            table: order.name,
            onlyMine: Boolean(order.ownerColumn),
            sort: { column: 'id', direction: 'desc' },
            pageSize: 50,
            emptyText: 'No orders yet.',
          },
          children: orderItem,
        },
      ],
    },
  });

  // My subscriptions: the shopper's own, with Cancel (at the end of the period) while one runs.
  if (recurring)
    pages.push({
      key: 'subscriptions',
      definition: {
        title: 'My subscriptions',
        path: '/subscriptions',
        access: { kind: 'signed_in' },
        blocks: [
          nav(hasSubscriptions),
          heading('title', 'My subscriptions'),
          {
            id: 'subscriptions',
            kind: 'data_list',
            props: {
              table: recurring.name,
              onlyMine: true,
              sort: { column: 'id', direction: 'desc' },
              pageSize: 50,
              emptyText: 'No subscriptions yet.',
            },
            children: [
              heading('subscription_title', 'Subscription for order #{{ item.order_id }}', '2'),
              {
                id: 'subscription_status',
                kind: 'badge',
                props: { text: '{{ item.status }}', colors: RECURRING_COLORS },
              },
              {
                id: 'running',
                kind: 'condition',
                props: {
                  when: "{{ (item.status == 'ACTIVE' || item.status == 'TRIALING') && !item.cancel_at_period_end }}",
                },
                children: [
                  {
                    id: 'cancel',
                    kind: 'button',
                    props: {
                      label: 'Cancel subscription',
                      style: 'secondary',
                      onClick: {
                        steps: [{ type: 'cancel_subscription', subscriptionId: '{{ item.id }}', atPeriodEnd: true }],
                        onSuccess: [
                          { type: 'show_message', text: 'It ends at the end of this period.', tone: 'success' },
                        ],
                        onFailure: failure,
                      },
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    });

  // Refunds: every payment, for the roles that may refund (the server checks each refund again).
  const refunders = [
    ...new Set(context.actionPermissions.filter((p) => p.action === 'stripe.refund').map((p) => p.role)),
  ];
  if (table(PAYMENT_TABLE) && refunders.length > 0)
    pages.push({
      key: 'refunds',
      definition: {
        title: 'Refunds',
        path: '/admin',
        access: { kind: 'roles', roles: refunders },
        blocks: [
          nav(hasSubscriptions),
          heading('title', 'Refunds'),
          {
            id: 'payments',
            kind: 'data_list',
            props: {
              table: PAYMENT_TABLE,
              sort: { column: 'id', direction: 'desc' },
              pageSize: 50,
              emptyText: 'No payments yet.',
            },
            children: [
              heading('payment_title', 'Payment for order #{{ item.order_id }}', '2'),
              {
                id: 'payment_amount',
                kind: 'money',
                props: { amount: '{{ item.amount }}', currency: '{{ item.currency }}' },
              },
              { id: 'payment_status', kind: 'badge', props: { text: '{{ item.status }}', colors: PAYMENT_COLORS } },
              {
                id: 'refundable',
                kind: 'condition',
                props: { when: "{{ item.status == 'SUCCESSFUL' || item.status == 'PARTIALLY_REFUNDED' }}" },
                children: [
                  {
                    id: 'refund',
                    kind: 'button',
                    props: {
                      label: 'Refund what remains',
                      style: 'danger',
                      onClick: {
                        steps: [{ type: 'refund', paymentId: '{{ item.id }}' }],
                        onSuccess: [{ type: 'show_message', text: 'Refund started.', tone: 'success' }],
                        onFailure: failure,
                      },
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    });
  return pages;
}
