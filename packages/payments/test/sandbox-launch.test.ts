import { afterEach, describe, expect, it } from 'vitest';
import { ensureSandboxRunning, setSandboxLauncher } from '../src/stripe-client';

// The studio registers how to start the embedded sandbox; it starts when the first
// project needs it (TILLFLOW_SANDBOX=auto), never when nothing registered (off).

afterEach(() => {
  setSandboxLauncher(null);
  delete process.env.TILLFLOW_SANDBOX_URL;
});

describe('starting the embedded sandbox on demand', () => {
  it('starts it once, on first need, however many callers ask at once', async () => {
    delete process.env.TILLFLOW_SANDBOX_URL;
    let starts = 0;
    setSandboxLauncher(async () => {
      starts += 1;
      await new Promise((r) => setTimeout(r, 20));
      process.env.TILLFLOW_SANDBOX_URL = 'http://127.0.0.1:12111';
      return 'http://127.0.0.1:12111';
    });
    expect(starts).toBe(0);
    const urls = await Promise.all([ensureSandboxRunning(), ensureSandboxRunning(), ensureSandboxRunning()]);
    expect(urls).toEqual(['http://127.0.0.1:12111', 'http://127.0.0.1:12111', 'http://127.0.0.1:12111']);
    expect(await ensureSandboxRunning()).toBe('http://127.0.0.1:12111');
    expect(starts).toBe(1);
  });

  it('starts nothing without a launcher, and tries again after a failed start', async () => {
    delete process.env.TILLFLOW_SANDBOX_URL;
    expect(await ensureSandboxRunning()).toBeUndefined();
    let attempts = 0;
    setSandboxLauncher(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('port in use');
      return 'http://127.0.0.1:12112';
    });
    await expect(ensureSandboxRunning()).rejects.toThrow('port in use');
    expect(await ensureSandboxRunning()).toBe('http://127.0.0.1:12112');
  });
});
