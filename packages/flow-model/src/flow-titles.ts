// What a shop owner reads for a flow's name. The system flows are stored under their kind
// (`StripePayment`, ...), which stays the flow's name in storage, APIs and the expression editor;
// every screen and email a person reads shows the title instead ("Payment updates").
import type { SystemFlowKind } from './templates';

export const systemFlowTitles: Record<SystemFlowKind, string> = {
  StripePayment: 'Payment updates',
  StripeRefund: 'Refund updates',
  StripeRecurringPaymentManagement: 'Subscription updates',
  StripeRecurringPaymentDeduction: 'Renewal payments',
  StripeDispute: 'Dispute updates',
};

/** What each system flow's trigger says it waits for ("When Stripe tells us about a payment"). */
export const systemTriggerLabels: Record<SystemFlowKind, string> = {
  StripePayment: 'When Stripe tells us about a payment',
  StripeRefund: 'When Stripe tells us about a refund',
  StripeRecurringPaymentManagement: 'When Stripe tells us about a subscription',
  StripeRecurringPaymentDeduction: 'When Stripe tells us about a renewal',
  StripeDispute: 'When Stripe tells us about a dispute',
};

const isSystemKind = (name: string): name is SystemFlowKind => Object.hasOwn(systemFlowTitles, name);

/**
 * A flow's name as a person reads it: a system flow's kind becomes its title (`StripePayment` →
 * "Payment updates"); any other name is the builder's own and comes back unchanged.
 */
export function flowTitle(name: string | null | undefined, systemKind?: string | null): string {
  if (systemKind && isSystemKind(systemKind) && (!name || name === systemKind)) return systemFlowTitles[systemKind];
  if (!name) return '';
  return isSystemKind(name) ? systemFlowTitles[name] : name;
}

/** A sentence written with a system flow's stored name in it ("Published StripePayment") reads with its title. */
export function flowTitlesInText(text: string): string {
  return text.replace(
    /\b(StripePayment|StripeRefund|StripeRecurringPaymentManagement|StripeRecurringPaymentDeduction|StripeDispute)\b/g,
    (name) => systemFlowTitles[name as SystemFlowKind],
  );
}

/**
 * A step's stored label as a person reads it. Projects made before these words stored the system trigger as
 * "Stripe webhook" and the callbacks as "Payment callback" etc.; they read as the words new projects store.
 */
export function stepLabelWords(label: string, systemKind?: string | null): string {
  if (label === 'Stripe webhook')
    return systemKind && isSystemKind(systemKind) ? systemTriggerLabels[systemKind] : 'When Stripe tells us';
  return OLD_CALLBACK_LABELS[label] ?? label;
}

/** The callbacks' labels before they were worded, and what they read as now (also stored for new projects). */
export const OLD_CALLBACK_LABELS: Record<string, string> = {
  'Payment callback': 'Payment details',
  'Refund callback': 'Refund details',
  'Subscription callback': 'Subscription details',
  'Renewal callback': 'Renewal details',
  'Dispute callback': 'Dispute details',
};
