import { createTable, insertRow, queryRows, updateRows } from '@tillflow/data-model';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRunServices,
  hasNewerEventForObject,
  type NodeContext,
  type NodeExecutor,
  shouldApplyStripeObjectUpdate,
  startWorkers,
  stripeObjectVersionOf,
  type Workers,
} from '../src';
import { createHookedFlow, createRuntimeProject, type LooseFlow, post, stripeEvent, waitFor } from './harness';

/** Test doubles for node types of this test's own, passed to the workers' services. */
const doubles: Record<string, NodeExecutor> = {};

describe('shouldApplyStripeObjectUpdate', () => {
  it('lets newer events win and never regresses to an older one', () => {
    expect(shouldApplyStripeObjectUpdate(null, { eventCreated: 10 })).toBe(true);
    expect(shouldApplyStripeObjectUpdate({ eventCreated: 10 }, { eventCreated: 11 })).toBe(true);
    expect(shouldApplyStripeObjectUpdate({ eventCreated: 11 }, { eventCreated: 10 })).toBe(false);
    expect(
      shouldApplyStripeObjectUpdate({ eventCreated: 10, eventId: 'evt_a' }, { eventCreated: 10, eventId: 'evt_a' }),
    ).toBe(false);
    const updated = { eventCreated: 10, eventType: 'customer.subscription.updated', eventId: 'evt_u' };
    const created = { eventCreated: 10, eventType: 'customer.subscription.created', eventId: 'evt_c' };
    const deleted = { eventCreated: 10, eventType: 'customer.subscription.deleted', eventId: 'evt_d' };
    expect(shouldApplyStripeObjectUpdate(updated, created)).toBe(false);
    expect(shouldApplyStripeObjectUpdate(created, updated)).toBe(true);
    expect(shouldApplyStripeObjectUpdate(deleted, updated)).toBe(false);
  });

  it('within one second: created < updated (or an untyped event) < deleted, and a second event of the same step applies', () => {
    const at = (eventType: string | null, eventId: string | null) => ({ eventCreated: 10, eventType, eventId });
    const created = at('invoice.created', 'evt_c');
    const updated = at('invoice.updated', 'evt_u');
    const deleted = at('invoice.deleted', 'evt_d');
    const untyped = at(null, null);
    expect(shouldApplyStripeObjectUpdate(updated, deleted)).toBe(true);
    expect(shouldApplyStripeObjectUpdate(created, deleted)).toBe(true);
    expect(shouldApplyStripeObjectUpdate(deleted, created)).toBe(false);
    expect(shouldApplyStripeObjectUpdate(updated, at('invoice.updated', 'evt_u2'))).toBe(true);
    expect(shouldApplyStripeObjectUpdate(created, untyped)).toBe(true);
    expect(shouldApplyStripeObjectUpdate(untyped, created)).toBe(false);
    expect(shouldApplyStripeObjectUpdate(deleted, untyped)).toBe(false);
    expect(shouldApplyStripeObjectUpdate(untyped, updated)).toBe(true);
    // a name that merely contains a step is not that step
    expect(shouldApplyStripeObjectUpdate(updated, at('invoice.created_note', 'evt_x'))).toBe(true);
    expect(shouldApplyStripeObjectUpdate(updated, at('invoice.deleted_soon', 'evt_y'))).toBe(true);
    expect(shouldApplyStripeObjectUpdate(at('invoice.deleted_soon', 'evt_y'), updated)).toBe(true);
  });

  it('only a known event id counts as already applied; a row with no readable version takes any event', () => {
    expect(
      shouldApplyStripeObjectUpdate({ eventCreated: 10, eventId: null }, { eventCreated: 10, eventId: null }),
    ).toBe(true);
    expect(shouldApplyStripeObjectUpdate({ eventCreated: 10, eventId: 'evt_a' }, { eventCreated: 10 })).toBe(true);
    expect(shouldApplyStripeObjectUpdate({ eventCreated: 10 }, { eventCreated: 10, eventId: 'evt_a' })).toBe(true);
    // the same event id is never applied twice, even if its time were to read later
    expect(
      shouldApplyStripeObjectUpdate({ eventCreated: 10, eventId: 'evt_a' }, { eventCreated: 11, eventId: 'evt_a' }),
    ).toBe(false);
    expect(shouldApplyStripeObjectUpdate({ eventCreated: Number.NaN }, { eventCreated: 1 })).toBe(true);
    expect(shouldApplyStripeObjectUpdate(undefined, { eventCreated: 1 })).toBe(true);
    expect(stripeObjectVersionOf({ id: 'evt_1', type: 'invoice.paid', created: 5 })).toEqual({
      eventCreated: 5,
      eventId: 'evt_1',
      eventType: 'invoice.paid',
    });
  });
});

// A handler in the style the payments module uses: keeps the subscription row
// and the version of the event it last applied, writes only newer events.
describe('out-of-order subscription events', () => {
  let handle: DbHandle;
  let workers: Workers;
  let projectId: number;
  beforeAll(async () => {
    handle = await createTestDb();
    projectId = (await createRuntimeProject(handle)).id;
    await createTable(handle.db, projectId, {
      name: 'subscription',
      columns: [
        { name: 'stripe_id', type: 'text', unique: true },
        { name: 'status', type: 'text' },
        { name: 'event_created', type: 'integer' },
        { name: 'event_type', type: 'text' },
      ],
    });
    doubles.test_subscription_mirror = {
      effect: 'database',
      async execute(ctx: NodeContext) {
        const event = ctx.trigger as {
          id: string;
          type: string;
          created: number;
          data: { object: { id: string; status: string } };
        };
        const sub = event.data.object;
        const backend = { kind: 'backend' } as const;
        const [current] = (
          await queryRows(ctx.tx, ctx.projectId, backend, 'subscription', {
            filters: [{ column: 'stripe_id', op: 'eq', value: sub.id }],
          })
        ).rows;
        const incoming = { eventCreated: event.created, eventType: event.type, eventId: event.id };
        if (!current) {
          await insertRow(ctx.tx, ctx.projectId, backend, 'subscription', {
            stripe_id: sub.id,
            status: sub.status,
            event_created: event.created,
            event_type: event.type,
          });
          return { applied: true };
        }
        const applied = shouldApplyStripeObjectUpdate(
          { eventCreated: Number(current.event_created), eventType: String(current.event_type) },
          incoming,
        );
        if (applied)
          await updateRows(
            ctx.tx,
            ctx.projectId,
            backend,
            'subscription',
            [{ column: 'id', op: 'eq', value: current.id }],
            {
              status: sub.status,
              event_created: event.created,
              event_type: event.type,
            },
          );
        return { applied, alreadyProcessed: !applied };
      },
    };
    workers = await startWorkers(createRunServices({ database: handle, executors: doubles }), {
      pollMs: 30,
      concurrency: 1,
      projectIds: [projectId],
    });
  });
  afterAll(async () => {
    await workers?.stop();
    await handle?.close();
  });

  it('ends in Stripe’s final state whatever order created/updated/stale updates arrive in', async () => {
    const flow: LooseFlow = {
      trigger: {
        type: 'stripe_webhook',
        eventTypes: ['customer.subscription.created', 'customer.subscription.updated'],
      },
      nodes: [{ id: 'mirror', type: 'test_subscription_mirror' }],
      edges: [],
    };
    const hook = await createHookedFlow(handle, projectId, flow, { skipValidation: true }); // a test-only node type
    const subId = `sub_${Date.now()}`;
    const t = Math.floor(Date.now() / 1000) - 100;
    const created = stripeEvent('customer.subscription.created', { id: subId, status: 'incomplete' }, t);
    const active = stripeEvent('customer.subscription.updated', { id: subId, status: 'active' }, t + 5);
    const pastDue = stripeEvent('customer.subscription.updated', { id: subId, status: 'past_due' }, t + 60);
    // Stripe's order: created, active, past_due. Delivered: past_due, created, active (stale), created again.
    for (const event of [pastDue, created, active, created]) {
      expect((await post(handle, hook.endpointId, hook.secret, event)).status).toBe(200);
    }
    await waitFor(async () => {
      const [row] = await executeRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from flow_run where flow_id = ${hook.flow.id} and status = 'succeeded'`,
      );
      return Number(row.n) === 3;
    });
    const [row] = (
      await queryRows(handle.db, projectId, { kind: 'backend' }, 'subscription', {
        filters: [{ column: 'stripe_id', op: 'eq', value: subId }],
      })
    ).rows;
    expect(row.status).toBe('past_due');
    expect(await hasNewerEventForObject(handle.db, projectId, active)).toBe(true);
    expect(await hasNewerEventForObject(handle.db, projectId, pastDue)).toBe(false);
    // an event about no object (no id) is never stale
    const objectless = { ...active, id: `${active.id}_x`, data: { object: {} } };
    expect(await hasNewerEventForObject(handle.db, projectId, objectless)).toBe(false);
  });
});
