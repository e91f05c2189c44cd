import { insertRow, setActionPermission, setTablePermission } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { activatePayments } from '@tillflow/payments';
import { describe, expect, it } from 'vitest';
import { saveAppSettings } from '~/server/generated-app/catalog';
import { ensureDefaultPages } from '~/server/pages/defaults';
import type { PageView, ViewNode } from '~/server/pages/render';
import { findPublishedPage } from '~/server/pages/store';
import { servicesFor } from '~/server/services';
import { appClient } from './app-client';
import { orderAndProductTables, withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

type PageAnswer = { status: string; pageId?: number; view?: PageView };
type ActionAnswer = { ok: boolean; effects: { kind: string; href?: string; text?: string }[] };

const walk = (nodes: ViewNode[]): ViewNode[] =>
  nodes.flatMap((n) => [
    n,
    ...('children' in n ? walk(n.children) : []),
    ...(n.kind === 'data_list' ? n.items.flatMap((i) => walk(i.children)) : []),
  ]);
const ofKind = <K extends ViewNode['kind']>(view: PageView | undefined, kind: K) =>
  walk(view?.blocks ?? []).filter((n): n is Extract<ViewNode, { kind: K }> => n.kind === kind);

describe('default pages: the fixed app pages as page-model pages a builder can change', { timeout: 120_000 }, () => {
  const env = withDbAndSandbox(240_000);

  it('a project made before default pages existed gets them on upgrade; its app keeps working and each can replace its fixed page', async () => {
    const { caller } = await signUpBuilder(env.handle, 'defaults');
    const slug = `defaults-${uniqueSuffix()}`;
    const project = await caller.project.create({ name: 'Old bakery', slug });
    await orderAndProductTables(env.handle, project.id);
    for (const role of ['anonymous', 'user'])
      await setTablePermission(env.handle.db, project.id, {
        role,
        table: 'product',
        operation: 'read',
        allowed: true,
        scope: 'all',
      });
    const beans = await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'product', {
      name: 'Beans',
      price: 1500,
    });
    // The old way: payments turned on and the catalog chosen without any page being made.
    const services = servicesFor(env.handle);
    await activatePayments(services, project.id, { orderTable: 'order', confirmPermanent: true, setupDefaults: true });
    // Their admins may refund (the fixed admin page's refund list is theirs).
    await setActionPermission(env.handle.db, project.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    await saveAppSettings(env.handle.db, project.id, {
      title: null,
      catalog: {
        source: 'table',
        table: 'product',
        nameColumn: 'name',
        priceColumn: 'price',
        orderLabelColumn: 'item',
      },
    });
    expect(await caller.pages.list({ projectId: project.id })).toEqual([]);

    // The upgrade (start-up runs this for every project with payments on).
    expect((await ensureDefaultPages(services, project.id)).sort()).toEqual([
      'orders',
      'refunds',
      'shop',
      'subscriptions',
    ]);
    const list = await caller.pages.list({ projectId: project.id });
    expect(list.map((p) => [p.title, p.path, p.status]).sort()).toEqual([
      ['My orders', '/orders', 'draft'],
      ['My subscriptions', '/subscriptions', 'draft'],
      ['Refunds', '/admin', 'draft'],
      ['Shop', '/', 'draft'],
    ]);
    // Valid as made: each publishes (publishing validates against the project).
    for (const page of list) {
      const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
      expect(got.issues.filter((i) => i.severity === 'error')).toEqual([]);
    }
    // Once each: a second run makes nothing, and a page the builder deleted is not made again.
    const subscriptions = list.find((p) => p.title === 'My subscriptions');
    await caller.pages.delete({ projectId: project.id, pageId: subscriptions?.id as number });
    expect(await ensureDefaultPages(services, project.id)).toEqual([]);
    expect((await caller.pages.list({ projectId: project.id })).map((p) => p.title).sort()).toEqual([
      'My orders',
      'Refunds',
      'Shop',
    ]);

    // Drafts are not live: the fixed pages still answer at their addresses, and the app's own queries work.
    expect(await findPublishedPage(env.handle.db, project.id, '/orders', true)).toBeNull();
    const ann = appClient(env.handle, slug);
    await ann.mutation('signUp', { email: `ann-${uniqueSuffix()}@x.test`, password: 'long-enough-1' });
    expect(await ann.query<{ name: string }[]>('catalog', {})).toMatchObject([{ name: 'Beans', amount: 1500 }]);
    expect(await ann.query<unknown[]>('myOrders', {})).toEqual([]);

    // Published, the builder's Shop and My orders replace the fixed pages at / and /orders.
    const shop = list.find((p) => p.title === 'Shop');
    const orders = list.find((p) => p.title === 'My orders');
    for (const page of [shop, orders])
      await caller.pages.publish({ projectId: project.id, pageId: page?.id as number });
    expect((await findPublishedPage(env.handle.db, project.id, '/', true))?.pageId).toBe(shop?.id);
    expect((await findPublishedPage(env.handle.db, project.id, '/orders', true))?.pageId).toBe(orders?.id);
    expect(await findPublishedPage(env.handle.db, project.id, '/orders/1', true)).toBeNull();

    const front = await ann.query<PageAnswer>('page', { path: '/' });
    expect(ofKind(front.view, 'heading').map((h) => h.text)).toEqual(['Shop', 'Beans']);
    expect(ofKind(front.view, 'money').map((m) => m.text)).toEqual(['$15.00']);
    const [buy] = ofKind(front.view, 'button');
    expect(buy).toMatchObject({ label: 'Buy', itemId: beans.id });
    const bought = await ann.mutation<ActionAnswer>('runAction', {
      pageId: shop?.id,
      blockId: 'buy',
      path: '/',
      itemId: beans.id,
    });
    expect(bought.ok).toBe(true);
    expect(bought.effects.find((e) => e.kind === 'redirect')?.href).toBeTruthy();

    // My orders lists only the shopper's own order, with its status in words and a Pay button while it is unpaid.
    const mine = await ann.query<PageAnswer>('page', { path: '/orders' });
    const [list1] = ofKind(mine.view, 'data_list');
    expect(list1.items).toHaveLength(1);
    expect(ofKind(mine.view, 'text').map((t) => t.text)).toEqual(['Beans']);
    expect(ofKind(mine.view, 'badge').map((b) => [b.text, b.color])).toEqual([['Pending', 'amber']]);
    expect(ofKind(mine.view, 'money')).toEqual([]); // this order table keeps no amount column
    expect(ofKind(mine.view, 'button').map((b) => b.label)).toEqual(['Pay']);
    const bob = appClient(env.handle, slug);
    await bob.mutation('signUp', { email: `bob-${uniqueSuffix()}@x.test`, password: 'long-enough-1' });
    expect(ofKind((await bob.query<PageAnswer>('page', { path: '/orders' })).view, 'data_list')[0].items).toEqual([]);
    // A visitor is asked to sign in; the Refunds page stays a draft and a shopper's role could not open it anyway.
    expect((await appClient(env.handle, slug).query<PageAnswer>('page', { path: '/orders' })).status).toBe('sign_in');
    const refunds = list.find((p) => p.title === 'Refunds');
    await caller.pages.publish({ projectId: project.id, pageId: refunds?.id as number });
    expect((await ann.query<PageAnswer>('page', { path: '/admin' })).status).toBe('forbidden');
  });

  it('payments turned on in the studio make the default pages; an untouched one follows the catalog chosen later', async () => {
    const { caller } = await signUpBuilder(env.handle, 'defaults2');
    const project = await caller.project.create({ name: 'New bakery', slug: `defaults-${uniqueSuffix()}` });
    await orderAndProductTables(env.handle, project.id);
    await caller.payments.activate({ projectId: project.id, orderTable: 'order', confirmPermanent: true });
    const shopOf = async () => {
      const shop = (await caller.pages.list({ projectId: project.id })).find((p) => p.title === 'Shop');
      return caller.pages.get({ projectId: project.id, pageId: shop?.id as number });
    };
    // No catalog yet: the Shop is a heading and a navigation bar.
    expect((await shopOf()).draft.blocks.map((b) => b.kind)).toEqual(['nav_bar', 'heading']);
    await caller.appSettings.save({
      projectId: project.id,
      catalog: {
        source: 'table',
        table: 'product',
        nameColumn: 'name',
        priceColumn: 'price',
        orderLabelColumn: 'item',
      },
    });
    const shop = await shopOf();
    expect(shop.draft.blocks.map((b) => b.kind)).toEqual(['nav_bar', 'heading', 'data_list']);
    // Once the builder has saved it, it is theirs: the catalog no longer rewrites it.
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: shop.id,
      expectedRevision: shop.revision,
      definition: { ...shop.draft, title: 'Our beans' },
    });
    await caller.appSettings.save({ projectId: project.id, catalog: { source: 'none' } });
    const kept = await caller.pages.get({ projectId: project.id, pageId: shop.id });
    expect(kept.draft.title).toBe('Our beans');
    expect(kept.draft.blocks.map((b) => b.kind)).toEqual(['nav_bar', 'heading', 'data_list']);
  });
});
