// What an automation does, in the words a shop owner uses: which Stripe events start it ("when a payment
// succeeds"), and each step's one-line summary with its bindings read as «field» chips instead of
// `nodes.callback.paymentStatus == 'SUCCESSFUL'`. The expression editor still shows the expression itself.
import { statusLabel } from './status-labels';

const EVENT_WORDS: Record<string, string> = {
  'checkout.session.completed': 'a checkout is completed',
  'checkout.session.async_payment_succeeded': 'a delayed payment succeeds',
  'checkout.session.async_payment_failed': 'a delayed payment fails',
  'checkout.session.expired': 'a checkout expires unpaid',
  'payment_intent.succeeded': 'a payment succeeds',
  'payment_intent.payment_failed': 'a payment fails',
  'payment_intent.canceled': 'a payment is canceled',
  'payment_intent.created': 'a payment is started',
  'refund.created': 'a refund is made',
  'refund.updated': 'a refund changes',
  'refund.failed': 'a refund fails',
  'charge.refunded': 'a payment is refunded',
  'charge.refund.updated': 'a refund changes',
  'charge.succeeded': 'a card is charged',
  'charge.failed': 'a card charge fails',
  'customer.created': 'a customer is added',
  'customer.updated': 'a customer changes',
  'customer.subscription.created': 'a subscription starts',
  'customer.subscription.updated': 'a subscription changes',
  'customer.subscription.deleted': 'a subscription ends',
  'customer.subscription.trial_will_end': 'a free trial is about to end',
  'invoice.paid': 'a renewal is paid',
  'invoice.payment_failed': 'a renewal payment fails',
  'invoice.created': 'an invoice is created',
  'charge.dispute.created': 'a payment is disputed',
  'charge.dispute.updated': 'a dispute changes',
  'charge.dispute.closed': 'a dispute is closed',
  'product.created': 'a product is added',
  'product.updated': 'a product changes',
  'price.created': 'a price is added',
  'price.updated': 'a price changes',
};

/** The Stripe event types that have a sentence, e.g. to offer them as choices. */
export const KNOWN_EVENT_TYPES: readonly string[] = Object.keys(EVENT_WORDS);

/** One Stripe event type as a clause: `payment_intent.succeeded` → "a payment succeeds". */
export function eventWords(type: string): string {
  const known = EVENT_WORDS[type];
  if (known) return known;
  // An event we have no sentence for still reads as words: `payout.paid` → "payout paid".
  return type.replace(/[._]+/g, ' ').trim();
}

const SYSTEM_TRIGGERS: Record<string, string> = {
  StripePayment: 'When a payment succeeds, fails or expires',
  StripeRefund: 'When a refund is made, changes or fails',
  StripeRecurringPaymentManagement: 'When a subscription starts, changes or ends',
  StripeRecurringPaymentDeduction: 'When a renewal is paid or its payment fails',
  StripeDispute: 'When a payment is disputed or a dispute closes',
};

function joinOr(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

/** What starts an automation, as a sentence: "When a payment succeeds or a payment fails". */
export function triggerWords(
  trigger: { kind: 'manual' } | { kind: 'stripe_webhook'; events: string[] } | { kind: 'app_call' },
  systemKind?: string | null,
): string {
  if (systemKind && SYSTEM_TRIGGERS[systemKind]) return SYSTEM_TRIGGERS[systemKind];
  if (trigger.kind === 'manual') return 'When you run it (test runs and calls)';
  if (trigger.kind === 'app_call') return 'When a button on one of your pages runs it';
  if (trigger.events.length === 0) return 'No Stripe event chosen yet';
  const clauses = [...new Set(trigger.events.map(eventWords))];
  const shown = clauses.length > 3 ? [...clauses.slice(0, 3), `${clauses.length - 3} more`] : clauses;
  return `When ${joinOr(shown)}`;
}

/** `paymentStatus` → "payment status", `customer_email` → "customer email", `items[0].name` → "items 1 name". */
export function fieldWords(path: string): string {
  return path
    .replace(/\[(\d+)\]/g, (_, i) => ` ${Number(i) + 1} `)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** One Stripe event type as a line of its own: `payment_intent.succeeded` → "A payment succeeds". */
export function eventTitle(type: string): string {
  const words = eventWords(type);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const STATUS_CODE = /^[A-Z][A-Z_]+$/;

/**
 * A binding or an expression as a person reads it: each `nodes.<id>.<field>` (or `vars.x`, `trigger.x`)
 * becomes a «field» chip, operators become words, a status code becomes its label.
 * `{{ nodes.callback.paymentStatus == 'SUCCESSFUL' && !nodes.callback.alreadyProcessed }}` →
 * `«payment status» is "Paid" and not «already processed»`.
 */
export function expressionWords(text: string): string {
  const reference = /\b(?:nodes\.[A-Za-z0-9_-]+|vars|trigger|event|input)\.([A-Za-z0-9_.[\]]+)/g;
  return (
    text
      .replace(/\{\{\s*/g, '')
      .replace(/\s*\}\}/g, '')
      .replace(/'([^']*)'|"([^"]*)"/g, (_, a: string | undefined, b: string | undefined) => {
        const value = a ?? b ?? '';
        return `"${STATUS_CODE.test(value) ? statusLabel(value) : value}"`;
      })
      .replace(reference, (_, path: string) => `«${fieldWords(path)}»`)
      .replace(/\bnodes\.([A-Za-z0-9_-]+)\b/g, (_, id: string) => `«${fieldWords(id)}»`)
      .replace(/\s*===?\s*/g, ' is ')
      .replace(/\s*!==?\s*/g, ' is not ')
      .replace(/\s*>=\s*/g, ' is at least ')
      .replace(/\s*<=\s*/g, ' is at most ')
      .replace(/\s+>\s+/g, ' is more than ')
      .replace(/\s+<\s+/g, ' is less than ')
      .replace(/\s*&&\s*/g, ' and ')
      .replace(/\s*\|\|\s*/g, ' or ')
      .replace(/!\s*(?=[«(])/g, 'not ')
      // Row filters as the catalog writes them ("status neq partially_refunded") read as sentences too.
      .replace(/\bneq\b/g, 'is not')
      .replace(/\beq\b/g, 'is')
      .replace(/\bgte\b/g, 'is at least')
      .replace(/\blte\b/g, 'is at most')
      .replace(/\bgt\b/g, 'is more than')
      .replace(/\blt\b/g, 'is less than')
      .replace(
        /\b(status is(?: not)?) ([A-Za-z_]+)\b/g,
        (_, lead: string, word: string) => `${lead} "${statusLabel(word)}"`,
      )
      .replace(/\bcoalesce\(\s*(«[^»]*»)\s*,\s*""\s*\)/g, '$1')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

const RUN_STATUS_WORDS: Record<string, string> = {
  succeeded: 'Done',
  failed: 'Failed',
  running: 'Running',
  queued: 'Waiting',
  skipped: 'Skipped',
  canceled: 'Canceled',
  pending: 'Waiting',
};

/** A run's or a step's status (`succeeded`, `queued`) as a word. */
export function runStatusWords(status: string | null | undefined): string {
  if (!status) return '—';
  return RUN_STATUS_WORDS[status] ?? statusLabel(status);
}
