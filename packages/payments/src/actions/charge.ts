import type { Actor, Row } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { amountProblem } from '../currencies';
import { PaymentError } from '../errors';
import { loadOrderBinding } from '../order-binding';

// What is charged is decided by the server: the order row and the builder's settings. Only the builder's
// own backend (a project API key) or the studio may name an amount; an end user names the order (and, for
// a subscription, one of the shop's plans), and any field that would set the price is refused.

export interface Charge {
  /** Minor units. */
  amount: number;
  currency: string;
}

/** May this caller name what is charged? The builder's backend (API key) and the studio may. */
export const maySetCharge = (actor: Actor) => actor.kind === 'backend' || actor.kind === 'builder';

const FROM_ORDER = 'is decided by the shop from the order; remove it from the request.';
const FROM_PLAN = 'is decided by the shop’s plan; name the plan with "plan" and remove this field.';

/** Request fields that would decide the price, and what to do instead. */
const PAYMENT_CHARGE_FIELDS: Record<string, string> = {
  amount: FROM_ORDER,
  currency: FROM_ORDER,
  price: FROM_ORDER,
  priceId: FROM_ORDER,
  unitAmount: FROM_ORDER,
  unit_amount: FROM_ORDER,
  product: FROM_ORDER,
  productId: FROM_ORDER,
  lineItems: FROM_ORDER,
  line_items: FROM_ORDER,
  trialDays: FROM_ORDER,
};
const SUBSCRIPTION_CHARGE_FIELDS: Record<string, string> = {
  ...Object.fromEntries(Object.keys(PAYMENT_CHARGE_FIELDS).map((k) => [k, FROM_PLAN])),
  trialDays: 'is decided by the shop’s plan settings; remove it from the request.',
  trial_period_days: 'is decided by the shop’s plan settings; remove it from the request.',
  trialPeriodDays: 'is decided by the shop’s plan settings; remove it from the request.',
};

const FROM_ITEM = 'is decided by the shop from the item; remove it from the request.';
const BY_APP = 'is decided by the app; remove it from the request.';
/** Buying a catalog item in the generated app: the item decides the price, the app where the buyer returns. */
const ITEM_CHARGE_FIELDS: Record<string, string> = {
  ...Object.fromEntries(Object.keys(PAYMENT_CHARGE_FIELDS).map((k) => [k, FROM_ITEM])),
  priceId: 'is decided by the shop: name the item with itemKey instead.',
  plan: 'is named by itemKey here; remove it from the request.',
  trialDays: SUBSCRIPTION_CHARGE_FIELDS.trialDays,
  trial_period_days: SUBSCRIPTION_CHARGE_FIELDS.trial_period_days,
  trialPeriodDays: SUBSCRIPTION_CHARGE_FIELDS.trialPeriodDays,
  successUrl: BY_APP,
  cancelUrl: BY_APP,
  returnUrl: BY_APP,
};
const CHARGE_FIELDS = {
  payment: PAYMENT_CHARGE_FIELDS,
  subscription: SUBSCRIPTION_CHARGE_FIELDS,
  item: ITEM_CHARGE_FIELDS,
};

/**
 * Throws a 400 naming every price-deciding field an end user sent: to the payment or subscription
 * actions, or to the generated app's buy of a catalog item (`item`). The one rule for all three.
 */
export function refuseChargeFields(actor: Actor, input: unknown, kind: keyof typeof CHARGE_FIELDS): void {
  if (maySetCharge(actor) || !input || typeof input !== 'object') return;
  const rules = CHARGE_FIELDS[kind];
  const sent = Object.keys(input).filter(
    (key) => key in rules && (input as Record<string, unknown>)[key] !== undefined,
  );
  if (sent.length === 0) return;
  const fieldErrors = Object.fromEntries(sent.map((key) => [key, `${key} ${rules[key]}`]));
  throw new PaymentError('VALIDATION', fieldErrors[sent[0]], fieldErrors);
}

/**
 * What an order owes: the bound amount column (whole minor units; bound by column id at activation, or chosen
 * under Payments) and the bound currency column, or the shop's currency when there is none or it is empty. The
 * amount column must be one only the server writes, so a shopper who creates their own order cannot set it.
 * A missing or invalid amount is the shop's setup to fix, said so.
 */
export async function orderCharge(db: Executor, projectId: number, orderTable: string, order: Row): Promise<Charge> {
  const binding = await loadOrderBinding(db, projectId, orderTable);
  const { table, amountColumn, currencyColumn } = binding;
  if (!amountColumn)
    throw new PaymentError(
      'PRECONDITION_FAILED',
      `The shop's "${table.name}" table has no whole-number column chosen for the order's price, so it is unknown. ` +
        'The shop adds one (in minor units, e.g. cents) and picks it under Payments → What orders cost, or sells through the app catalog.',
    );
  if (!amountColumn.systemManaged)
    throw new PaymentError(
      'PRECONDITION_FAILED',
      `The shop has not confirmed "${amountColumn.name}" as the column holding an order's price, so shoppers could still write it. ` +
        'The shop picks it under Payments → What orders cost.',
    );
  const raw = order[amountColumn.name];
  const amount = Number(raw);
  const stated = currencyColumn ? order[currencyColumn.name] : null;
  const currency = String((typeof stated === 'string' && stated.trim()) || binding.currency)
    .trim()
    .toLowerCase();
  const problem = raw === null || raw === undefined ? 'it has no amount yet.' : amountProblem(amount, currency);
  if (problem)
    throw new PaymentError(
      'PRECONDITION_FAILED',
      `Order ${order.id} cannot be charged: ${problem} The shop sets the order's amount before payment.`,
      { orderId: problem },
    );
  return { amount, currency };
}
