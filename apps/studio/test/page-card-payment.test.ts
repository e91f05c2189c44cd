import { setTablePermission } from '@tillflow/data-model';
import { paymentSettings } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { PageView, ViewNode } from '~/server/pages/render';
import { servicesFor } from '~/server/services';
import { appClient } from './app-client';
import { coffeeShop, withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

type Effect = {
  kind: string;
  href?: string;
  clientSecret?: string;
  orderId?: number;
  publishableKey?: string;
  stripeJsUrl?: string;
  paidHref?: string;
};
const buttons = (nodes: ViewNode[]): Extract<ViewNode, { kind: 'button' }>[] =>
  nodes.flatMap((n) => [
    ...(n.kind === 'button' ? [n] : []),
    ...('children' in n ? buttons(n.children) : []),
    ...(n.kind === 'data_list' ? n.items.flatMap((i) => buttons(i.children)) : []),
  ]);

describe('a page’s "Pay for an order" with the embedded card form', { timeout: 120_000 }, () => {
  const env = withDbAndSandbox(240_000);

  /** A published Pricing page whose Buy button creates an order and pays for it in the card form. */
  async function cardShop() {
    const { caller } = await signUpBuilder(env.handle, 'cardbuilder');
    const { project, slug } = await coffeeShop(env.handle, caller, 'card', [{ name: 'Beans', price: 1500 }]);
    await setTablePermission(env.handle.db, project.id, {
      role: 'user',
      table: 'product',
      operation: 'read',
      allowed: true,
      scope: 'all',
    });
    const page = await caller.pages.create({ projectId: project.id, title: 'Pricing' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: {
        ...got.draft,
        blocks: [
          {
            id: 'products',
            kind: 'data_list',
            props: { table: 'product' },
            children: [
              {
                id: 'buy',
                kind: 'button',
                props: {
                  label: 'Buy',
                  onClick: {
                    steps: [
                      { type: 'create_row', id: 'order', table: 'order', values: { item: '{{ item.name }}' } },
                      {
                        type: 'pay',
                        orderId: '{{ results.order.id }}',
                        product: '{{ item.id }}',
                        method: 'payment_intent',
                      },
                    ],
                    onSuccess: [{ type: 'navigate', to: '/orders' }],
                  },
                },
              },
            ],
          },
        ],
      },
    });
    await caller.pages.publish({ projectId: project.id, pageId: page.id });
    const shopper = appClient(env.handle, slug);
    await shopper.mutation('signUp', { email: `ann-${uniqueSuffix()}@x.test`, password: 'long-enough-1' });
    const view = (await shopper.query<{ view: PageView }>('page', { path: '/pricing' })).view;
    const [buy] = buttons(view.blocks);
    const press = (extra: Record<string, unknown> = {}) =>
      shopper.mutation<{ ok: boolean; effects: Effect[] }>('runAction', {
        pageId: page.id,
        blockId: 'buy',
        path: '/pricing',
        itemId: buy.itemId,
        ...extra,
      });
    return { project, slug, press };
  }

  it('hands the browser a Payment Intent for the catalog price, the publishable key and where to go once paid', async () => {
    const { project, slug, press } = await cardShop();
    // Anything about price in the request is not read.
    const done = await press({ amount: 1, currency: 'jpy' });
    expect(done.ok).toBe(true);
    const card = done.effects.find((e) => e.kind === 'card');
    expect(card).toMatchObject({
      clientSecret: expect.stringMatching(/^pi_.+_secret_/),
      publishableKey: expect.stringMatching(/^pk_/),
      stripeJsUrl: expect.stringMatching(/\/v3\/$/),
      paidHref: `/app/${slug}/orders?paid=${card?.orderId}`,
    });
    expect(done.effects.some((e) => e.kind === 'redirect')).toBe(false);
    const { stripe } = await servicesFor(env.handle).stripeAccounts.forProject(env.handle.db, project.id);
    const intent = await stripe.paymentIntents.retrieve(String(card?.clientSecret).split('_secret_')[0]);
    expect([intent.amount, intent.currency]).toEqual([1500, 'usd']);
  });

  it('goes to Checkout when the project has no publishable key for the card form', async () => {
    const { project, press } = await cardShop();
    await env.handle.db
      .update(paymentSettings)
      .set({ publishableKey: null })
      .where(eq(paymentSettings.projectId, project.id));
    const done = await press();
    expect(done.effects.map((e) => e.kind)).toEqual(['redirect', 'navigate']);
  });
});
