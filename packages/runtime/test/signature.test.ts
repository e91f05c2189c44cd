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

  it('counts only v1 signatures: the right HMAC under another scheme key (v0, v2, t1) is not a signature', () => {
    const sig = signStripePayload(body, secret, now);
    const check = (header: string) => verifyStripeSignature(body, header, [secret], 300, now);
    for (const key of ['v0', 'v2', 't1', 'V1', 'v1x'])
      expect(check(`t=${now},${key}=${sig}`), key).toEqual({ ok: false, reason: 'malformed_header' });
    // alongside a wrong v1, the right value under another key still does not make the header valid
    expect(check(`t=${now},v1=${'0'.repeat(64)},v0=${sig}`)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('reads the header strictly: whole digits for t, exactly 64 hex digits for v1, spaces around parts allowed', () => {
    const sig = signStripePayload(body, secret, now);
    const check = (header: string) => verifyStripeSignature(body, header, [secret], 300, now);
    expect(check(` t=${now} , v1=${sig} `)).toEqual({ ok: true, timestamp: now });
    for (const header of [
      `v1=${sig}`, // no timestamp at all
      `t=x${now},v1=${sig}`,
      `t=${now}x,v1=${sig}`,
      `t=${now},v1=${sig}zz`, // a valid signature with junk after it is not a signature
      `t=${now},v1=zz${sig}`,
      `t=${now},v1=abc`,
    ])
      expect(check(header), header).toEqual({ ok: false, reason: 'malformed_header' });
    expect(check(`t=${now},junk,v1=${sig}`).ok).toBe(true); // parts without '=' are skipped
  });

  it('checks the clock at exactly the tolerance, against the current time by default, and not at all with tolerance 0', () => {
    const header = stripeSignatureHeader(body, secret, now);
    expect(verifyStripeSignature(body, header, [secret], 300, now + 300).ok).toBe(true);
    expect(verifyStripeSignature(body, header, [secret], 300, now - 300).ok).toBe(true);
    expect(verifyStripeSignature(body, header, [secret], 0, now + 86_400).ok).toBe(true);
    const fresh = stripeSignatureHeader(body, secret, Math.floor(Date.now() / 1000));
    expect(verifyStripeSignature(body, fresh, [secret]).ok).toBe(true);
    const old = stripeSignatureHeader(body, secret, Math.floor(Date.now() / 1000) - 3600);
    expect(verifyStripeSignature(body, old, [secret])).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('signs the same bytes whether the body arrives as a string or a Buffer, as UTF-8', () => {
    const text = '{"id":"evt_é","amount":1000}';
    const signature = signStripePayload(text, secret, now);
    expect(signStripePayload(Buffer.from(text, 'utf8'), secret, now)).toBe(signature);
    expect(verifyStripeSignature(Buffer.from(text, 'utf8'), `t=${now},v1=${signature}`, [secret], 300, now).ok).toBe(
      true,
    );
    const stripe = new Stripe('sk_test_x');
    expect(stripe.webhooks.generateTestHeaderString({ payload: text, secret, timestamp: now })).toBe(
      `t=${now},v1=${signature}`,
    );
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
