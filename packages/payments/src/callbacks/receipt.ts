import { setting } from '@tillflow/core';
import { discountWords } from '@tillflow/core/money';
import { BACKEND, END_USER_TABLE, getRow, listTables, type Row } from '@tillflow/data-model';
import { appSettings, type Executor, projects } from '@tillflow/db';
import { loadSmtpSettings } from '@tillflow/mail';
import { eq } from 'drizzle-orm';
import { formatMinorUnits } from '../currencies';
import type { StripeEventLike } from '../event-mapping';
import { renderReceipt, renderRefundNotice, type ShopIdentity, shopFromAddress } from '../receipt-mail';
import { loadPaymentSettings } from '../settings';

/**
 * What a receipt email needs, as callback outputs: the amount in minor units, its currency, both formatted,
 * the address; the shop's name, the item bought, the sender (the shop's name on the project's address) and
 * the finished HTML and plain-text parts.
 */
export interface ReceiptFields {
  amount: number | null;
  currency: string | null;
  amountDisplay: string | null;
  customerEmail: string | null;
  shopName: string | null;
  itemName: string | null;
  fromAddress: string | null;
  receiptHtml: string | null;
  receiptText: string | null;
}

export const NO_RECEIPT: ReceiptFields = {
  amount: null,
  currency: null,
  amountDisplay: null,
  customerEmail: null,
  shopName: null,
  itemName: null,
  fromAddress: null,
  receiptHtml: null,
  receiptText: null,
};

const LABEL_COLUMNS = ['title', 'name', 'item', 'product', 'description', 'label'];

/** The shop as a shopper knows it (brand name, else the project's name, and the logo), and its sender address. */
export async function shopOf(tx: Executor, projectId: number): Promise<ShopIdentity & { from: string }> {
  const settings = await loadPaymentSettings(tx, projectId);
  const [project] = await tx.select({ name: projects.name }).from(projects).where(eq(projects.id, projectId));
  const name = settings?.brandName || project?.name || 'Your shop';
  const smtp = await loadSmtpSettings(tx, projectId);
  // A sender the builder set with their SMTP server is theirs as typed; otherwise the shop's name on the default address.
  const from = smtp?.fromAddress ?? shopFromAddress(name, setting('TILLFLOW_MAIL_FROM'));
  return { name, logo: settings?.brandLogo ?? null, from };
}

/** What the order was for, in words: the app's order label column, else a title/name-like text column. */
export async function itemNameOf(tx: Executor, projectId: number, orderId: number): Promise<string | null> {
  const settings = await loadPaymentSettings(tx, projectId);
  if (!settings?.orderTableId) return null;
  const table = (await listTables(tx, projectId)).find((t) => t.id === settings.orderTableId);
  if (!table) return null;
  const [app] = await tx
    .select({ catalog: appSettings.catalog })
    .from(appSettings)
    .where(eq(appSettings.projectId, projectId));
  const texts = table.columns.filter((c) => c.type === 'text').map((c) => c.name);
  const label =
    (app?.catalog.orderLabelColumn && texts.includes(app.catalog.orderLabelColumn)
      ? app.catalog.orderLabelColumn
      : null) ?? LABEL_COLUMNS.find((n) => texts.includes(n));
  if (!label) return null;
  const order = await getRow(tx, projectId, BACKEND, table.name, orderId);
  const value = order?.[label];
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

export async function receiptFields(
  tx: Executor,
  projectId: number,
  payment: Row,
  event: StripeEventLike,
): Promise<ReceiptFields> {
  // What the shopper paid: the payment's amount less the discount Stripe applied at Checkout.
  const off = Number(payment.amount_discount ?? 0);
  const amount = Number(payment.amount) - off;
  const currency = String(payment.currency);
  const amountDisplay = formatMinorUnits(amount, currency);
  const shop = await shopOf(tx, projectId);
  const orderId = Number(payment.order_id);
  const itemName = await itemNameOf(tx, projectId, orderId);
  const discountDisplay = discountWords(off, currency, payment.discount_code ? String(payment.discount_code) : null);
  const parts = renderReceipt(shop, { id: orderId, item: itemName, amountDisplay, discountDisplay });
  return {
    amount,
    currency,
    amountDisplay,
    customerEmail: await receiptAddress(tx, projectId, payment, event),
    shopName: shop.name,
    itemName,
    fromAddress: shop.from,
    receiptHtml: parts.html,
    receiptText: parts.text,
  };
}

/** The payer's own address in the app first; else what Stripe has (typed on its page, or the invoice's). */
export async function receiptAddress(tx: Executor, projectId: number, payment: Row, event: StripeEventLike) {
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

/** What the refund notice needs, as refund-callback outputs; all null when there is no refund to tell about. */
export interface RefundNoticeFields {
  refundAmountDisplay: string | null;
  customerEmail: string | null;
  shopName: string | null;
  itemName: string | null;
  fromAddress: string | null;
  noticeHtml: string | null;
  noticeText: string | null;
}

export const NO_REFUND_NOTICE: RefundNoticeFields = {
  refundAmountDisplay: null,
  customerEmail: null,
  shopName: null,
  itemName: null,
  fromAddress: null,
  noticeHtml: null,
  noticeText: null,
};

/** The notice for one refund of `refundAmount` (minor units) on `payment` (as it is after the refund). */
export async function refundNoticeFields(
  tx: Executor,
  projectId: number,
  payment: Row | null,
  refundAmount: number | null,
  event: StripeEventLike,
): Promise<RefundNoticeFields> {
  if (!payment || refundAmount === null) return NO_REFUND_NOTICE;
  const currency = String(payment.currency);
  const paid = Number(payment.amount);
  const refunded = Number(payment.amount_refunded ?? 0);
  const orderId = Number(payment.order_id);
  const shop = await shopOf(tx, projectId);
  const itemName = await itemNameOf(tx, projectId, orderId);
  const refundAmountDisplay = formatMinorUnits(refundAmount, currency);
  const parts = renderRefundNotice(shop, {
    orderId,
    item: itemName,
    refundDisplay: refundAmountDisplay,
    paidDisplay: formatMinorUnits(paid, currency),
    remainingDisplay: formatMinorUnits(Math.max(paid - refunded, 0), currency),
    full: refunded >= paid,
  });
  return {
    refundAmountDisplay,
    // The payer's own address in the app (Stripe's refund event carries none of the buyer's).
    customerEmail: await receiptAddress(tx, projectId, payment, { ...event, data: { object: {} } } as StripeEventLike),
    shopName: shop.name,
    itemName,
    fromAddress: shop.from,
    noticeHtml: parts.html,
    noticeText: parts.text,
  };
}
