import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DbHandle } from '@tillflow/db';
import { ingestStripeWebhook, MAX_WEBHOOK_BODY_BYTES } from './ingest';

const ROUTE = /^\/api\/hooks\/stripe\/([^/?]+)\/?(?:\?.*)?$/;

/**
 * The webhook route outside Next.js (the bench, tests, a standalone receiver):
 * the same contract as the studio's POST /api/hooks/stripe/[endpointId].
 */
export async function startWebhookServer(
  handle: DbHandle,
  options: { port?: number; host?: string } = {},
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const match = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null;
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep reading (to answer cleanly) but stop buffering past the limit: ingestion refuses it by size.
      if (size <= MAX_WEBHOOK_BODY_BYTES + 1) chunks.push(chunk);
    });
    req.on('end', () => {
      ingestStripeWebhook(handle, {
        endpointId: decodeURIComponent(match[1]),
        rawBody: Buffer.concat(chunks),
        bodyBytes: size,
        signatureHeader: req.headers['stripe-signature'] as string | undefined,
        contentType: req.headers['content-type'],
      })
        .then((result) => {
          res.writeHead(result.status, { 'content-type': 'application/json' }).end(JSON.stringify(result.body));
        })
        .catch((error: Error) => {
          console.error('[webhook] ingestion failed:', error.message);
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
        });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
