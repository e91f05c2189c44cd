import type { ConfigOf, OutputOf, RunConfigOf } from '@tillflow/flow-model';
import type { Executors, NodeContext } from '@tillflow/runtime';
import { describe, expectTypeOf, it } from 'vitest';
import { PAYMENT_NODE_EXECUTORS } from '../src';

// `npm run typecheck` (tsc over src and test) is what this file is for: each `@ts-expect-error` below is an
// executor that disagrees with its catalog entry, and tsc fails if any of them compiles. The vitest part
// only keeps the file in the suite.

// An executor for send_email written against its own idea of the config (a `recipient` field) is refused.
const wrongConfig: Executors['send_email'] = {
  effect: 'external',
  // @ts-expect-error the catalog's send_email config has `to`, not `recipient`
  execute: (ctx: NodeContext<{ recipient: string; subject: string }>) => ({
    messageId: ctx.config.recipient,
    accepted: [],
    delivered: false,
  }),
};

// Reading a field the catalog does not declare is refused.
const unknownField: Executors['http_request'] = {
  effect: 'external',
  execute: (ctx) => ({
    // @ts-expect-error the catalog's http_request config has no `endpoint`
    status: ctx.config.endpoint,
    body: null,
  }),
};

// Returning another output shape than the catalog's is refused.
const wrongOutput: Executors['stop'] = {
  effect: 'pure',
  // @ts-expect-error stop outputs { outcome, message }; `outcome` is 'success' | 'fail'
  execute: () => ({ outcome: 'done', message: '' }),
};

// A node type without an executor is refused.
// @ts-expect-error every catalog node type needs an executor (here `code` and others are missing)
const missing: Executors = { trigger: { effect: 'pure', execute: (ctx) => ctx.trigger } };

describe('executors are typed by the catalog', () => {
  it('configs and outputs come from the catalog entry', () => {
    expectTypeOf<ConfigOf<'send_email'>['to']>().toEqualTypeOf<string | string[]>();
    expectTypeOf<ConfigOf<'http_request'>['headers']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<ConfigOf<'code'>['timeoutMs']>().toEqualTypeOf<number>();
    // A condition's expression reaches its executor evaluated: any value.
    expectTypeOf<RunConfigOf<'condition'>['expression']>().toEqualTypeOf<unknown>();
    expectTypeOf<OutputOf<'stripe_payment_callback'>['paymentStatus']>().toEqualTypeOf<
      'SUCCESSFUL' | 'FAILED' | 'PENDING' | 'CANCELED' | 'AMOUNT_MISMATCH' | null
    >();
    expectTypeOf(PAYMENT_NODE_EXECUTORS.stripe_payment_callback).toEqualTypeOf<Executors['stripe_payment_callback']>();
    void [wrongConfig, unknownField, wrongOutput, missing];
  });
});
