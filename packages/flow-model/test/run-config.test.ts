import { describe, expect, it } from 'vitest';
import { parseRunConfig, upgradeStoredConfig } from '../src/index';

const run = (type: Parameters<typeof parseRunConfig>[0], config: Record<string, unknown>) =>
  parseRunConfig(type, config, config);

describe('a node runs with the config its catalog schema parses', () => {
  it('fills in the catalog defaults', () => {
    expect(run('http_request', { url: 'https://example.com/x' })).toEqual({
      success: true,
      config: { method: 'GET', url: 'https://example.com/x', headers: {}, timeoutMs: 10_000 },
    });
    expect(run('code', { code: 'return 1' })).toMatchObject({ config: { timeoutMs: 1000, memoryMb: 32 } });
  });

  it('sends a header bound to a number as its text', () => {
    const parsed = run('http_request', { url: 'https://example.com', headers: { 'x-count': 3, 'x-on': true } });
    expect(parsed).toMatchObject({ success: true, config: { headers: { 'x-count': '3', 'x-on': 'true' } } });
  });

  it('refuses a URL that is not http(s) once its bindings are filled in, naming the node and field', () => {
    const parsed = run('http_request', { url: 'ftp://example.com' });
    expect(parsed).toEqual({
      success: false,
      message: 'HTTP request settings are not valid: url: The URL must start with http:// or https://',
    });
    expect(run('http_request', { url: 'https://' }).success).toBe(false);
  });

  it('emails one address or a list, from the sender the node names', () => {
    expect(
      run('send_email', { to: ['a@example.com', 'b@example.com'], subject: 'Hi', text: 'x', from: 'shop@example.com' }),
    ).toMatchObject({ success: true, config: { to: ['a@example.com', 'b@example.com'], from: 'shop@example.com' } });
    expect(run('send_email', { to: [], subject: 'Hi', text: 'x' }).success).toBe(false);
  });

  it('lets a flow call the Stripe operations it could before (create customers and intents, update customers)', () => {
    const calls: [string, Record<string, unknown>][] = [
      ['customers.create', {}],
      ['customers.update', { id: 'cus_1', name: 'Ada' }],
      ['paymentIntents.create', { amount: 1500, currency: 'usd' }],
      ['refunds.create', { payment_intent: 'pi_1' }],
    ];
    for (const [operation, params] of calls)
      expect(run('stripe_api_call', { operation, params }).success, operation).toBe(true);
    expect(run('stripe_api_call', { operation: 'accounts.del' }).success).toBe(false);
  });

  it('says in words which Stripe parameter is wrong: unknown, missing, or not of its type', () => {
    expect(run('stripe_api_call', { operation: 'customers.create', params: { colour: 'red' } })).toMatchObject({
      success: false,
      message: expect.stringContaining('Customers: create has no parameter "colour". It takes address, balance,'),
    });
    expect(run('stripe_api_call', { operation: 'paymentIntents.create', params: { amount: 1500 } })).toMatchObject({
      success: false,
      message: expect.stringContaining(
        'Payment intents: create needs "currency" (Three-letter ISO currency code, in lowercase)',
      ),
    });
    expect(
      run('stripe_api_call', { operation: 'paymentIntents.create', params: { amount: 'lots', currency: 'usd' } }),
    ).toMatchObject({ success: false, message: expect.stringContaining('"amount" must be a number, not "lots".') });
    expect(
      run('stripe_api_call', {
        operation: 'prices.create',
        params: { currency: 'usd', recurring: { interval: 'fortnight' } },
      }),
    ).toMatchObject({ success: false, message: expect.stringContaining('"recurring[interval]" must be one of "day"') });
  });

  it('hands an expression field over as its evaluated value, checked as written', () => {
    const parsed = parseRunConfig('condition', { expression: false }, { expression: '{{ 1 > 2 }}' });
    expect(parsed).toEqual({ success: true, config: { expression: false } });
    expect(parseRunConfig('condition', { expression: true }, {}).success).toBe(false);
  });
});

describe('stored configs from before a shape was settled still run', () => {
  it('reads a condition stored under `condition` or `value` as its expression', () => {
    expect(upgradeStoredConfig('condition', { condition: '{{ trigger.ok }}' })).toEqual({
      expression: '{{ trigger.ok }}',
    });
    expect(upgradeStoredConfig('condition', { value: true })).toEqual({ expression: 'true' });
    expect(upgradeStoredConfig('condition', { expression: 'a', condition: 'b' })).toEqual({
      expression: 'a',
      condition: 'b',
    });
  });

  it('reads variables stored as `values` or as a name/value list', () => {
    expect(upgradeStoredConfig('set_variables', { values: { a: 1 } })).toEqual({ variables: { a: 1 } });
    expect(
      upgradeStoredConfig('set_variables', {
        variables: [
          { name: 'a', value: 1 },
          { key: 'b', value: '{{ x }}' },
        ],
      }),
    ).toEqual({ variables: { a: 1, b: '{{ x }}' } });
  });

  it('lowers code limits saved above today’s caps (or as text) instead of refusing to run', () => {
    const upgraded = upgradeStoredConfig('code', { code: 'return 1', timeoutMs: 30_000, memoryMb: '512' });
    expect(upgraded).toEqual({ code: 'return 1', timeoutMs: 5000, memoryMb: 64 });
    expect(run('code', upgraded).success).toBe(true);
  });
});
