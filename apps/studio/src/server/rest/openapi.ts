// The REST API's OpenAPI 3.1 document, served at /api/v1/openapi.json.
const money = {
  orderId: { type: 'integer', minimum: 1, description: 'Id of a row in the bound order table' },
  currency: { type: 'string', minLength: 3, maxLength: 3, example: 'usd' },
  amount: { type: 'integer', minimum: 1, description: 'Amount in the currency’s smallest unit (cents; yen for JPY)' },
};
const error = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: {
          type: 'string',
          enum: [
            'NOT_FOUND',
            'FORBIDDEN',
            'VALIDATION',
            'CONFLICT',
            'PRECONDITION_FAILED',
            'PAYMENT_PROVIDER',
            'UNAUTHORIZED',
          ],
        },
        message: { type: 'string' },
        fieldErrors: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['code', 'message'],
    },
  },
};
const responses = (ok: object) => ({
  '200': { description: 'OK', content: { 'application/json': { schema: ok } } },
  '400': { description: 'Invalid input', content: { 'application/json': { schema: error } } },
  '401': { description: 'Missing or invalid credentials', content: { 'application/json': { schema: error } } },
  '403': { description: 'The role may not use this action', content: { 'application/json': { schema: error } } },
  '404': { description: 'Not found (or not yours)', content: { 'application/json': { schema: error } } },
});
const body = (properties: object, required: string[]) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', properties, required } } },
});
const slug = { name: 'projectSlug', in: 'path', required: true, schema: { type: 'string' } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Tillflow payments API',
    version: '1.0.0',
    description: 'Payment, refund and subscription actions of a Tillflow project.',
  },
  components: {
    securitySchemes: {
      projectApiKey: {
        type: 'http',
        scheme: 'bearer',
        description: 'A project API key (tf_…), made in the studio; acts with full access.',
      },
      endUserSession: {
        type: 'http',
        scheme: 'bearer',
        description: 'An end-user session token of the generated app; acts as that user and role.',
      },
    },
  },
  security: [{ projectApiKey: [] }, { endUserSession: [] }],
  paths: {
    '/api/v1/{projectSlug}/payments': {
      post: {
        summary: 'Stripe payment: create a Checkout Session or a Payment Intent for an order',
        parameters: [slug],
        requestBody: body(
          {
            ...money,
            method: { type: 'string', enum: ['checkout', 'payment_intent'], default: 'checkout' },
            successUrl: { type: 'string', format: 'uri' },
            cancelUrl: { type: 'string', format: 'uri' },
          },
          ['orderId', 'currency', 'amount'],
        ),
        responses: responses({
          type: 'object',
          properties: {
            paymentId: { type: 'integer' },
            status: { type: 'string' },
            checkoutUrl: { type: ['string', 'null'] },
            clientSecret: { type: ['string', 'null'] },
            reused: { type: 'boolean' },
          },
        }),
      },
    },
    '/api/v1/{projectSlug}/refunds': {
      post: {
        summary: 'Refund part or all of a payment (never more than remains)',
        parameters: [slug],
        requestBody: body(
          { paymentId: { type: 'integer' }, amount: { type: 'integer', minimum: 1 }, reason: { type: 'string' } },
          ['paymentId', 'amount'],
        ),
        responses: responses({
          type: 'object',
          properties: { refundId: { type: 'integer' }, status: { type: 'string' }, remaining: { type: 'integer' } },
        }),
      },
    },
    '/api/v1/{projectSlug}/subscriptions': {
      post: {
        summary: 'Recurring payment: Initiate (Checkout in subscription mode)',
        parameters: [slug],
        requestBody: body(
          {
            orderId: money.orderId,
            priceId: { type: 'string', example: 'price_123' },
            trialDays: { type: 'integer', minimum: 1 },
            successUrl: { type: 'string', format: 'uri' },
            cancelUrl: { type: 'string', format: 'uri' },
          },
          ['orderId', 'priceId', 'successUrl', 'cancelUrl'],
        ),
        responses: responses({
          type: 'object',
          properties: { recurringPaymentId: { type: 'integer' }, checkoutUrl: { type: 'string' } },
        }),
      },
    },
    '/api/v1/{projectSlug}/subscriptions/{recurringPaymentId}/cancel': {
      post: {
        summary: 'Recurring payment: Cancel now or at period end',
        parameters: [slug, { name: 'recurringPaymentId', in: 'path', required: true, schema: { type: 'integer' } }],
        requestBody: body({ atPeriodEnd: { type: 'boolean', default: true } }, []),
        responses: responses({
          type: 'object',
          properties: { recurringPaymentId: { type: 'integer' }, stripeStatus: { type: 'string' } },
        }),
      },
    },
    '/api/v1/{projectSlug}/reconcile': {
      post: {
        summary:
          'Check against Stripe: run missed events, compare every non-final payment, refund and subscription with Stripe, repair through the webhook path (API key only)',
        parameters: [slug],
        requestBody: body({}, []),
        responses: responses({
          type: 'object',
          properties: {
            ranAt: { type: 'string', format: 'date-time' },
            checked: { type: 'integer' },
            fixed: { type: 'array', items: { type: 'object' } },
            stillDiffering: { type: 'array', items: { type: 'object' } },
          },
        }),
      },
    },
    '/api/v1/{projectSlug}/subscriptions/{recurringPaymentId}/amount': {
      post: {
        summary:
          'Recurring payment: set the amount of later charges (minor units; never above the initial amount; API key only)',
        parameters: [slug, { name: 'recurringPaymentId', in: 'path', required: true, schema: { type: 'integer' } }],
        requestBody: body({ amount: { type: 'integer', minimum: 1 } }, ['amount']),
        responses: responses({
          type: 'object',
          properties: {
            recurringPaymentId: { type: 'integer' },
            nextAmount: { type: 'integer' },
            stripePriceId: { type: 'string' },
          },
        }),
      },
    },
  },
} as const;
