import { createLogger } from '@tillflow/core';
import { BACKEND, getRow, insertRow, updateRows } from '@tillflow/data-model';
import { auditEvents, authUser, type DbHandle, projectMembers } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { handlePaymentEvent } from '@tillflow/payments';
import { createWebhookEndpoint, ingestStripeWebhook, stripeSignatureHeader } from '@tillflow/runtime';
import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createCaller, studioRouter } from '~/server/api/root';
import { handleRestRequest } from '~/server/rest/handler';
import { servicesFor } from '~/server/services';
import { AUDITED, AUDITED_ELSEWHERE, NOT_AUDITED } from '~/server/teams/audit';
import { addMember } from '~/server/teams/members';
import { accessOf } from '~/server/teams/policy';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

// Every change a member makes is audited, in the change's own transaction: each mutation of the router is either
// audited or listed as not audited with a reason; each audited procedure below is called for real and must write
// exactly one entry naming it; and a failed audit write rolls the change back.

process.env.PUBLIC_URL ??= 'http://127.0.0.1:9';

const procedures = studioRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
const mutations = Object.keys(procedures)
  .filter((p) => procedures[p]._def.type === 'mutation')
  .sort();

/**
 * Audited procedures that need a captured payment, a failed run, a received Stripe event or keys the sandbox
 * accepts: the second test below calls each of them for real.
 */
const NEEDS_STRIPE = ['payments.refund', 'flows.retryRun', 'events.replay', 'payments.saveKeys'];

type Caller = ReturnType<typeof createCaller>;

describe('teams: the audit trail covers every change', () => {
  const env = withDbAndSandbox(120_000);
  let handle: DbHandle;

  async function person(name: string) {
    const signed = await signUpBuilder(handle, name.split(' ')[0].toLowerCase());
    await handle.db.update(authUser).set({ name }).where(eq(authUser.id, signed.user.id));
    const user = { ...signed.user, name };
    return { user, caller: createCaller({ db: handle, user, headers: new Headers() }) };
  }

  async function lastEntry(projectId: number) {
    const [entry] = await handle.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.projectId, projectId))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    return entry ?? null;
  }

  it('every mutation is audited or listed as not audited, with a reason', () => {
    const wrong: string[] = [];
    for (const path of mutations) {
      const elsewhere = accessOf(path) === 'signedIn';
      const lists = [
        AUDITED[path] && 'AUDITED',
        NOT_AUDITED[path] && 'NOT_AUDITED',
        AUDITED_ELSEWHERE[path] && 'ELSEWHERE',
      ]
        .filter(Boolean)
        .join('+');
      if (elsewhere ? lists !== 'ELSEWHERE' : lists !== 'AUDITED' && lists !== 'NOT_AUDITED')
        wrong.push(`${path}: ${lists || 'in no list'}`);
    }
    for (const path of [...Object.keys(AUDITED), ...Object.keys(NOT_AUDITED), ...Object.keys(AUDITED_ELSEWHERE)])
      if (!mutations.includes(path)) wrong.push(`${path}: not a mutation of the router`);
    for (const [path, reason] of Object.entries({ ...NOT_AUDITED, ...AUDITED_ELSEWHERE }))
      if (reason.length < 20) wrong.push(`${path}: say why it is not audited`);
    expect(wrong).toEqual([]);
    // The catalog, coupons and what orders cost are recorded too.
    for (const path of ['payments.createProduct', 'payments.createCoupon', 'payments.saveOrderBinding'])
      expect(AUDITED[path]).toBeDefined();
  });

  it('each audited procedure, called for real, writes exactly one entry naming it and who did it', async () => {
    handle = env.handle;
    const owner = await person('Olive Owner');
    const editor = await person('Eddie Editor');
    const finance = await person('Fran Finance');
    const project = await owner.caller.project.create({ name: 'Audit shop', slug: `audit-${uniqueSuffix()}` });
    const projectId = project.id;
    await addMember(handle.db, projectId, editor.user.id, 'editor');
    await addMember(handle.db, projectId, finance.user.id, 'finance');
    const state: Record<string, any> = {};
    const called = new Set<string>();
    const wrong: string[] = [];

    /** Calls `path` as `who`; the call must succeed and add exactly one entry with that action and actor. */
    async function audited(who: { caller: Caller; user: { name: string } }, path: string, input: object) {
      const before = await lastEntry(projectId);
      const fn = path.split('.').reduce<any>((node, key) => node[key], who.caller);
      const result = await fn({ projectId, ...input });
      const entries = await handle.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.projectId, projectId)))
        .orderBy(desc(auditEvents.id));
      const added = entries.filter((e) => e.id > (before?.id ?? 0));
      if (added.length !== 1 || added[0].action !== path || added[0].actorName !== who.user.name)
        wrong.push(`${path}: ${added.map((e) => `${e.action} by ${e.actorName}`).join(', ') || 'no entry'}`);
      else if (!added[0].summary || /(?<!row )#\d|[a-z]+_[A-Za-z0-9]{8,}/.test(added[0].summary))
        wrong.push(`${path}: the summary shows an id: ${added[0].summary}`);
      called.add(path);
      return result;
    }
    const o = owner;
    // Project, schema, rows
    await audited(o, 'project.rename', { name: 'Audit shop 2' });
    await audited(editor, 'dataModel.createTable', { name: 'orders', columns: [{ name: 'title', type: 'text' }] });
    await audited(editor, 'dataModel.createTable', { name: 'scratch', columns: [{ name: 'x', type: 'text' }] });
    await audited(editor, 'dataModel.renameTable', { table: 'scratch', name: 'notes' });
    await audited(editor, 'dataModel.addColumn', { table: 'notes', column: { name: 'body', type: 'text' } });
    await audited(editor, 'dataModel.updateColumn', { table: 'notes', column: 'body', change: { name: 'text' } });
    await audited(editor, 'dataModel.removeColumn', { table: 'notes', column: 'text' });
    await audited(editor, 'dataModel.deleteTable', { table: 'notes', confirm: true });
    await audited(editor, 'dataModel.addColumn', {
      table: 'orders',
      column: { name: 'buyer', type: 'relation', relationTable: 'end_user' },
    });
    await audited(editor, 'dataModel.setOwnerColumn', { table: 'orders', column: 'buyer' });
    const row = await audited(editor, 'dataModel.insertRow', { table: 'orders', values: { title: 'First' } });
    await audited(editor, 'dataModel.updateRow', { table: 'orders', id: row.id, values: { title: 'Second' } });
    await audited(editor, 'dataModel.deleteRow', { table: 'orders', id: row.id });
    // Roles and permissions, app users
    await audited(editor, 'permissions.createRole', { name: 'staff' });
    await audited(editor, 'permissions.setTablePermission', {
      role: 'staff',
      table: 'orders',
      operation: 'read',
      allowed: true,
    });
    await audited(editor, 'permissions.setActionPermission', { role: 'staff', action: 'stripe.refund', allowed: true });
    const appUser = await audited(editor, 'endUsers.create', { email: `shopper-${uniqueSuffix()}@example.test` });
    await audited(editor, 'endUsers.setRole', { userId: appUser.id, role: 'staff' });
    await audited(editor, 'endUsers.setRole', { userId: appUser.id, role: 'user' });
    await audited(editor, 'permissions.deleteRole', { name: 'staff' });
    // Payments: activation, what orders cost, branding, addresses, endpoints, catalog and discounts
    await audited(o, 'dataModel.addColumn', { table: 'orders', column: { name: 'amount', type: 'integer' } });
    await audited(o, 'payments.activate', { orderTable: 'orders', confirmPermanent: true });
    await audited(editor, 'payments.saveOrderBinding', { amountColumn: 'amount', currency: 'eur' });
    await audited(editor, 'payments.saveBranding', { brandName: 'Crumb', brandSlogan: null, brandLogo: null });
    await audited(o, 'payments.saveReturnOrigins', { origins: ['https://shop.example.com'] });
    await audited(finance, 'payments.repairEndpoints', {});
    await audited(finance, 'payments.reconcile', {});
    const product = await audited(editor, 'payments.createProduct', {
      name: 'Sourdough',
      price: { amount: '8.50', currency: 'usd', interval: null },
    });
    const price = await audited(editor, 'payments.addPrice', {
      productId: product.id,
      price: { amount: '4.00', currency: 'usd', interval: 'month' },
    });
    await audited(editor, 'payments.archivePrice', { priceId: price.id });
    await audited(editor, 'payments.archiveProduct', { productId: product.id });
    const coupon = await audited(editor, 'payments.createCoupon', {
      name: 'Spring',
      percentOff: '10',
      duration: 'once',
    });
    await audited(editor, 'payments.addPromotionCode', {
      couponId: coupon.id,
      code: `SPRING${uniqueSuffix().slice(0, 4)}`,
    });
    await audited(editor, 'payments.deleteCoupon', { couponId: coupon.id });
    const key = await audited(o, 'apiKeys.create', { name: 'backend' });
    await audited(o, 'apiKeys.revoke', { id: key.id });
    // Automations: create, publish, review, roll back, delete
    const flow = await audited(editor, 'flows.create', { name: 'Thank-you', events: [] });
    await audited(editor, 'flows.publish', { flowId: flow.id });
    await audited(editor, 'flows.publish', { flowId: flow.id });
    const versions = await o.caller.flows.versions({ projectId, flowId: flow.id });
    const current = await o.caller.flows.get({ projectId, flowId: flow.id });
    await audited(editor, 'flows.rollback', {
      flowId: flow.id,
      versionId: versions[1].id,
      expectedRevision: current.revision,
    });
    await audited(o, 'members.setPublishReview', { on: true });
    const payment = (await o.caller.flows.list({ projectId })).find((f) => f.systemKind === 'StripePayment');
    const asked = await audited(editor, 'flows.requestReview', { flowId: payment?.id });
    await audited(o, 'flows.rejectReview', { reviewId: asked.reviewId });
    const again = await audited(editor, 'flows.requestReview', { flowId: payment?.id });
    await audited(o, 'flows.approveReview', { reviewId: again.reviewId });
    await audited(editor, 'flows.delete', { flowId: flow.id });
    await audited(o, 'events.saveAlertSettings', { email: false, queueAgeMinutes: 10 });
    // Pages and the app
    const page = await audited(editor, 'pages.create', { title: 'Pricing' });
    state.pageId = page.id;
    await audited(editor, 'pages.rename', { pageId: page.id, title: 'Prices' });
    await audited(editor, 'pages.publish', { pageId: page.id });
    await audited(editor, 'pages.publish', { pageId: page.id });
    await audited(editor, 'pages.rollback', { pageId: page.id, version: 1 });
    const copy = await audited(editor, 'pages.duplicate', { pageId: page.id });
    await audited(editor, 'pages.setHome', { pageId: page.id });
    await audited(editor, 'pages.delete', { pageId: copy.id });
    await audited(editor, 'appSettings.save', { title: 'Crumb', catalog: { source: 'none' } });
    // Mail
    await audited(o, 'mailbox.saveSettings', {
      settings: { host: 'smtp.example.com', port: 587, password: 'pw-secret-1', fromAddress: 'shop@example.com' },
    });
    await audited(o, 'mailbox.deleteSettings', {});
    await audited(o, 'mailbox.clear', {});
    // Members
    const invited = await audited(o, 'members.invite', {
      email: `later-${uniqueSuffix()}@example.test`,
      role: 'viewer',
    });
    const [open] = await o.caller.members.invitations({ projectId });
    await audited(o, 'members.revokeInvitation', { id: open.id });
    expect(invited.link).toContain('/invite/');
    await audited(o, 'members.setRole', { userId: finance.user.id, role: 'viewer' });
    await audited(o, 'members.remove', { userId: finance.user.id });
    await audited(o, 'members.transferOwnership', { userId: editor.user.id });
    await audited(o, 'members.leave', {});

    expect(wrong).toEqual([]);
    const missing = Object.keys(AUDITED).filter((p) => !called.has(p) && !NEEDS_STRIPE.includes(p));
    expect(missing).toEqual([]);
    // The page entries name the page, not its number.
    const pageLines = (await editor.caller.activity.list({ projectId, area: 'pages' })).entries.map((e) => e.summary);
    expect(pageLines).toContain('Renamed page Pricing to Prices');
    expect(pageLines).toContain('Published page Prices');
  }, 300_000);

  it('refunds, retries, replays and key changes are each recorded once with who, what, before and after, and no secret', async () => {
    handle = env.handle;
    const owner = await person('Olive Owner');
    const editor = await person('Eddie Editor');
    const finance = await person('Fran Finance');
    const slug = `stripe-audit-${uniqueSuffix()}`;
    const project = await owner.caller.project.create({ name: 'Stripe audit shop', slug });
    const projectId = project.id;
    await addMember(handle.db, projectId, editor.user.id, 'editor');
    await addMember(handle.db, projectId, finance.user.id, 'finance');
    const recorded = new Map<string, typeof auditEvents.$inferSelect>();
    /** Calls `path` as `who`; it must succeed and add exactly one entry with that action and actor. */
    async function audited(who: { caller: Caller; user: { name: string } }, path: string, input: object) {
      const before = await lastEntry(projectId);
      const fn = path.split('.').reduce<any>((node, key) => node[key], who.caller);
      const result = await fn({ projectId, ...input });
      const added = (
        await handle.db.select().from(auditEvents).where(eq(auditEvents.projectId, projectId)).orderBy(auditEvents.id)
      ).filter((e) => e.id > (before?.id ?? 0));
      expect(added.map((e) => `${e.action} by ${e.actorName}`)).toEqual([`${path} by ${who.user.name}`]);
      recorded.set(path, added[0]);
      return result;
    }

    // Keys: the owner moves the project to another sandbox account; the entry names the mode, never a key.
    const account = await env.sandbox.createAccount();
    await audited(owner, 'payments.saveKeys', {
      publishableKey: account.publishableKey,
      secretKey: account.secretKey,
      apiBase: 'sandbox',
    });

    // A shopper pays $15.00 for the order "Tea" on the sandbox; the finance member refunds $5.00 of it.
    await owner.caller.dataModel.createTable({
      projectId,
      name: 'orders',
      columns: [
        { name: 'title', type: 'text' },
        { name: 'amount', type: 'integer' },
      ],
    });
    await owner.caller.payments.activate({ projectId, orderTable: 'orders', confirmPermanent: true });
    const key = await owner.caller.apiKeys.create({ projectId, name: 'backend' });
    const shopper = await owner.caller.endUsers.create({ projectId, email: `ann-${uniqueSuffix()}@example.test` });
    const order = await insertRow(handle.db, projectId, BACKEND, 'orders', { title: 'Tea', amount: 1500 });
    const services = servicesFor(handle);
    const made = await handleRestRequest(
      services,
      new Request(`http://localhost/api/v1/${slug}/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
        body: JSON.stringify({ orderId: order.id, method: 'payment_intent' }),
      }),
      [slug, 'payments'],
    );
    expect(made.status).toBe(200);
    const { paymentId } = await made.json();
    await updateRows(handle.db, projectId, BACKEND, 'payment', [{ column: 'id', op: 'eq', value: paymentId }], {
      payer: shopper.id,
    });
    const paid = await getRow(handle.db, projectId, BACKEND, 'payment', paymentId);
    const { stripe } = await services.stripeAccounts.forProject(handle.db, projectId);
    await stripe.paymentIntents.confirm(String(paid?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    const [succeeded] = (await stripe.events.list({ type: 'payment_intent.succeeded' })).data;
    await handlePaymentEvent(handle.db, projectId, succeeded as never);
    await audited(finance, 'payments.refund', { paymentId, amount: '5.00' });

    // A message from Stripe starts an automation; the editor replays it, and retries a run that failed for good.
    const flow = await editor.caller.flows.create({ projectId, name: 'Record charges', events: ['charge.succeeded'] });
    await editor.caller.flows.publish({ projectId, flowId: flow.id });
    const secret = `whsec_audit_${uniqueSuffix()}`;
    const { endpoint } = await createWebhookEndpoint(handle.db, {
      projectId,
      purpose: 'custom',
      flowId: flow.id,
      enabledEvents: ['charge.succeeded'],
      secret,
    });
    const rawBody = JSON.stringify({
      id: `evt_${uniqueSuffix()}`,
      object: 'event',
      type: 'charge.succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: 'ch_audit', object: 'charge' } },
    });
    const delivered = await ingestStripeWebhook(handle, {
      endpointId: endpoint.id,
      rawBody,
      signatureHeader: stripeSignatureHeader(rawBody, secret),
      contentType: 'application/json',
      logger: createLogger({ TILLFLOW_LOG_LEVEL: 'error' }),
    });
    expect(delivered.status).toBe(200);
    const [received] = await editor.caller.events.list({ projectId });
    const { runIds } = await audited(editor, 'events.replay', { eventId: received.id });
    await handle.query(`update flow_run set status = 'failed', error = 'boom' where id = $1`, [runIds[0]]);
    await audited(editor, 'flows.retryRun', { runId: runIds[0] });

    const line = (path: string) => {
      const e = recorded.get(path);
      return { summary: e?.summary, before: e?.before, after: e?.after, who: e?.actorName, when: e?.createdAt };
    };
    expect(line('payments.saveKeys')).toMatchObject({
      who: 'Olive Owner',
      summary: 'Changed the Stripe keys (sandbox → sandbox)',
      before: { keys: 'sandbox' },
      after: { keys: 'sandbox' },
    });
    expect(line('payments.refund')).toMatchObject({
      who: 'Fran Finance',
      summary: `Refunded $5.00 of the $15.00 paid for order “Tea” by ${shopper.email}`,
      before: { paid: '$15.00', remaining: '$15.00' },
      after: { refunded: '$5.00', remaining: '$10.00' },
    });
    expect(line('events.replay')).toMatchObject({
      who: 'Eddie Editor',
      summary: expect.stringMatching(/^Replayed the message from Stripe that .+ \(1 automation started again\)$/),
      after: { runsStarted: 1 },
    });
    expect(line('flows.retryRun')).toMatchObject({
      who: 'Eddie Editor',
      summary: 'Retried a failed run of Record charges',
      before: { status: 'failed' },
      after: { status: 'queued' },
    });
    for (const path of NEEDS_STRIPE) expect(line(path).when).toBeInstanceOf(Date);
    // No secret and no raw id in any of them; the Activity page shows the same words with names.
    const all = JSON.stringify([...recorded.values()]);
    for (const secretText of [account.secretKey, account.publishableKey, key.key, secret, 'sk_', 'whsec_'])
      expect(all).not.toContain(secretText);
    for (const e of recorded.values()) expect(e.summary).not.toMatch(/#\d|pi_|ch_|evt_|[0-9a-f]{8}-[0-9a-f]{4}/);
    const { entries } = await owner.caller.activity.list({ projectId });
    expect(entries.map((e) => `${e.actorName}: ${e.summary}`)).toEqual(
      expect.arrayContaining([
        `Fran Finance: Refunded $5.00 of the $15.00 paid for order “Tea” by ${shopper.email}`,
        'Eddie Editor: Retried a failed run of Record charges',
      ]),
    );
    // The dashboard's refunds say who issued them.
    const issuers = await finance.caller.activity.refundIssuers({ projectId });
    expect(Object.values(issuers)).toEqual(['Fran Finance']);
  }, 180_000);

  it('a failed audit write rolls the change back; a refused or failed call records nothing', async () => {
    handle = env.handle;
    const owner = await person('Olive Owner');
    const editor = await person('Eddie Editor');
    const project = await owner.caller.project.create({ name: 'Atomic shop', slug: `atomic-${uniqueSuffix()}` });
    const projectId = project.id;
    await addMember(handle.db, projectId, editor.user.id, 'editor');
    const fn = `tf_refuse_audit_${uniqueSuffix()}`;
    await handle.query(
      `create function ${fn}() returns trigger language plpgsql as $$ begin
         if new.project_id = ${projectId} then raise exception 'audit store unavailable'; end if; return new; end $$`,
    );
    await handle.query(`create trigger ${fn} before insert on audit_event for each row execute function ${fn}()`);
    try {
      await expect(
        owner.caller.dataModel.createTable({ projectId, name: 'orders', columns: [{ name: 'title', type: 'text' }] }),
      ).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
      expect(await owner.caller.dataModel.listTables({ projectId })).toEqual(
        expect.not.arrayContaining([expect.objectContaining({ name: 'orders' })]),
      );
      await expect(
        owner.caller.members.setRole({ projectId, userId: editor.user.id, role: 'viewer' }),
      ).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
      const [membership] = await handle.db
        .select()
        .from(projectMembers)
        .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, editor.user.id)));
      expect(membership.role).toBe('editor');
      await expect(owner.caller.pages.create({ projectId, title: 'Pricing' })).rejects.toMatchObject({
        code: 'INTERNAL_SERVER_ERROR',
      });
      expect(await owner.caller.pages.list({ projectId })).toEqual(
        expect.not.arrayContaining([expect.objectContaining({ title: 'Pricing' })]),
      );
    } finally {
      await handle.query(`drop trigger ${fn} on audit_event`);
      await handle.query(`drop function ${fn}()`);
    }
    // Refused (wrong role) or failed (nothing to retry or replay) calls leave no entry and no change.
    await expect(editor.caller.apiKeys.create({ projectId, name: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      owner.caller.flows.retryRun({ projectId, runId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toBeTruthy();
    await expect(
      owner.caller.events.replay({ projectId, eventId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toBeTruthy();
    await expect(
      owner.caller.payments.refund({ projectId, paymentId: 999999, amount: '1.00' } as never),
    ).rejects.toBeTruthy();
    expect(await lastEntry(projectId)).toBeNull();
    // With the audit store back, the same change commits with its entry.
    await owner.caller.dataModel.createTable({ projectId, name: 'orders', columns: [{ name: 'title', type: 'text' }] });
    expect(await lastEntry(projectId)).toMatchObject({ action: 'dataModel.createTable', actorName: 'Olive Owner' });
  }, 120_000);
});
