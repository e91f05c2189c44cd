import { afterEach, describe, expect, it } from 'vitest';
import { createStripeAccounts } from '../src/stripe-accounts';

// The studio hands createServices how to start the embedded sandbox; it starts when the first
// project needs it (TILLFLOW_SANDBOX=auto), never in a process that was given no launcher (workers, off).

afterEach(() => {
  delete process.env.TILLFLOW_SANDBOX_URL;
});

describe('starting the embedded sandbox on demand', () => {
  it('starts it once, on first need, however many callers ask at once', async () => {
    delete process.env.TILLFLOW_SANDBOX_URL;
    let starts = 0;
    const accounts = createStripeAccounts({
      launchSandbox: async () => {
        starts += 1;
        await new Promise((r) => setTimeout(r, 20));
        process.env.TILLFLOW_SANDBOX_URL = 'http://127.0.0.1:12111';
        return 'http://127.0.0.1:12111';
      },
    });
    expect(starts).toBe(0);
    const urls = await Promise.all([accounts.sandboxUrl(), accounts.sandboxUrl(), accounts.sandboxUrl()]);
    expect(urls).toEqual(['http://127.0.0.1:12111', 'http://127.0.0.1:12111', 'http://127.0.0.1:12111']);
    expect(await accounts.sandboxUrl()).toBe('http://127.0.0.1:12111');
    expect(starts).toBe(1);
  });

  it('starts nothing without a launcher, and tries again after a failed start', async () => {
    delete process.env.TILLFLOW_SANDBOX_URL;
    expect(await createStripeAccounts().sandboxUrl()).toBeUndefined();
    let attempts = 0;
    const accounts = createStripeAccounts({
      launchSandbox: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('port in use');
        return 'http://127.0.0.1:12112';
      },
    });
    await expect(accounts.sandboxUrl()).rejects.toThrow('port in use');
    expect(await accounts.sandboxUrl()).toBe('http://127.0.0.1:12112');
  });

  it('a launcher belongs to the services it was passed to: other services in the process start nothing', async () => {
    delete process.env.TILLFLOW_SANDBOX_URL;
    let starts = 0;
    const studio = createStripeAccounts({
      launchSandbox: async () => {
        starts += 1;
        return 'http://127.0.0.1:12113';
      },
    });
    const worker = createStripeAccounts();
    expect(await worker.sandboxUrl()).toBeUndefined();
    expect(starts).toBe(0);
    expect(await studio.sandboxUrl()).toBe('http://127.0.0.1:12113');
  });
});
