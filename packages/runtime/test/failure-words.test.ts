import type { FlowDefinition } from '@tillflow/flow-model';
import { describe, expect, it } from 'vitest';
import { failureInWords } from '../src';

const definition = {
  trigger: { kind: 'stripe_webhook', events: ['payment_intent.succeeded'] },
  graph: {
    nodes: [
      { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
      { id: 'pay', type: 'stop', label: 'Check stock', config: {}, position: { x: 0, y: 0 } },
      { id: 'pay_2', type: 'stop', config: {}, position: { x: 0, y: 0 } },
    ],
    edges: [],
  },
} as unknown as FlowDefinition;

describe('a run failure in words', () => {
  it('names the step by its title (or its kind) and drops the internal id; the longest id wins', () => {
    expect(failureInWords('pay: Out of stock', definition)).toEqual({ step: 'Check stock', message: 'Out of stock' });
    expect(failureInWords('pay_2: HTTP 503', definition)).toEqual({ step: 'Stop', message: 'HTTP 503' });
  });

  it('keeps a failure outside any step as it is, and says something when there is none', () => {
    expect(failureInWords('Gave up: the run kept dying mid-flight.', definition)).toEqual({
      step: null,
      message: 'Gave up: the run kept dying mid-flight.',
    });
    expect(failureInWords('gone: x', null)).toEqual({ step: null, message: 'gone: x' });
    expect(failureInWords(null, definition).message).toBe('It stopped without saying why.');
  });
});
