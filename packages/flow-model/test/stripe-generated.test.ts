import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  API_OUTPUT,
  DESCRIPTION_PATH,
  EVENTS_OUTPUT,
  generateApiModule,
  generateEventsModule,
  generateObjectsModule,
  OBJECTS_OUTPUT,
} from '../scripts/stripe-catalog';
import { stripeEventTypes as documentedTypes } from '../scripts/stripe-event-objects';
import {
  getNodeType,
  sampleStripeEvent,
  stripeApiOperation,
  stripeApiOperations,
  stripeEventGroups,
  stripeEventType,
  stripeEventTypes,
  validateFlow,
} from '../src';

// The Stripe data flow-model generates from the pinned copy of Stripe's description: the committed files are what the
// description gives today, every event type Stripe documents is offered, grouped, typed and has a sample.
const root = path.resolve(import.meta.dirname, '../../..');
const description = JSON.parse(readFileSync(path.join(root, DESCRIPTION_PATH), 'utf8'));

describe('generated Stripe event data', () => {
  it('is what the pinned description gives (re-run scripts/generate-stripe.ts after re-trimming it)', () => {
    expect(readFileSync(path.join(root, EVENTS_OUTPUT), 'utf8')).toBe(generateEventsModule(description));
    expect(readFileSync(path.join(root, OBJECTS_OUTPUT), 'utf8')).toBe(generateObjectsModule(description));
    expect(readFileSync(path.join(root, API_OUTPUT), 'utf8')).toBe(generateApiModule(description));
  });

  it('offers every event type the description documents, each in exactly one group by the object it carries', () => {
    const documented = documentedTypes(description);
    expect(documented.length).toBeGreaterThan(200);
    expect(stripeEventTypes).toEqual(expect.arrayContaining(documented));
    const grouped = stripeEventGroups().flatMap((g) => g.types);
    expect(grouped.sort()).toEqual([...stripeEventTypes].sort());
    const groups = stripeEventGroups();
    expect(groups.find((g) => g.object === 'checkout.session')).toMatchObject({
      title: 'Checkout session',
      types: expect.arrayContaining(['checkout.session.completed', 'checkout.session.expired']),
    });
    expect(groups.find((g) => g.object === 'subscription')?.types).toContain('customer.subscription.trial_will_end');
    expect(groups.find((g) => g.object === 'issuing.card')?.types).toEqual([
      'issuing_card.created',
      'issuing_card.updated',
    ]);
  });

  it('samples every type with its object’s fields, typed like the trigger binds them', () => {
    for (const type of stripeEventTypes) {
      const sample = sampleStripeEvent(type) as { type: string; data: { object: Record<string, unknown> } };
      expect(sample.type).toBe(type);
      const envelope = stripeEventType(type);
      const object =
        envelope.kind === 'object' && envelope.fields.data.kind === 'object'
          ? envelope.fields.data.fields.object
          : null;
      if (object?.kind !== 'object') throw new Error(`${type} has no object type`);
      for (const key of Object.keys(sample.data.object)) expect(object.fields, `${type} › ${key}`).toHaveProperty(key);
      if ('id' in object.fields) expect(sample.data.object.id, type).toEqual(expect.any(String));
      expect(Object.keys(sample.data.object).length, type).toBeGreaterThan(0);
    }
  });

  it('gives a type outside the old hand list its schema’s fields and the status its name says', () => {
    expect(sampleStripeEvent('invoice.voided').data).toMatchObject({ object: { object: 'invoice', status: 'void' } });
    expect(sampleStripeEvent('setup_intent.canceled').data).toMatchObject({ object: { status: 'canceled' } });
    expect(sampleStripeEvent('payout.paid').data).toMatchObject({
      object: { id: 'payout_sample', object: 'payout', currency: 'usd', amount: 1000, metadata: {} },
    });
    const payout = stripeEventType('payout.paid');
    expect(payout).toMatchObject({
      fields: {
        data: { fields: { object: { fields: { arrival_date: { kind: 'number' }, method: { kind: 'string' } } } } },
      },
    });
  });
});

describe('generated Stripe API operations', () => {
  it('cover create, get, update, list, search and delete of the resources a builder needs', () => {
    const ids = stripeApiOperations.map((op) => op.id);
    for (const id of [
      'customers.create',
      'customers.retrieve',
      'customers.update',
      'customers.list',
      'customers.search',
      'customers.del',
      'paymentIntents.create',
      'paymentIntents.confirm',
      'checkout.sessions.create',
      'subscriptions.create',
      'subscriptions.cancel',
      'invoices.list',
      'invoiceItems.create',
      'prices.create',
      'products.create',
      'coupons.create',
      'promotionCodes.create',
      'refunds.create',
      'billingPortal.sessions.create',
      'setupIntents.create',
      // every operation flows could call before stays, by the same name
      'charges.retrieve',
      'invoices.retrieve',
      'checkout.sessions.retrieve',
    ])
      expect(ids).toContain(id);
    expect(
      getNodeType('stripe_api_call')?.configSchema.safeParse({
        operation: 'prices.search',
        params: { query: 'active:"true"' },
      }).success,
    ).toBe(true);
  });

  it('type each parameter and the answer from the description', () => {
    const create = stripeApiOperation('prices.create');
    expect(create).toMatchObject({
      method: 'POST',
      path: '/v1/prices',
      resource: 'Prices',
      returns: { list: false, object: 'price' },
    });
    expect(create?.params.find((p) => p.name === 'currency')).toMatchObject({
      in: 'body',
      required: true,
      type: { kind: 'string' },
    });
    expect(create?.params.find((p) => p.name === 'recurring')?.type).toMatchObject({
      kind: 'object',
      open: false,
      fields: { interval: { kind: 'enum', values: ['day', 'month', 'week', 'year'] } },
    });
    expect(stripeApiOperation('customers.retrieve')?.params).toEqual([
      { name: 'id', in: 'path', required: true, type: { kind: 'string' }, description: 'The customer’s id.' },
    ]);
    const list = getNodeType('stripe_api_call')?.outputShape({ operation: 'customers.list', params: {} } as never, {
      trigger: { kind: 'any' },
    });
    expect(list).toMatchObject({
      kind: 'object',
      fields: { data: { kind: 'array', items: { fields: { email: { kind: 'string' } } } } },
    });
  });
});

describe('a Stripe API step with a wrong parameter', () => {
  it('is refused before publishing, in words, on the parameter it is about', () => {
    const issues = validateFlow({
      trigger: { kind: 'manual' },
      graph: {
        nodes: [
          { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
          {
            id: 'ask',
            type: 'stripe_api_call',
            config: { operation: 'customers.retrieve', params: { colour: 'red' } },
            position: { x: 0, y: 100 },
          },
        ],
        edges: [{ id: 'e', source: 'trigger', target: 'ask' }],
      },
    });
    expect(issues).toEqual([
      {
        code: 'invalid_config',
        nodeId: 'ask',
        field: 'params.colour',
        message: 'Stripe API call: Customers: get one has no parameter "colour". It takes id.',
      },
      {
        code: 'invalid_config',
        nodeId: 'ask',
        field: 'params.id',
        message: 'Stripe API call: Customers: get one needs "id" (The customer’s id).',
      },
    ]);
  });
});
