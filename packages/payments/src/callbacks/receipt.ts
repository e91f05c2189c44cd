import { END_USER_TABLE, getRow, type Row } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { formatMinorUnits } from '../currencies';
import type { StripeEventLike } from '../event-mapping';
import { BACKEND } from './find';

/** What a receipt email needs, as callback outputs: the amount in minor units, its currency, both formatted, the address. */
export interface ReceiptFields {
  amount: number | null;
  currency: string | null;
  amountDisplay: string | null;
  customerEmail: string | null;
}

export const NO_RECEIPT: ReceiptFields = { amount: null, currency: null, amountDisplay: null, customerEmail: null };

export async function receiptFields(
  tx: Executor,
  projectId: number,
  payment: Row,
  event: StripeEventLike,
): Promise<ReceiptFields> {
  const amount = Number(payment.amount);
  const currency = String(payment.currency);
  return {
    amount,
    currency,
    amountDisplay: formatMinorUnits(amount, currency),
    customerEmail: await receiptAddress(tx, projectId, payment, event),
  };
}

/** The payer's own address in the app first; else what Stripe has (typed on its page, or the invoice's). */
async function receiptAddress(tx: Executor, projectId: number, payment: Row, event: StripeEventLike) {
  if (payment.payer) {
    const payer = await getRow(tx, projectId, BACKEND, END_USER_TABLE, Number(payment.payer));
    if (typeof payer?.email === 'string' && payer.email) return payer.email;
  }
  const object = event.data.object as {
    customer_details?: { email?: unknown } | null;
    receipt_email?: unknown;
    customer_email?: unknown;
  };
  const known = object.customer_details?.email ?? object.receipt_email ?? object.customer_email;
  return typeof known === 'string' && known ? known : null;
}
