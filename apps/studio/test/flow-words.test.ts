import { buildSystemFlow, getNodeType, systemFlowKinds } from '@tillflow/flow-model';
import { describe, expect, it } from 'vitest';
import { nodeLabelWords, stepSummary } from '~/app/projects/[projectId]/flows/_components/flow-node';
import { eventWords, expressionWords, fieldWords, runStatusWords, triggerWords } from '~/lib/flow-words';

describe('automations in people’s words', () => {
  it('trigger names say what happens, never the Stripe event code', () => {
    expect(triggerWords({ kind: 'stripe_webhook', events: ['payment_intent.succeeded'] })).toBe(
      'When a payment succeeds',
    );
    expect(
      triggerWords({ kind: 'stripe_webhook', events: ['payment_intent.succeeded', 'payment_intent.payment_failed'] }),
    ).toBe('When a payment succeeds or a payment fails');
    expect(triggerWords({ kind: 'stripe_webhook', events: [] }, 'StripePayment')).toBe(
      'When a payment succeeds, fails or expires',
    );
    expect(triggerWords({ kind: 'manual' })).toMatch(/^When you run it/);
    expect(eventWords('payout.paid')).toBe('payout paid');
    for (const kind of systemFlowKinds) {
      const flow = buildSystemFlow(kind, { orderTable: 'orders' });
      const words = triggerWords(flow.trigger, kind);
      expect(words).toMatch(/^When /);
      expect(words).not.toMatch(/[._]/);
    }
  });

  it('a condition reads as words with «field» chips and status labels', () => {
    expect(
      expressionWords(
        "{{ nodes.callback.paymentStatus == 'SUCCESSFUL' && nodes.callback.amountMatches && !nodes.callback.alreadyProcessed }}",
      ),
    ).toBe('«payment status» is "Paid" and «amount matches» and not «already processed»');
    expect(expressionWords("{{ coalesce(nodes.callback.customerEmail, '') != '' }}")).toBe(
      '«customer email» is not ""',
    );
    expect(expressionWords('Refund for order #{{ nodes.callback.orderId }}')).toBe('Refund for order #«order id»');
    expect(expressionWords('{{ trigger.data.object.amount >= 100000 }}')).toBe(
      '«data object amount» is at least 100000',
    );
    expect(fieldWords('items[0].unitPrice')).toBe('items 1 unit price');
  });

  it('no step of any system automation summarises itself with a nodes. path, braces or a status code', () => {
    for (const kind of systemFlowKinds) {
      const flow = buildSystemFlow(kind, {
        orderTable: 'orders',
        orderStatusColumn: {
          type: 'enum',
          enumOptions: ['pending', 'paid', 'failed', 'refunded', 'partially_refunded', 'disputed'],
        },
      });
      for (const node of flow.graph.nodes) {
        expect(getNodeType(node.type)).toBeTruthy();
        const summary = stepSummary(node.type, node.config);
        expect(summary, `${kind} › ${node.id}`).not.toMatch(/nodes\.|\{\{|\}\}|==|&&|\|\|/);
        expect(summary, `${kind} › ${node.id}`).not.toMatch(
          /\b(SUCCESSFUL|REFUNDED|FAILED|CANCELED|DISPUTED|ACTIVE)\b/,
        );
      }
    }
  });

  it('the trigger step and the variables step read without mechanism words', () => {
    // Older projects' system flows stored the trigger's name as "Stripe webhook"; the card names what it is.
    expect(nodeLabelWords('Stripe webhook')).toBe('When Stripe tells us');
    expect(nodeLabelWords('Payment callback')).toBe('Payment details');
    expect(nodeLabelWords('Mark order paid')).toBe('Mark order paid');
    expect(stepSummary('trigger', {})).toBe('When Stripe sends a message, or on a test run');
    for (const type of ['trigger', 'set_variables'])
      expect(getNodeType(type)?.description).not.toMatch(/webhook|vars\.|<name>|flow\b/i);
  });

  it('run and step statuses read as words', () => {
    expect(runStatusWords('succeeded')).toBe('Done');
    expect(runStatusWords('queued')).toBe('Waiting');
    expect(runStatusWords('failed')).toBe('Failed');
    expect(runStatusWords(null)).toBe('—');
  });
});
