import type { DbHandle } from '@tillflow/db';
import { validateFlow } from '@tillflow/flow-model';
import { createFlow, testRunFlow } from '@tillflow/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, type Sandbox, startEnvironment, testServices } from './harness';

// The Stripe API step, whose operations and parameters are generated from Stripe's description, calling the
// project's own sandbox account through the project's Stripe client.
let handle: DbHandle;
let sandbox: Sandbox;
beforeAll(async () => {
  ({ handle, sandbox } = await startEnvironment());
});
afterAll(async () => {
  await sandbox?.close();
  await handle?.close();
});

const node = (id: string, operation: string, params: Record<string, unknown>, y: number) => ({
  id,
  type: 'stripe_api_call',
  config: { operation, params },
  position: { x: 0, y },
});

async function run(projectId: number, nodes: ReturnType<typeof node>[], event: unknown = {}) {
  const definition = {
    trigger: { kind: 'manual' as const },
    graph: {
      nodes: [{ id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } }, ...nodes],
      edges: nodes.map((n, i) => ({ id: `e${i}`, source: i === 0 ? 'trigger' : nodes[i - 1].id, target: n.id })),
    },
  };
  const flow = await createFlow(handle.db, {
    projectId,
    name: `Stripe steps ${Math.random()}`,
    kind: 'custom',
    definition,
    skipValidation: true,
  });
  return {
    definition,
    result: await testRunFlow(testServices(handle), { flowId: flow.id, definition, event, rollback: false }),
  };
}

describe('the Stripe API step', () => {
  it('creates a customer, then a payment intent for that customer, on the project’s sandbox account', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox);
    const { definition, result } = await run(project.id, [
      node('customer', 'customers.create', { email: 'ada@example.test', name: 'Ada', metadata: { plan: 'gold' } }, 100),
      node(
        'intent',
        'paymentIntents.create',
        {
          amount: 2500,
          currency: 'usd',
          customer: '{{ nodes.customer.id }}',
          description: 'Bread for {{ nodes.customer.name }}',
        },
        200,
      ),
      node('found', 'customers.search', { query: "email:'ada@example.test'" }, 300),
    ]);
    expect(validateFlow(definition)).toEqual([]);
    expect(result.status).toBe('succeeded');
    const out = (id: string) => result.steps.find((s) => s.nodeId === id)?.output as Record<string, any>;
    expect(out('customer')).toMatchObject({
      object: 'customer',
      email: 'ada@example.test',
      metadata: { plan: 'gold' },
    });
    expect(out('intent')).toMatchObject({
      object: 'payment_intent',
      amount: 2500,
      currency: 'usd',
      customer: out('customer').id,
      description: 'Bread for Ada',
    });
    expect(out('found').data.map((c: { id: string }) => c.id)).toEqual([out('customer').id]);
    // They are on the project's account, as Stripe has them.
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    expect((await stripe.paymentIntents.retrieve(out('intent').id)).customer).toBe(out('customer').id);
  });

  it('a parameter that turns out wrong when run fails the step in words, and Stripe’s own refusal reads in words too', async () => {
    const { project } = await createPaymentsProject(handle, sandbox);
    const wrongType = await run(
      project.id,
      [node('intent', 'paymentIntents.create', { amount: '{{ trigger.amount }}', currency: 'usd' }, 100)],
      { amount: 'twenty' },
    );
    expect(wrongType.result.status).toBe('failed');
    expect(wrongType.result.steps.find((s) => s.nodeId === 'intent')?.error).toBe(
      'Stripe API call settings are not valid: "amount" must be a number, not "twenty".',
    );
    const missing = await run(project.id, [node('get', 'customers.retrieve', { id: 'cus_does_not_exist' }, 100)]);
    expect(missing.result.steps.find((s) => s.nodeId === 'get')?.error).toMatch(
      /^Stripe: No such customer: 'cus_does_not_exist'/,
    );
  });
});
