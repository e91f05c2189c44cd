import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleApi } from './api';
import { handlePage } from './checkout-page';
import type { Route, SandboxCore } from './context';
import { handleControl, type SandboxControls } from './control';
import { eventRoutes } from './events';
import { handleObjectPage } from './object-page';
import { billingPortalRoutes, handlePortalPage } from './resources/billing-portal';
import { chargeRoutes } from './resources/charges';
import { checkoutRoutes } from './resources/checkout';
import { couponRoutes } from './resources/coupons';
import { customerRoutes } from './resources/customers';
import { disputeRoutes } from './resources/disputes';
import { invoiceItemRoutes } from './resources/invoice-items';
import { invoiceRoutes } from './resources/invoice-routes';
import { oneOffInvoiceRoutes } from './resources/one-off-invoices';
import { paymentIntentRoutes } from './resources/payment-intent-routes';
import { paymentMethodRoutes } from './resources/payment-methods';
import { priceRoutes } from './resources/prices';
import { productRoutes } from './resources/products';
import { refundRoutes } from './resources/refunds';
import { setupIntentRoutes } from './resources/setup-intents';
import { subscriptionItemRoutes } from './resources/subscription-items';
import { subscriptionRoutes } from './resources/subscriptions';
import { testClockRoutes } from './resources/test-clocks';
import { Router } from './router';
import { searchRoutes } from './search';
import { handleStripeJs } from './stripe-js';
import { webhookEndpointRoutes } from './webhook-endpoints';

export const ROUTES: Route[] = [
  ...searchRoutes,
  ...customerRoutes,
  ...productRoutes,
  ...priceRoutes,
  ...checkoutRoutes,
  ...paymentIntentRoutes,
  ...paymentMethodRoutes,
  ...chargeRoutes,
  ...refundRoutes,
  ...disputeRoutes,
  ...subscriptionRoutes,
  ...subscriptionItemRoutes,
  ...invoiceRoutes,
  ...oneOffInvoiceRoutes,
  ...invoiceItemRoutes,
  ...testClockRoutes,
  ...couponRoutes,
  ...billingPortalRoutes,
  ...setupIntentRoutes,
  ...webhookEndpointRoutes,
  ...eventRoutes,
];

const MAX_BODY = 2 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** One HTTP server for Stripe's API (`/v1`), the control surface (`/_sandbox`) and the hosted pages. */
export function createSandboxServer(core: SandboxCore, controls: SandboxControls, controlToken: string): Server {
  const router = new Router(ROUTES);
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const raw = await readBody(req);
      const path = (req.url ?? '/').split('?')[0];
      if (path.startsWith('/v1/') && req.method === 'OPTIONS') {
        // CORS preflight: browsers may call the API with a publishable key, as Stripe.js does.
        res.writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, POST, DELETE',
          'access-control-allow-headers': 'Authorization, Content-Type, Stripe-Version, Idempotency-Key',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
      if (path.startsWith('/v1/')) return handleApi(core, router, req, res, raw);
      if (path === '/_sandbox' || path.startsWith('/_sandbox/'))
        return handleControl(controls, controlToken, req, res, raw);
      if (handlePage(core, req, res, raw)) return;
      if (handlePortalPage(core, req, res, raw)) return;
      if (handleStripeJs(path, res)) return;
      if (req.method === 'GET' && handleObjectPage(core, path, res)) return;
      if (path === '/' || path === '/health') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('Tillflow Stripe sandbox\n');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found\n');
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: `Sandbox internal error: ${String(e)}` } }));
    }
  });
}
