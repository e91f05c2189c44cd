import type { DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuth } from '~/server/auth-config';

describe('builder accounts', () => {
  let handle: DbHandle;
  let auth: ReturnType<typeof buildAuth>;
  beforeAll(async () => {
    handle = await createTestDb();
    auth = buildAuth(handle.db);
  });
  afterAll(() => handle.close());

  const email = () => `auth-${uniqueSuffix()}@example.test`;

  it('signs up, then signs in with the right password and gets a session', async () => {
    const address = email();
    await auth.api.signUpEmail({ body: { email: address, password: 'a-good-pass-7', name: 'Ann' } });
    const signedIn = await auth.api.signInEmail({ body: { email: address, password: 'a-good-pass-7' } });
    expect(signedIn.token).toBeTruthy();
    const rows = await handle.query<{ password: string }>(
      'select a.password from auth_account a join auth_user u on u.id = a.user_id where u.email = $1',
      [address],
    );
    // scrypt hash (salt:key), never the password itself
    expect(rows[0].password).not.toContain('a-good-pass-7');
    expect(rows[0].password).toMatch(/^[0-9a-f]+:[0-9a-f]+$/);
  });

  it('refuses a wrong password with a clear message', async () => {
    const address = email();
    await auth.api.signUpEmail({ body: { email: address, password: 'a-good-pass-7', name: 'Ann' } });
    await expect(auth.api.signInEmail({ body: { email: address, password: 'wrong-pass-7' } })).rejects.toThrow(
      /invalid email or password/i,
    );
  });

  it('refuses a duplicate email', async () => {
    const address = email();
    await auth.api.signUpEmail({ body: { email: address, password: 'a-good-pass-7', name: 'Ann' } });
    await expect(
      auth.api.signUpEmail({ body: { email: address, password: 'another-pass-8', name: 'Ann' } }),
    ).rejects.toThrow(/already exists/i);
  });

  it.each([
    ['short1', /at least 8 characters/],
    ['onlyletters', /at least one digit/],
    ['password123', /common passwords/],
  ])('refuses the weak password %s', async (password, message) => {
    await expect(auth.api.signUpEmail({ body: { email: email(), password, name: 'Ann' } })).rejects.toThrow(message);
  });
});
