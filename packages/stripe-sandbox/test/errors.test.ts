import { TillflowError } from '@tillflow/core';
import { describe, expect, it } from 'vitest';
import { invalidParam, resourceMissing, StripeApiError } from '../src/errors';

describe('sandbox API errors', () => {
  it('are TillflowErrors that keep Stripe’s status and envelope', () => {
    const missing = resourceMissing('customer', 'cus_1');
    expect(missing).toBeInstanceOf(TillflowError);
    expect(missing).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(missing.toBody().error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing' });
    expect(invalidParam('amount')).toMatchObject({ code: 'VALIDATION', status: 400 });
    const declined = new StripeApiError(402, 'card_error', 'Your card was declined.', {
      decline_code: 'generic_decline',
    });
    expect(declined).toMatchObject({ code: 'PAYMENT_PROVIDER', status: 402, stripeStatus: 402 });
    expect(new StripeApiError(500, 'api_error', 'x')).toMatchObject({ code: 'INTERNAL', status: 500 });
  });
});
