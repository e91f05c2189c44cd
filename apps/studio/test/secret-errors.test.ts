import { openSecret, resetSecretKeyCache, SecretBoxError, sealSecret } from '@tillflow/core';
import { afterEach, describe, expect, it } from 'vitest';
import { toTRPCError } from '~/server/api/errors';

describe('a stored secret that does not open here', () => {
  afterEach(() => {
    delete process.env.TILLFLOW_SECRET_KEY;
    resetSecretKeyCache();
  });

  it('reaches the builder as a precondition with its message, not as an internal error', () => {
    process.env.TILLFLOW_SECRET_KEY = 'e'.repeat(64);
    resetSecretKeyCache();
    const sealed = sealSecret('sk_test_other', { projectId: 7, purpose: 'stripe.secret_key' });
    const error = (() => {
      try {
        openSecret(sealed, { projectId: 8, purpose: 'stripe.secret_key' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecretBoxError);
    const mapped = toTRPCError(error);
    expect(mapped?.code).toBe('PRECONDITION_FAILED');
    expect(mapped?.message).toMatch(/stripe\.secret_key of project 8 does not open.*Enter it again\./);
  });
});
