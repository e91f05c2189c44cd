import { describe, expect, it } from 'vitest';
import { renderReceipt, renderRefundNotice, shopFromAddress } from '../src/receipt-mail';

// The mail a shopper trusts: the shop's own name and logo, what they bought, amounts as people read them, an HTML
// part and a plain-text part, from the shop's own sender name; builder data never becomes markup.

const shop = { name: 'Crumb Bakery', logo: 'https://crumb.example/logo.png' };

describe('receipts and refund notices', () => {
  it('a receipt names the shop, shows its logo, the item and the amount, in HTML and in plain text', () => {
    const mail = renderReceipt(shop, { id: 12, item: 'Sourdough loaf', amountDisplay: '$8.50' });
    expect(mail.html).toContain('<img src="https://crumb.example/logo.png"');
    for (const part of [mail.html, mail.text]) {
      expect(part).toContain('Crumb Bakery');
      expect(part).toContain('Sourdough loaf');
      expect(part).toContain('$8.50');
      expect(part).toContain('#12');
    }
    expect(mail.text).not.toMatch(/<[a-z]/i);
    expect(mail.text).toContain('Item: Sourdough loaf');
    // The order number is the shopper's reference; Tillflow's own record numbers stay out of their mail.
    expect(mail.text).not.toMatch(/reference/i);
  });

  it('a refund notice says how much came back and, for a partial refund, what is still paid', () => {
    const partial = renderRefundNotice(shop, {
      orderId: 12,
      item: 'Sourdough loaf',
      refundDisplay: '$2.00',
      paidDisplay: '$8.50',
      remainingDisplay: '$6.50',
      full: false,
    });
    expect(partial.text).toContain('Part of your payment was refunded');
    expect(partial.text).toContain('Refunded: $2.00');
    expect(partial.text).toContain('Still paid: $6.50');
    expect(partial.html).toContain('Crumb Bakery');
    const full = renderRefundNotice(shop, {
      ...{ orderId: 12, item: null, refundDisplay: '$8.50' },
      paidDisplay: '$8.50',
      remainingDisplay: '$0.00',
      full: true,
    });
    expect(full.text).toContain('Your payment was refunded');
    expect(full.text).not.toContain('Still paid');
  });

  it('a hostile shop or item name stays text, and only https or image-data logos are shown', () => {
    const mail = renderReceipt(
      { name: '<script>alert(1)</script>', logo: 'javascript:alert(1)' },
      { id: 1, item: '"><img src=x onerror=alert(1)>', amountDisplay: '¥500' },
    );
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).not.toContain('javascript:');
  });

  it('mail comes from the shop’s own name on the install’s address', () => {
    expect(shopFromAddress('Crumb Bakery', 'Tillflow <mail@tillflow.test>')).toBe(
      '"Crumb Bakery" <mail@tillflow.test>',
    );
    expect(shopFromAddress('Bad "name" <x>', 'mail@tillflow.test')).toBe('"Bad name x" <mail@tillflow.test>');
    expect(shopFromAddress('', 'mail@tillflow.test')).toBe('mail@tillflow.test');
  });
});
