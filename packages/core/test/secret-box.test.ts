import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isLegacySealed,
  maskSecret,
  openSecret,
  resealSecret,
  resetSecretKeyCache,
  SecretBoxError,
  type SecretOwner,
  sealSecret,
} from '../src';
import { sealLegacySecretForTests } from '../src/testing';

const stripeKeyOfA: SecretOwner = { projectId: 1, purpose: 'stripe.secret_key' };

describe('secret box', () => {
  beforeEach(() => {
    process.env.TILLFLOW_SECRET_KEY = 'a'.repeat(64);
    resetSecretKeyCache();
  });
  afterEach(() => {
    delete process.env.TILLFLOW_SECRET_KEY;
    resetSecretKeyCache();
  });

  it('round-trips with a fresh IV each time and never stores the plaintext', () => {
    const a = sealSecret('sk_test_51abcdefSECRET', stripeKeyOfA);
    const b = sealSecret('sk_test_51abcdefSECRET', stripeKeyOfA);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v2\./);
    expect(a).not.toContain('SECRET');
    expect(openSecret(a, stripeKeyOfA)).toBe('sk_test_51abcdefSECRET');
  });

  it("refuses a sealed value copied to another project's row", () => {
    const sealed = sealSecret('sk_test_51abcdefSECRET', stripeKeyOfA);
    const attempt = () => openSecret(sealed, { projectId: 2, purpose: 'stripe.secret_key' });
    expect(attempt).toThrow(SecretBoxError);
    expect(attempt).toThrow(/stripe\.secret_key of project 2 does not open: it was sealed for another project/);
  });

  it('refuses a sealed value moved to a column for another purpose', () => {
    const sealed = sealSecret('whsec_topsecret', { projectId: 1, purpose: 'webhook.signing_secret' });
    expect(() => openSecret(sealed, { projectId: 1, purpose: 'smtp.password' })).toThrow(SecretBoxError);
    expect(() => openSecret(sealed, stripeKeyOfA)).toThrow(/sealed for another project or purpose/);
    expect(openSecret(sealed, { projectId: 1, purpose: 'webhook.signing_secret' })).toBe('whsec_topsecret');
  });

  it('refuses tampered ciphertext and a different key', () => {
    const sealed = sealSecret('whsec_topsecret', stripeKeyOfA);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => openSecret(parts.join('.'), stripeKeyOfA)).toThrow(SecretBoxError);
    process.env.TILLFLOW_SECRET_KEY = 'c'.repeat(64);
    resetSecretKeyCache();
    expect(() => openSecret(sealed, stripeKeyOfA)).toThrow(SecretBoxError);
    expect(() => openSecret('plain-text', stripeKeyOfA)).toThrow('This stored value is not a sealed secret.');
  });

  it('still opens a value sealed in the old format, and re-seals it bound to its owner', () => {
    const old = sealLegacySecretForTests('sk_test_legacy1234');
    expect(isLegacySealed(old)).toBe(true);
    expect(openSecret(old, stripeKeyOfA)).toBe('sk_test_legacy1234');
    const upgraded = resealSecret(old, stripeKeyOfA);
    expect(isLegacySealed(upgraded)).toBe(false);
    expect(openSecret(upgraded, stripeKeyOfA)).toBe('sk_test_legacy1234');
    expect(() => openSecret(upgraded, { projectId: 2, purpose: 'stripe.secret_key' })).toThrow(SecretBoxError);
    expect(resealSecret(upgraded, stripeKeyOfA)).toBe(upgraded);
  });

  it('masks keys to their kind and last four characters', () => {
    expect(maskSecret('sk_test_51HxyzABCD1234')).toBe('sk_test_••••1234');
    expect(maskSecret('rk_live_zzWXYZ')).toBe('rk_live_••••WXYZ');
    expect(maskSecret('whsec_abcdef9876')).toBe('whsec_••••9876');
  });
});
