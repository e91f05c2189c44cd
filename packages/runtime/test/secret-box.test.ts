import { afterEach, describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, maskSecret, resetSecretKeyCache } from '../src/secret-box';

describe('secret box', () => {
  afterEach(() => {
    delete process.env.TILLFLOW_SECRET_KEY;
    resetSecretKeyCache();
  });

  it('round-trips with a fresh IV each time and never stores the plaintext', () => {
    process.env.TILLFLOW_SECRET_KEY = 'a'.repeat(64);
    resetSecretKeyCache();
    const a = encryptSecret('sk_test_51abcdefSECRET');
    const b = encryptSecret('sk_test_51abcdefSECRET');
    expect(a).not.toBe(b);
    expect(a).not.toContain('SECRET');
    expect(decryptSecret(a)).toBe('sk_test_51abcdefSECRET');
  });

  it('refuses tampered ciphertext and a different key', () => {
    process.env.TILLFLOW_SECRET_KEY = 'b'.repeat(64);
    resetSecretKeyCache();
    const sealed = encryptSecret('whsec_topsecret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(parts.join('.'))).toThrow();
    process.env.TILLFLOW_SECRET_KEY = 'c'.repeat(64);
    resetSecretKeyCache();
    expect(() => decryptSecret(sealed)).toThrow();
  });

  it('masks keys to their kind and last four characters', () => {
    expect(maskSecret('sk_test_51HxyzABCD1234')).toBe('sk_test_••••1234');
    expect(maskSecret('rk_live_zzWXYZ')).toBe('rk_live_••••WXYZ');
    expect(maskSecret('whsec_abcdef9876')).toBe('whsec_••••9876');
  });
});
