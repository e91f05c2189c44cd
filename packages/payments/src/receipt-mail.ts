// The receipt and refund notice a shopper gets: the shop's name and logo, what they bought, the amounts
// as people read them, an HTML part and a plain-text part. Every value is escaped here (item names and
// the shop's name are builder data); the send-email node only passes the finished parts on.
// A handful of fixed markup does not warrant a template engine: the one rule that matters (escape every
// value) is `escapeHtml` below, and a test renders hostile names.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

export interface ShopIdentity {
  /** The brand name, or the project's name. */
  name: string;
  /** https: or data:image URL, or null. */
  logo: string | null;
}

export interface MailParts {
  html: string;
  text: string;
}

function frame(shop: ShopIdentity, heading: string, rows: [string, string][], closing: string): string {
  const logo =
    shop.logo && /^(https:\/\/|data:image\/)/.test(shop.logo)
      ? `<img src="${escapeHtml(shop.logo)}" alt="" height="40" style="display:block;max-height:40px;margin:0 0 12px">`
      : '';
  const body = rows
    .map(
      ([label, value]) =>
        `<tr><td style="padding:6px 0;color:#475569">${escapeHtml(label)}</td>` +
        `<td style="padding:6px 0;text-align:right;font-weight:600">${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  return [
    '<!doctype html><html><body style="margin:0;background:#f8fafc;font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#0f172a">',
    '<div style="max-width:480px;margin:0 auto;padding:24px">',
    '<div style="background:#ffffff;border:1px solid #e2e8f0;border-radius:8px;padding:24px">',
    logo,
    `<p style="margin:0 0 4px;font-size:14px;color:#475569">${escapeHtml(shop.name)}</p>`,
    `<h1 style="margin:0 0 16px;font-size:20px">${escapeHtml(heading)}</h1>`,
    `<table role="presentation" style="width:100%;border-collapse:collapse;font-size:14px">${body}</table>`,
    `<p style="margin:16px 0 0;font-size:14px">${escapeHtml(closing)}</p>`,
    '</div></div></body></html>',
  ].join('');
}

function plain(shop: ShopIdentity, heading: string, rows: [string, string][], closing: string): string {
  return [shop.name, '', heading, '', ...rows.map(([l, v]) => `${l}: ${v}`), '', closing, ''].join('\n');
}

/** The receipt for a paid order: "Thank you for your order", the item, the amount paid. */
export function renderReceipt(
  shop: ShopIdentity,
  order: { id: number; item: string | null; amountDisplay: string; discountDisplay?: string },
): MailParts {
  const heading = 'Thank you for your payment';
  const rows: [string, string][] = [
    ['Order', `#${order.id}`],
    ...(order.item ? [['Item', order.item] as [string, string]] : []),
    ...(order.discountDisplay ? [['Discount', order.discountDisplay] as [string, string]] : []),
    ['Paid', order.amountDisplay],
  ];
  const closing = `Thank you for your payment of ${order.amountDisplay} for order #${order.id}${order.item ? ` (${order.item})` : ''}. Keep this email as your receipt.`;
  return { html: frame(shop, heading, rows, closing), text: plain(shop, heading, rows, closing) };
}

/** The notice that money is on its way back: how much, for which order, and what the order now says. */
export function renderRefundNotice(
  shop: ShopIdentity,
  refund: {
    orderId: number;
    item: string | null;
    refundDisplay: string;
    paidDisplay: string;
    remainingDisplay: string;
    full: boolean;
  },
): MailParts {
  const heading = refund.full ? 'Your payment was refunded' : 'Part of your payment was refunded';
  const rows: [string, string][] = [
    ['Order', `#${refund.orderId}`],
    ...(refund.item ? [['Item', refund.item] as [string, string]] : []),
    ['Refunded', refund.refundDisplay],
    ['You paid', refund.paidDisplay],
    ...(refund.full ? [] : [['Still paid', refund.remainingDisplay] as [string, string]]),
  ];
  const closing = `We refunded ${refund.refundDisplay} for order #${refund.orderId}. It reaches your card or account within 5–10 business days.`;
  return { html: frame(shop, heading, rows, closing), text: plain(shop, heading, rows, closing) };
}

/** `Shop Name <address>`: the shop's own sender name on the configured or default address. */
export function shopFromAddress(shopName: string, configured: string): string {
  const match = /<([^>]+)>\s*$/.exec(configured);
  const address = (match?.[1] ?? configured).trim();
  const name = shopName.replace(/["\\\r\n<>]/g, '').trim();
  return name ? `"${name}" <${address}>` : address;
}
