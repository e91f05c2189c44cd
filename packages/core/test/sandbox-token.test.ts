import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sameToken, sandboxControlToken } from '../src';

describe('the sandbox control token', () => {
  it('is generated once per install into the data folder, readable by its owner only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tillflow-token-'));
    const env = { TILLFLOW_DATA_DIR: dir };
    const first = sandboxControlToken(env);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sandboxControlToken(env)).toBe(first);
    const file = path.join(dir, 'sandbox.token');
    expect(readFileSync(file, 'utf8')).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('comes from TILLFLOW_SANDBOX_TOKEN when the operator sets it (a sandbox run elsewhere)', () => {
    expect(sandboxControlToken({ TILLFLOW_SANDBOX_TOKEN: ' shared-token ' })).toBe('shared-token');
  });

  it('compares in constant time and refuses a missing or different token', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abd', 'abc')).toBe(false);
    expect(sameToken('ab', 'abc')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
  });
});
