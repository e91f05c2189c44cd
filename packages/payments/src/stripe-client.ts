import { setting } from '@tillflow/core';
import Stripe from 'stripe';

export const STRIPE_API_VERSION = '2026-10-28.endive' as const;
export const REAL_STRIPE_API = 'https://api.stripe.com';

export type StripeMode = 'sandbox' | 'test' | 'live';

/** Test and live data must never mix: the key prefix decides the mode. */
export function modeOfSecretKey(secretKey: string): 'test' | 'live' | null {
  if (/^(sk|rk)_test_[A-Za-z0-9_]+$/.test(secretKey)) return 'test';
  if (/^(sk|rk)_live_[A-Za-z0-9_]+$/.test(secretKey)) return 'live';
  return null;
}

export function modeOfPublishableKey(key: string): 'test' | 'live' | null {
  if (/^pk_test_[A-Za-z0-9_]+$/.test(key)) return 'test';
  if (/^pk_live_[A-Za-z0-9_]+$/.test(key)) return 'live';
  return null;
}

/** The embedded sandbox's base URL, set once it runs (or by tests). */
export function sandboxApiBase(): string | undefined {
  return setting('TILLFLOW_SANDBOX_URL');
}

/**
 * A Stripe SDK client for an API base: the official SDK, pointed at the
 * sandbox or api.stripe.com, with the API version pinned so field moves in
 * newer versions never reach our parsers unannounced.
 */
export function createStripeClient(secretKey: string, apiBase: string = REAL_STRIPE_API): Stripe {
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
    protocol,
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'Tillflow' },
  });
}

/** A sentence a builder can act on for a failed key check. */
export function explainStripeKeyError(error: unknown): string {
  const e = error as { type?: string; code?: string; message?: string; statusCode?: number };
  if (e.type === 'StripeAuthenticationError' || e.statusCode === 401)
    return 'Stripe rejected this secret key: it is wrong, revoked or expired. Copy it again from the Stripe Dashboard (Developers → API keys).';
  if (e.type === 'StripePermissionError' || e.statusCode === 403)
    return 'This restricted key lacks permissions Tillflow needs (Checkout Sessions, Payment Intents, Refunds, Subscriptions, Webhook Endpoints: write).';
  if (e.type === 'StripeConnectionError')
    return 'Could not reach Stripe to check the key. Check the network or the Stripe API base setting and try again.';
  return `Stripe refused the key: ${e.message ?? 'unknown error'}`;
}
