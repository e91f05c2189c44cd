import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

  it('masks only a known prefix at the start, and a value with no known prefix to its last four', () => {
    expect(maskSecret('my-smtp-password')).toBe('••••word');
    expect(maskSecret('xsk_test_abcd1234')).toBe('••••1234');
    expect(maskSecret('password-whsec_9876')).toBe('••••9876');
  });

  it('a value sealed by an earlier release still opens (the format and what it is bound to are fixed)', () => {
    // Sealed with TILLFLOW_SECRET_KEY = 'a' x 64 for project 7's SMTP password; changing the format, the cipher
    // or the bound data would strand every stored secret.
    const stored = 'v2.yiEROiUV8Q6QSqe_.OYWjotONnchiTHPt-B5Q3w.Bv8Xotm6hs9fIAr-G_57V5tMLOA6';
    expect(openSecret(stored, { projectId: 7, purpose: 'smtp.password' })).toBe('sk_test_golden€1234');
    expect(() => openSecret(stored, { projectId: 7, purpose: 'stripe.secret_key' })).toThrow(SecretBoxError);
    expect(sealSecret('sk_test_golden€1234', stripeKeyOfA)).toMatch(
      /^v2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/,
    );
  });

  it('refuses an owner with no usable project id or purpose, in words, before anything is sealed or opened', () => {
    const sealed = sealSecret('whsec_topsecret', stripeKeyOfA);
    for (const projectId of [0, -1, 1.5, Number.NaN]) {
      expect(() => sealSecret('x', { projectId, purpose: 'smtp.password' })).toThrow(
        'A sealed secret needs the id of the project it belongs to.',
      );
      expect(() => openSecret(sealed, { projectId, purpose: 'stripe.secret_key' })).toThrow(
        'A sealed secret needs the id of the project it belongs to.',
      );
    }
    expect(() => sealSecret('x', { projectId: 1, purpose: '' as never })).toThrow('A sealed secret needs its purpose.');
  });

  it('a refusal is a precondition (enter it again), not retried, and keeps the cause', () => {
    const sealed = sealSecret('whsec_topsecret', stripeKeyOfA);
    let refusal: unknown;
    try {
      openSecret(sealed, { projectId: 2, purpose: 'stripe.secret_key' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(SecretBoxError);
    expect((refusal as SecretBoxError).code).toBe('PRECONDITION_FAILED');
    expect((refusal as SecretBoxError).name).toBe('SecretBoxError');
    expect((refusal as SecretBoxError).cause).toBeInstanceOf(Error);
  });

  it('refuses values that are not four dot-separated parts of a known version', () => {
    const [, iv, tag, body] = sealSecret('whsec_topsecret', stripeKeyOfA).split('.');
    for (const bad of [`v3.${iv}.${tag}.${body}`, `v2..${tag}.${body}`, `v2.${iv}..${body}`, `v2.${iv}.${tag}`, 'v2']) {
      expect(() => openSecret(bad, stripeKeyOfA)).toThrow('This stored value is not a sealed secret.');
    }
  });

  it('a base64 key and the same key in hex are one key', () => {
    const sealed = sealSecret('sk_test_51abcdefSECRET', stripeKeyOfA);
    process.env.TILLFLOW_SECRET_KEY = Buffer.from('a'.repeat(64), 'hex').toString('base64');
    resetSecretKeyCache();
    expect(openSecret(sealed, stripeKeyOfA)).toBe('sk_test_51abcdefSECRET');
  });

  describe('with no TILLFLOW_SECRET_KEY', () => {
    let dir: string;
    beforeEach(() => {
      delete process.env.TILLFLOW_SECRET_KEY;
      dir = mkdtempSync(path.join(tmpdir(), 'tf-secret-'));
      process.env.TILLFLOW_DATA_DIR = path.join(dir, 'data');
      resetSecretKeyCache();
    });
    afterEach(() => {
      delete process.env.TILLFLOW_DATA_DIR;
      rmSync(dir, { recursive: true, force: true });
    });

    it('generates a key once into the data folder, readable only by its owner, and keeps using it', () => {
      const sealed = sealSecret('sk_test_51abcdefSECRET', stripeKeyOfA);
      const file = path.join(dir, 'data', 'secret.key');
      expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      resetSecretKeyCache();
      expect(openSecret(sealed, stripeKeyOfA)).toBe('sk_test_51abcdefSECRET');
      expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    });

    it('reads a key file written by hand (trailing newline allowed) and refuses one of the wrong length', () => {
      const sealed = (() => {
        process.env.TILLFLOW_SECRET_KEY = 'b'.repeat(64);
        resetSecretKeyCache();
        const value = sealSecret('whsec_topsecret', stripeKeyOfA);
        delete process.env.TILLFLOW_SECRET_KEY;
        resetSecretKeyCache();
        return value;
      })();
      sealSecret('x', stripeKeyOfA); // creates the folder and a key
      writeFileSync(path.join(dir, 'data', 'secret.key'), `${'b'.repeat(64)}\n`);
      resetSecretKeyCache();
      expect(openSecret(sealed, stripeKeyOfA)).toBe('whsec_topsecret');
      writeFileSync(path.join(dir, 'data', 'secret.key'), 'abcd');
      resetSecretKeyCache();
      expect(() => sealSecret('x', stripeKeyOfA)).toThrow('TILLFLOW_SECRET_KEY must be 32 bytes');
      writeFileSync(path.join(dir, 'data', 'secret.key'), `${'b'.repeat(64)}zz`);
      resetSecretKeyCache();
      expect(() => sealSecret('x', stripeKeyOfA)).toThrow('TILLFLOW_SECRET_KEY must be 32 bytes');
    });
  });
});
