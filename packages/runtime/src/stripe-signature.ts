import { createHmac, timingSafeEqual } from 'node:crypto';

// Stripe's webhook signature scheme: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`
// where v1 = HMAC-SHA256(secret, `${t}.${rawBody}`). Several v1 values appear
// while Stripe rolls a secret; we accept several secrets while we roll ours.

export type SignatureFailure = 'missing_header' | 'malformed_header' | 'stale_timestamp' | 'bad_signature';

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

export function signStripePayload(rawBody: string | Buffer, secret: string, timestamp: number): string {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a Buffer in a template literal is its UTF-8 text and String#toString ignores its argument: every branch yields the same string
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The header value Stripe would send (tests, the bench, the sandbox). */
export function stripeSignatureHeader(rawBody: string | Buffer, secret: string, timestamp = nowSeconds()): string {
  return `t=${timestamp},v1=${signStripePayload(rawBody, secret, timestamp)}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export function verifyStripeSignature(
  rawBody: string | Buffer,
  header: string | null | undefined,
  secrets: string[],
  toleranceSec = 300,
  now = nowSeconds(),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing_header' };
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === null || signatures.length === 0) return { ok: false, reason: 'malformed_header' };
  // Check the signature before the clock, so a forged request learns nothing about timing.
  const matches = secrets.some((secret) => {
    const expected = Buffer.from(signStripePayload(rawBody, secret, timestamp as number), 'hex');
    return signatures.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  });
  if (!matches) return { ok: false, reason: 'bad_signature' };
  if (toleranceSec > 0 && Math.abs(now - timestamp) > toleranceSec) return { ok: false, reason: 'stale_timestamp' };
  return { ok: true, timestamp };
}
