import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { signStripePayload, stripeSignatureHeader, verifyStripeSignature } from '../src';

const secret = 'whsec_test_secret_value';
const body = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded' });
const now = 1_800_000_000;

describe('verifyStripeSignature', () => {
  it('accepts what Stripe signs, and Stripe accepts what we sign', () => {
    const stripe = new Stripe('sk_test_x');
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: now });
    expect(verifyStripeSignature(body, header, [secret], 300, now)).toEqual({ ok: true, timestamp: now });
    const ours = stripeSignatureHeader(body, secret);
    expect(stripe.webhooks.constructEvent(body, ours, secret).id).toBe('evt_1');
  });

  it('accepts any of several v1 signatures and any of several secrets (rotation)', () => {
    const header = `t=${now},v1=${'0'.repeat(64)},v1=${signStripePayload(body, secret, now)},v0=abc`;
    expect(verifyStripeSignature(Buffer.from(body), header, [secret], 300, now).ok).toBe(true);
    const byOld = stripeSignatureHeader(body, 'whsec_old', now);
    expect(verifyStripeSignature(body, byOld, ['whsec_new', 'whsec_old'], 300, now).ok).toBe(true);
    expect(verifyStripeSignature(body, byOld, ['whsec_new'], 300, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a signature that differs from the right one in any single hex digit, first to last', () => {
    const right = signStripePayload(body, secret, now);
    for (let i = 0; i < right.length; i++) {
      const wrong = `${right.slice(0, i)}${right[i] === 'f' ? 'e' : 'f'}${right.slice(i + 1)}`;
      expect(verifyStripeSignature(body, `t=${now},v1=${wrong}`, [secret], 300, now)).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    }
  });

  it('refuses tampering, stale or future timestamps and malformed headers', () => {
    const header = stripeSignatureHeader(body, secret, now);
    expect(verifyStripeSignature(`${body} `, header, [secret], 300, now)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyStripeSignature(body, header, [secret], 300, now + 301)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyStripeSignature(body, header, [secret], 300, now - 301)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyStripeSignature(body, header, [secret], 300, now + 299).ok).toBe(true);
    expect(verifyStripeSignature(body, undefined, [secret])).toEqual({ ok: false, reason: 'missing_header' });
    expect(verifyStripeSignature(body, 'v1=abc', [secret])).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verifyStripeSignature(body, `t=${now}`, [secret], 300, now)).toEqual({
      ok: false,
      reason: 'malformed_header',
    });
    expect(verifyStripeSignature(body, `t=${now},v1=zz`, [secret], 300, now)).toEqual({
      ok: false,
      reason: 'malformed_header',
    });
  });
});
