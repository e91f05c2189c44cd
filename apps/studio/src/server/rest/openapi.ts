// The REST API's OpenAPI 3.1 document, served at /api/v1/openapi.json.
const API_KEY_ONLY =
  'Only with a project API key. With an end-user session token this field is refused (400): the order decides.';
const money = {
  orderId: { type: 'integer', minimum: 1, description: 'Id of a row in the bound order table' },
  currency: {
    type: 'string',
    minLength: 3,
    maxLength: 3,
    example: 'usd',
    description: `Currency of \`amount\`; sent together with it. ${API_KEY_ONLY}`,
  },
  amount: {
    type: 'integer',
    minimum: 1,
    description:
      'Amount in the currency’s smallest unit (cents; yen for JPY). Leave out (with `currency`) to charge the order’s ' +
      `own \`amount\` column (and its \`currency\` column, else usd). ${API_KEY_ONLY}`,
  },
};
const returnUrl = {
  type: 'string',
  format: 'uri',
  description:
    'Where Checkout sends the buyer back: an http(s) address on the studio’s PUBLIC_URL origin or on a site the ' +
    'project lists under Payments → Return addresses; anything else is refused (400).',
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
            'NODE_FAILED',
            'UNAVAILABLE',
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
  '400': {
    description:
      'Invalid input, a field the caller may not set (e.g. an amount from an end user), or a foreign return URL',
    content: { 'application/json': { schema: error } },
  },
  '401': { description: 'Missing or invalid credentials', content: { 'application/json': { schema: error } } },
  '403': { description: 'The role may not use this action', content: { 'application/json': { schema: error } } },
  '404': { description: 'Not found (or not yours)', content: { 'application/json': { schema: error } } },
  '412': {
    description: 'The shop’s setup is missing something (e.g. the order has no amount yet)',
    content: { 'application/json': { schema: error } },
  },
});
const body = (properties: object, required: string[]) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', properties, required } } },
});
const slug = { name: 'projectSlug', in: 'path', required: true, schema: { type: 'string' } };
const rowId = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const row = (noun: string, properties: object) => ({
  type: 'object',
  description: `A ${noun} row as stored (amounts in minor units, with their currency).`,
  properties: {
    id: { type: 'integer' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    ...properties,
  },
});
const PAYMENT_ROW = row('payment', {
  order_id: { type: ['integer', 'null'] },
  status: { type: 'string' },
  amount: { type: 'integer' },
  currency: { type: 'string' },
  items: {
    type: ['array', 'null'],
    description: 'Catalog prices sold (null when the order’s amount was charged).',
    items: {
      type: 'object',
      properties: {
        price: { type: 'string' },
        quantity: { type: 'integer' },
        name: { type: 'string' },
        unitAmount: { type: 'integer', description: 'Minor units.' },
        currency: { type: 'string' },
      },
    },
  },
  amount_discount: { type: 'integer', description: 'Minor units Stripe took off at Checkout (0 without a discount).' },
  discount_coupon: { type: ['string', 'null'] },
  discount_promotion_code: { type: ['string', 'null'] },
  discount_code: { type: ['string', 'null'], example: 'SPRING' },
});
const REFUND_ROW = row('refund', {
  payment_id: { type: 'integer' },
  status: { type: 'string', enum: ['PENDING', 'REFUNDED', 'FAILED'] },
  amount: { type: 'integer' },
  currency: { type: 'string' },
  reason: { type: ['string', 'null'] },
});
const SUBSCRIPTION_ROW = row('subscription', {
  order_id: { type: 'integer' },
  subscriber: { type: ['integer', 'null'] },
  status: { type: 'string', example: 'ACTIVE' },
  stripe_subscription_id: { type: ['string', 'null'] },
  stripe_price_id: { type: 'string' },
  initial_amount: { type: ['integer', 'null'] },
  next_amount: { type: ['integer', 'null'] },
  currency: { type: ['string', 'null'] },
  trial_days: { type: ['integer', 'null'] },
  current_period_end: { type: ['string', 'null'] },
  cancel_at_period_end: { type: 'boolean' },
  quantity: { type: ['integer', 'null'] },
  plan_amount: { type: ['integer', 'null'], description: 'What the plan charges per interval now (minor units).' },
  plan_interval: { type: ['string', 'null'], example: 'month' },
  collection_paused: { type: 'boolean' },
  payment_method: { type: ['string', 'null'], example: 'Visa ending in 4242' },
});
const ORDER_ROW = {
  ...row('order', {
    status: { type: 'string', example: 'paid', description: 'The order’s status column (pending, paid, refunded, …).' },
    amount: { type: ['integer', 'null'], description: 'What the order costs, when the shop keeps it on the order.' },
    currency: { type: ['string', 'null'] },
  }),
  description:
    'A row of the order table the shop turned payments on for: its own columns by name (amounts in minor units), ' +
    'the owner column as the end user’s id.',
  additionalProperties: true,
};
const page = (item: object) => ({
  type: 'object',
  properties: {
    data: { type: 'array', items: item },
    nextCursor: { type: ['string', 'null'], description: 'Pass as `after` for the next page; null on the last.' },
  },
});
const listParams = (filters: object[]) => [
  slug,
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  { name: 'after', in: 'query', schema: { type: 'string' }, description: 'The previous page’s nextCursor' },
  ...filters,
];
const readNote =
  'Newest first. A project API key reads every row; an end-user session token only what that role may read ' +
  '(own rows where the table is scoped to its owner).';

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Tillflow payments API',
    version: '1.0.0',
    description:
      'Orders, payments, refunds and subscriptions of a Tillflow project. What is charged is decided by the server: ' +
      'with an end-user session token a request names only the order (and, for a subscription, one of the plans ' +
      'the shop offers); `amount`, `currency`, `price`, `priceId`, `product` or `trialDays` in the body are refused ' +
      'with 400 and the order’s own amount is charged. A project API key (the shop’s own backend) may still name ' +
      'an amount and currency, or any recurring price and trial.',
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
    '/api/v1/{projectSlug}/orders': {
      get: {
        summary: 'List orders',
        description: `${readNote} The order table is the one the shop turned payments on for (412 before that).`,
        parameters: listParams([{ name: 'status', in: 'query', schema: { type: 'string' }, example: 'paid' }]),
        responses: responses(page(ORDER_ROW)),
      },
    },
    '/api/v1/{projectSlug}/orders/{id}': {
      get: { summary: 'Get an order', parameters: [slug, rowId], responses: responses(ORDER_ROW) },
    },
    '/api/v1/{projectSlug}/payments': {
      get: {
        summary: 'List payments',
        description: readNote,
        parameters: listParams([
          { name: 'status', in: 'query', schema: { type: 'string' }, example: 'SUCCESSFUL' },
          { name: 'order_id', in: 'query', schema: { type: 'integer' } },
        ]),
        responses: responses(page(PAYMENT_ROW)),
      },
      post: {
        summary: 'Stripe payment: create a Checkout Session or a Payment Intent for an order',
        parameters: [slug],
        requestBody: body(
          {
            ...money,
            method: { type: 'string', enum: ['checkout', 'payment_intent'], default: 'checkout' },
            successUrl: { ...returnUrl, description: `Required for checkout. ${returnUrl.description}` },
            cancelUrl: { ...returnUrl, description: `Required for checkout. ${returnUrl.description}` },
            items: {
              type: 'array',
              minItems: 1,
              maxItems: 20,
              description:
                'Catalog prices to sell, read from the project’s Stripe account (which decides the total); instead of amount. ' +
                'An archived, recurring or unknown price is refused.',
              items: {
                type: 'object',
                required: ['price'],
                properties: {
                  price: { type: 'string', example: 'price_123' },
                  quantity: { type: 'integer', minimum: 1, maximum: 999, default: 1 },
                },
              },
            },
            promotionCode: { type: 'string', description: 'A promotion code to apply at Checkout.', example: 'SPRING' },
            allowPromotionCodes: { type: 'boolean', description: 'Let the shopper type a code on Checkout.' },
          },
          ['orderId'],
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
    '/api/v1/{projectSlug}/payments/{id}': {
      get: { summary: 'Get a payment', parameters: [slug, rowId], responses: responses(PAYMENT_ROW) },
    },
    '/api/v1/{projectSlug}/refunds/{id}': {
      get: { summary: 'Get a refund', parameters: [slug, rowId], responses: responses(REFUND_ROW) },
    },
    '/api/v1/{projectSlug}/refunds': {
      get: {
        summary: 'List refunds',
        description: readNote,
        parameters: listParams([
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['PENDING', 'REFUNDED', 'FAILED'] } },
          { name: 'payment_id', in: 'query', schema: { type: 'integer' } },
        ]),
        responses: responses(page(REFUND_ROW)),
      },
      post: {
        summary: 'Refund part or all of a payment (never more than remains)',
        parameters: [slug],
        requestBody: body(
          {
            paymentId: {
              type: ['integer', 'string'],
              description: 'The payment: our id, or Stripe’s id of its PaymentIntent (pi_…).',
            },
            amount: {
              type: ['integer', 'null'],
              minimum: 1,
              description:
                'Minor units (cents; yen for JPY). Leave out, or send null, for a full refund of what remains refundable.',
            },
            reason: { type: 'string' },
          },
          ['paymentId'],
        ),
        responses: responses({
          type: 'object',
          properties: { refundId: { type: 'integer' }, status: { type: 'string' }, remaining: { type: 'integer' } },
        }),
      },
    },
    '/api/v1/{projectSlug}/subscriptions/{id}': {
      get: { summary: 'Get a subscription', parameters: [slug, rowId], responses: responses(SUBSCRIPTION_ROW) },
    },
    '/api/v1/{projectSlug}/subscriptions': {
      get: {
        summary: 'List subscriptions',
        description: readNote,
        parameters: listParams([
          { name: 'status', in: 'query', schema: { type: 'string' }, example: 'ACTIVE' },
          { name: 'order_id', in: 'query', schema: { type: 'integer' } },
          { name: 'stripe_subscription_id', in: 'query', schema: { type: 'string' }, example: 'sub_123' },
        ]),
        responses: responses(page(SUBSCRIPTION_ROW)),
      },
      post: {
        summary: 'Recurring payment: Initiate (Checkout in subscription mode)',
        parameters: [slug],
        requestBody: body(
          {
            orderId: money.orderId,
            plan: {
              type: 'string',
              example: 'price_123',
              description:
                'One of the plans the shop offers (the recurring prices listed in the studio under App), by price ' +
                'id; its price and the shop’s trial days apply. What end users send.',
            },
            priceId: {
              type: 'string',
              example: 'price_123',
              description: `Any recurring price of the project’s account, instead of \`plan\`. ${API_KEY_ONLY}`,
            },
            trialDays: { type: 'integer', minimum: 1, maximum: 730, description: `With \`priceId\`. ${API_KEY_ONLY}` },
            successUrl: returnUrl,
            cancelUrl: returnUrl,
          },
          ['orderId', 'successUrl', 'cancelUrl'],
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
    '/api/v1/{projectSlug}/flows/{flowId}/call': {
      post: {
        summary:
          'Run an actionflow made to be called from the app ("A button on one of your pages") and get its outputs',
        description:
          'End-user session token only: the flow runs as that user, exactly as a button on a page runs it. Their role ' +
          'must be one the flow lists (else 403); `inputs` are checked against the flow’s declared inputs (a missing ' +
          'input or one of the wrong type is refused with 400 naming it, and no run is made); the flow’s data steps ' +
          'act with the user’s permissions and row scope. The run is recorded in the flow’s run history. A flow that ' +
          'failed answers 422 with the reason; one that will be tried again answers 503.',
        parameters: [slug, { name: 'flowId', in: 'path', required: true, schema: { type: 'string' } }],
        security: [{ endUserSession: [] }],
        requestBody: body(
          {
            inputs: {
              type: 'object',
              description: 'The flow’s declared inputs by name (text, number or yes/no).',
              additionalProperties: { type: ['string', 'number', 'boolean'] },
            },
          },
          [],
        ),
        responses: {
          ...responses({
            type: 'object',
            properties: {
              runId: { type: 'string' },
              outputs: {
                type: 'object',
                description: 'The flow’s declared outputs by name, from its "Return to the app" step.',
                additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
              },
            },
          }),
          '422': {
            description: 'The flow failed (the reason in words)',
            content: { 'application/json': { schema: error } },
          },
          '503': {
            description: 'The flow stopped on a passing error and will be tried again',
            content: { 'application/json': { schema: error } },
          },
        },
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
