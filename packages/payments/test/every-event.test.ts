import { stripeEventTypes } from '@tillflow/flow-model';
import { blankFlow, createFlow, listRuns } from '@tillflow/runtime';
import { describe, expect, it } from 'vitest';
import { publishProjectFlow } from '../src';
import { eventually, flowEnvironment, subscribeOnClock } from './flow-env';
import { paymentServices } from './harness';

const env = flowEnvironment();

// A custom flow may listen to any of Stripe's event types (flow-model's list, generated from Stripe's description),
// not only the ones the product's own automations use: its endpoint subscribes to exactly those, and they run it.
describe('a flow on any Stripe event type', () => {
  it('listens to invoice.finalized and coupon.created: its endpoint has exactly those, and each delivery runs it', async () => {
    const ctx = await env.project();
    const events = ['invoice.finalized', 'coupon.created'];
    expect(stripeEventTypes).toEqual(expect.arrayContaining(events));
    const flow = await createFlow(env.handle.db, {
      projectId: ctx.project.id,
      name: 'Bookkeeping',
      kind: 'custom',
      definition: blankFlow(events),
    });
    await publishProjectFlow(paymentServices(env.handle), ctx.project.id, flow.id, null);
    const endpoints = (await ctx.stripe.webhookEndpoints.list({ limit: 100 })).data;
    const ours = endpoints.filter((e) => e.metadata?.tillflow_flow_id === flow.id);
    expect(ours.map((e) => e.enabled_events)).toEqual([events]);

    await ctx.stripe.coupons.create({ percent_off: 10, duration: 'once' });
    await subscribeOnClock(env, ctx, { name: 'Bread club', amount: 900 });
    const runs = await eventually(async () => {
      const all = (await listRuns(env.handle.db, ctx.project.id, { limit: 200 })).filter((r) => r.flowId === flow.id);
      const done = all.filter((r) => r.status === 'succeeded').map((r) => r.eventType);
      return done.includes('invoice.finalized') && done.includes('coupon.created') ? all : null;
    }, 40_000);
    // Only what it listens to: the subscription's other events never start it.
    expect(new Set(runs.map((r) => r.eventType))).toEqual(new Set(events));
  });
});
