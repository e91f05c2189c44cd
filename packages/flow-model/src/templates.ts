import { systemTriggerLabels } from './flow-titles';
import { ORDER_STATUSES_BY_PAYMENT } from './payment-statuses';
import type { FlowDefinition, FlowEdge, FlowNode } from './types';

export type SystemFlowKind =
  | 'StripePayment'
  | 'StripeRefund'
  | 'StripeRecurringPaymentManagement'
  | 'StripeRecurringPaymentDeduction'
  | 'StripeDispute';
export const systemFlowKinds: SystemFlowKind[] = [
  'StripePayment',
  'StripeRefund',
  'StripeRecurringPaymentManagement',
  'StripeRecurringPaymentDeduction',
  'StripeDispute',
];

export const systemFlowEvents: Record<SystemFlowKind, string[]> = {
  StripePayment: [
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'checkout.session.async_payment_failed',
    'checkout.session.expired',
    'payment_intent.succeeded',
    'payment_intent.payment_failed',
    'payment_intent.canceled',
  ],
  StripeRefund: ['refund.created', 'refund.updated', 'refund.failed', 'charge.refunded', 'charge.refund.updated'],
  StripeRecurringPaymentManagement: [
    'customer.subscription.created',
    'customer.subscription.updated',
    'customer.subscription.deleted',
  ],
  StripeRecurringPaymentDeduction: ['invoice.paid', 'invoice.payment_failed'],
  StripeDispute: ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed'],
};

interface SystemFlowSpec {
  callbackType: string;
  callbackLabel: string;
  condition: string;
  conditionLabel: string;
  updateLabel: string;
  orderStatus: string;
}

const specs: Record<SystemFlowKind, SystemFlowSpec> = {
  StripePayment: {
    callbackType: 'stripe_payment_callback',
    callbackLabel: 'Payment details',
    condition:
      "{{ nodes.callback.paymentStatus == 'SUCCESSFUL' && nodes.callback.amountMatches && !nodes.callback.alreadyProcessed }}",
    conditionLabel: 'Payment succeeded?',
    updateLabel: 'Mark order paid',
    orderStatus: 'paid',
  },
  StripeRefund: {
    callbackType: 'stripe_refund_callback',
    callbackLabel: 'Refund details',
    condition: "{{ nodes.callback.status == 'REFUNDED' && !nodes.callback.alreadyProcessed }}",
    conditionLabel: 'Refund completed?',
    updateLabel: 'Mark order refunded',
    orderStatus: 'refunded',
  },
  StripeRecurringPaymentManagement: {
    callbackType: 'stripe_recurring_management_callback',
    callbackLabel: 'Subscription details',
    condition:
      "{{ (nodes.callback.status == 'ACTIVE' || nodes.callback.status == 'TRIALING') && nodes.callback.amountMatches }}",
    conditionLabel: 'Subscription active?',
    updateLabel: 'Mark order active',
    orderStatus: 'active',
  },
  StripeRecurringPaymentDeduction: {
    callbackType: 'stripe_recurring_deduction_callback',
    callbackLabel: 'Renewal details',
    condition: "{{ nodes.callback.paymentStatus == 'SUCCESSFUL' && !nodes.callback.alreadyProcessed }}",
    conditionLabel: 'Renewal paid?',
    updateLabel: 'Mark renewal order paid',
    orderStatus: 'paid',
  },
  StripeDispute: {
    callbackType: 'stripe_dispute_callback',
    callbackLabel: 'Dispute details',
    condition: "{{ nodes.callback.disputeStatus == 'DISPUTED' && !nodes.callback.alreadyProcessed }}",
    conditionLabel: 'Dispute opened?',
    updateLabel: 'Mark order disputed',
    orderStatus: 'disputed',
  },
};

/**
 * Order statuses a default node must not overwrite with the given one (they come later in an order's life).
 * A dispute stands over the payment's own moves: while it is open the order stays `disputed` (a won one puts it
 * back where its payment says, see addDisputeOutcomes), and a lost one ends it as `dispute_lost`.
 */
const AFTER_PAYMENT = ['paid', 'disputed', 'dispute_lost', 'refunded', 'partially_refunded'];
const LATER_ORDER_STATUSES: Record<string, string[]> = {
  // A failed or abandoned attempt never undoes a payment that went through.
  pending: AFTER_PAYMENT,
  failed: AFTER_PAYMENT,
  paid: ['disputed', 'dispute_lost', 'refunded', 'partially_refunded'],
  partially_refunded: ['disputed', 'dispute_lost', 'refunded'],
  refunded: ['disputed', 'dispute_lost'],
  disputed: ['dispute_lost'],
};

const at = (x: number, y: number) => ({ x, y });
const edge = (source: string, target: string, branch?: string): FlowEdge => ({
  id: `${source}__${branch ?? 'next'}__${target}`,
  source,
  target,
  ...(branch ? { branch } : {}),
});

/**
 * The built-in flow behind one Stripe system flow: trigger → callback → branch are locked;
 * the "update order status" node on the success branch is the builder's to keep or change.
 */
export function buildSystemFlow(
  kind: SystemFlowKind,
  opts: {
    orderTable: string;
    /** The order table's status column, when known: the update node is added only if it can take the status. */
    orderStatusColumn?: { type: string; enumOptions?: string[] | null } | null;
  },
): FlowDefinition {
  const spec = specs[kind];
  const status = opts.orderStatusColumn;
  const canSet = (value: string) =>
    status === undefined ||
    (status !== null &&
      (status.type === 'text' || (status.type === 'enum' && (status.enumOptions ?? []).includes(value))));
  const canSetStatus = canSet(spec.orderStatus);
  const nodes: FlowNode[] = [
    { id: 'trigger', type: 'trigger', label: systemTriggerLabels[kind], config: {}, position: at(0, 0), locked: true },
    {
      id: 'callback',
      type: spec.callbackType,
      label: spec.callbackLabel,
      // A renewal order starts unpaid (the success branch marks it paid), whatever its first order says now.
      config:
        kind === 'StripeRecurringPaymentDeduction' && canSet('pending')
          ? { orderTable: opts.orderTable, orderFieldMapping: { status: 'pending' } }
          : { orderTable: opts.orderTable },
      position: at(0, 140),
      locked: true,
    },
    {
      id: 'branch',
      type: 'condition',
      label: spec.conditionLabel,
      config: { expression: spec.condition },
      position: at(0, 280),
      locked: true,
    },
  ];
  const edges = [edge('trigger', 'callback'), edge('callback', 'branch')];
  // Two flows about one order run concurrently (a dispute opened while the payment's own flow is still running):
  // an order already past this status (e.g. disputed before it was marked paid) is left where it is.
  const updateOrder: UpdateOrder = (id, label, value, position, unless = LATER_ORDER_STATUSES[value] ?? []) => ({
    id,
    type: 'update_rows',
    label,
    config: {
      table: opts.orderTable,
      filters: [
        { column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' },
        ...unless.filter(canSet).map((later) => ({ column: 'status', op: 'neq', value: later })),
      ],
      values: { status: value },
    },
    position,
  });
  if (kind === 'StripeRefund') {
    // A partial refund must not mark the whole order refunded: branch on what remains of the payment.
    addRefundBranches(nodes, edges, updateOrder, canSet);
    return { trigger: { kind: 'stripe_webhook', events: [...systemFlowEvents[kind]] }, graph: { nodes, edges } };
  }
  if (canSetStatus) {
    nodes.push(updateOrder('update_order', spec.updateLabel, spec.orderStatus, at(-160, 420)));
    edges.push(edge('branch', 'update_order', 'true'));
  }
  // One-time payments and subscription renewals email a receipt (a subscription's start does not: Stripe's
  // own invoice email covers it, and its flow is about status, not a charge).
  if (kind === 'StripePayment' || kind === 'StripeRecurringPaymentDeduction')
    addReceipt(nodes, edges, canSetStatus ? 'update_order' : null);
  if (kind === 'StripePayment') addUnpaidBranches(nodes, edges, updateOrder, canSet);
  if (kind === 'StripeDispute') {
    addAdminAlert(nodes, edges, canSetStatus ? 'update_order' : null);
    addDisputeOutcomes(nodes, edges, updateOrder, canSet, opts.orderTable);
  }
  return { trigger: { kind: 'stripe_webhook', events: [...systemFlowEvents[kind]] }, graph: { nodes, edges } };
}

type UpdateOrder = (
  id: string,
  label: string,
  value: string,
  position: { x: number; y: number },
  /** Order statuses left as they are (default: those later than `value`). */
  unless?: string[],
) => FlowNode;

function addRefundBranches(
  nodes: FlowNode[],
  edges: FlowEdge[],
  updateOrder: UpdateOrder,
  canSet: (v: string) => boolean,
) {
  nodes.push({
    id: 'fully_refunded',
    type: 'condition',
    label: 'Fully refunded?',
    config: { expression: "{{ nodes.callback.paymentStatus == 'REFUNDED' }}" },
    position: at(-160, 420),
  });
  edges.push(edge('branch', 'fully_refunded', 'true'));
  if (canSet('refunded')) {
    nodes.push(updateOrder('update_order', 'Mark order refunded', 'refunded', at(-320, 560)));
    edges.push(edge('fully_refunded', 'update_order', 'true'));
  }
  if (canSet('partially_refunded')) {
    nodes.push(updateOrder('update_order_partial', 'Mark order partially refunded', 'partially_refunded', at(0, 560)));
    edges.push(edge('fully_refunded', 'update_order_partial', 'false'));
  }
  // The shopper is told, once per completed refund (the branch excludes repeats), whether full or partial.
  nodes.push(
    {
      id: 'has_refund_address',
      type: 'condition',
      label: 'Buyer has an email?',
      config: { expression: "{{ coalesce(nodes.callback.customerEmail, '') != '' }}" },
      position: at(-160, 700),
    },
    {
      id: 'send_refund_notice',
      type: 'send_email',
      label: 'Email the refund notice',
      config: {
        to: '{{ nodes.callback.customerEmail }}',
        from: '{{ nodes.callback.fromAddress }}',
        subject: 'Refund for order #{{ nodes.callback.orderId }}',
        text: '{{ nodes.callback.noticeText }}',
        html: '{{ nodes.callback.noticeHtml }}',
      },
      position: at(-160, 840),
    },
  );
  edges.push(
    canSet('refunded')
      ? edge('update_order', 'has_refund_address')
      : edge('fully_refunded', 'has_refund_address', 'true'),
    canSet('partially_refunded')
      ? edge('update_order_partial', 'has_refund_address')
      : edge('fully_refunded', 'has_refund_address', 'false'),
    edge('has_refund_address', 'send_refund_notice', 'true'),
  );
  // A refund that fails (or is canceled) after it was accepted gives the money back: the order is paid again.
  if (canSet('paid')) {
    nodes.push(
      {
        id: 'refund_reverted',
        type: 'condition',
        label: 'Refund failed, nothing refunded?',
        config: {
          expression:
            "{{ (nodes.callback.status == 'FAILED' || nodes.callback.status == 'CANCELED') && !nodes.callback.alreadyProcessed && nodes.callback.paymentStatus == 'SUCCESSFUL' }}",
        },
        position: at(160, 420),
      },
      updateOrder('update_order_paid', 'Mark order paid again', 'paid', at(160, 560), ['disputed', 'dispute_lost']),
    );
    edges.push(edge('branch', 'refund_reverted', 'false'), edge('refund_reverted', 'update_order_paid', 'true'));
  }
}

/**
 * The payment did not go through: a declined or failed delayed method (async_payment_failed,
 * payment_failed) marks the order failed; an expired checkout or a canceled intent puts it back
 * to pending (unpaid, payable again) instead of leaving it stuck.
 */
function addUnpaidBranches(
  nodes: FlowNode[],
  edges: FlowEdge[],
  updateOrder: UpdateOrder,
  canSet: (v: string) => boolean,
) {
  const fresh = '!nodes.callback.alreadyProcessed';
  if (canSet('failed')) {
    nodes.push(
      {
        id: 'payment_failed',
        type: 'condition',
        label: 'Payment declined?',
        config: { expression: `{{ nodes.callback.paymentStatus == 'FAILED' && ${fresh} }}` },
        position: at(160, 420),
      },
      updateOrder('update_order_failed', 'Mark order failed', 'failed', at(160, 560)),
    );
    edges.push(edge('branch', 'payment_failed', 'false'), edge('payment_failed', 'update_order_failed', 'true'));
  }
  if (canSet('pending')) {
    nodes.push(
      {
        id: 'payment_abandoned',
        type: 'condition',
        label: 'Checkout expired or payment canceled?',
        config: { expression: `{{ nodes.callback.paymentStatus == 'CANCELED' && ${fresh} }}` },
        position: at(400, 420),
      },
      updateOrder('update_order_unpaid', 'Mark order unpaid again', 'pending', at(400, 560)),
    );
    edges.push(edge('branch', 'payment_abandoned', 'false'), edge('payment_abandoned', 'update_order_unpaid', 'true'));
  }
}

/**
 * How a dispute ends for the order: lost, the money went back to the buyer and the order ends `dispute_lost`;
 * won, an order the dispute marked `disputed` goes back to where its payment alone puts it (paid, partially
 * refunded or refunded; pending or failed when the payment's own events have not said paid yet), so refunds and
 * payments recorded while it was disputed (their nodes leave a disputed order alone) count again.
 */
function addDisputeOutcomes(
  nodes: FlowNode[],
  edges: FlowEdge[],
  updateOrder: UpdateOrder,
  canSet: (v: string) => boolean,
  orderTable: string,
) {
  const fresh = '!nodes.callback.alreadyProcessed';
  if (canSet('dispute_lost')) {
    nodes.push(
      {
        id: 'dispute_lost',
        type: 'condition',
        label: 'Dispute lost?',
        config: { expression: `{{ nodes.callback.disputeStatus == 'LOST' && ${fresh} }}` },
        position: at(160, 420),
      },
      updateOrder('update_order_lost', 'Mark order dispute lost', 'dispute_lost', at(160, 560)),
    );
    edges.push(edge('branch', 'dispute_lost', 'false'), edge('dispute_lost', 'update_order_lost', 'true'));
  }
  if (canSet('disputed') && ORDER_STATUSES_BY_PAYMENT.every(canSet)) {
    nodes.push(
      {
        id: 'dispute_won',
        type: 'condition',
        label: 'Dispute won?',
        config: { expression: `{{ nodes.callback.disputeStatus == 'WON' && ${fresh} }}` },
        position: at(400, 560),
      },
      {
        id: 'update_order_won',
        type: 'update_rows',
        label: 'Put the order back as its payment says',
        config: {
          table: orderTable,
          filters: [
            { column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' },
            { column: 'status', op: 'eq', value: 'disputed' },
          ],
          values: { status: '{{ nodes.callback.orderStatusByPayment }}' },
        },
        position: at(400, 700),
      },
    );
    edges.push(
      canSet('dispute_lost') ? edge('dispute_lost', 'dispute_won', 'false') : edge('branch', 'dispute_won', 'false'),
      edge('dispute_won', 'update_order_won', 'true'),
    );
  }
}

/** A dispute has a deadline for evidence: the project's owner is emailed when one opens. */
function addAdminAlert(nodes: FlowNode[], edges: FlowEdge[], after: string | null) {
  nodes.push({
    id: 'email_admin',
    type: 'send_email',
    label: 'Email the admin',
    config: {
      to: '{{ nodes.callback.adminEmail }}',
      subject: 'Payment disputed: order #{{ nodes.callback.orderId }}',
      text: 'The payment of {{ nodes.callback.amountDisplay }} for order #{{ nodes.callback.orderId }} is disputed: {{ nodes.callback.reasonDisplay }}. Answer it in the Stripe Dashboard before the deadline. Payment reference: {{ nodes.callback.paymentId }}.',
    },
    position: at(-160, after ? 560 : 420),
  });
  edges.push(after ? edge(after, 'email_admin') : edge('branch', 'email_admin', 'true'));
}

/**
 * A paid order's receipt, after the order is marked paid: only on the success branch (so
 * once per payment, never for a duplicate delivery) and only when there is an address.
 */
function addReceipt(nodes: FlowNode[], edges: FlowEdge[], after: string | null) {
  nodes.push(
    {
      id: 'has_receipt_address',
      type: 'condition',
      label: 'Buyer has an email?',
      config: { expression: "{{ coalesce(nodes.callback.customerEmail, '') != '' }}" },
      position: at(-160, after ? 560 : 420),
    },
    {
      id: 'send_receipt',
      type: 'send_email',
      label: 'Email the receipt',
      config: {
        to: '{{ nodes.callback.customerEmail }}',
        from: '{{ nodes.callback.fromAddress }}',
        subject: 'Receipt for order #{{ nodes.callback.orderId }}',
        // The shop's branded receipt (name, logo, item, amount) in HTML and plain text, made by the callback.
        text: '{{ nodes.callback.receiptText }}',
        html: '{{ nodes.callback.receiptHtml }}',
      },
      position: at(-320, after ? 700 : 560),
    },
  );
  edges.push(
    after ? edge(after, 'has_receipt_address') : edge('branch', 'has_receipt_address', 'true'),
    edge('has_receipt_address', 'send_receipt', 'true'),
  );
}

export interface CustomFlowTemplate {
  id: string;
  name: string;
  description: string;
  build: () => FlowDefinition;
}

/** Starting points for custom flows in the "new flow" dialog. */
export const customFlowTemplates: CustomFlowTemplate[] = [
  {
    id: 'charge_failed_email',
    name: 'Email the customer when a charge fails',
    description: 'charge.failed → send an email asking the customer to update their card.',
    build: () => ({
      trigger: { kind: 'stripe_webhook', events: ['charge.failed'] },
      graph: {
        nodes: [
          { id: 'trigger', type: 'trigger', label: 'Charge failed', config: {}, position: at(0, 0) },
          {
            id: 'email_customer',
            type: 'send_email',
            label: 'Email the customer',
            config: {
              to: '{{ coalesce(trigger.data.object.billing_details.email, trigger.data.object.receipt_email) }}',
              subject: 'Your payment did not go through',
              text: 'Hi {{ coalesce(trigger.data.object.billing_details.name, "there") }}, your payment of {{ trigger.data.object.amount / 100 }} {{ upper(trigger.data.object.currency) }} failed ({{ trigger.data.object.failure_message }}). Please update your card.',
            },
            position: at(0, 140),
          },
        ],
        edges: [edge('trigger', 'email_customer')],
      },
    }),
  },
  {
    id: 'large_payment_alert',
    name: 'Alert the team about large payments',
    description: 'payment_intent.succeeded → if the amount is at least 1,000.00, email the team.',
    build: () => ({
      trigger: { kind: 'stripe_webhook', events: ['payment_intent.succeeded'] },
      graph: {
        nodes: [
          { id: 'trigger', type: 'trigger', label: 'Payment succeeded', config: {}, position: at(0, 0) },
          {
            id: 'is_large',
            type: 'condition',
            label: 'Large payment?',
            config: { expression: '{{ trigger.data.object.amount >= 100000 }}' },
            position: at(0, 140),
          },
          {
            id: 'email_team',
            type: 'send_email',
            label: 'Email the team',
            config: {
              to: 'team@example.com',
              subject: 'Large payment {{ trigger.data.object.id }}',
              text: '{{ trigger.data.object.amount / 100 }} {{ upper(trigger.data.object.currency) }} received.',
            },
            position: at(-160, 280),
          },
        ],
        edges: [edge('trigger', 'is_large'), edge('is_large', 'email_team', 'true')],
      },
    }),
  },
  {
    id: 'subscription_canceled_webhook',
    name: 'Notify another system when a subscription ends',
    description: 'customer.subscription.deleted → POST the subscription to an HTTP endpoint.',
    build: () => ({
      trigger: { kind: 'stripe_webhook', events: ['customer.subscription.deleted'] },
      graph: {
        nodes: [
          { id: 'trigger', type: 'trigger', label: 'Subscription ended', config: {}, position: at(0, 0) },
          {
            id: 'notify',
            type: 'http_request',
            label: 'Notify CRM',
            config: {
              method: 'POST',
              url: 'https://crm.example.com/hooks/subscription-ended',
              headers: { 'content-type': 'application/json' },
              body: { subscription: '{{ trigger.data.object.id }}', customer: '{{ trigger.data.object.customer }}' },
              timeoutMs: 5000,
            },
            position: at(0, 140),
          },
        ],
        edges: [edge('trigger', 'notify')],
      },
    }),
  },
];
