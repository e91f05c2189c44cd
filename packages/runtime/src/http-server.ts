import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, readNodeBodyCapped, withLogContext } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { receiveStripeWebhook } from './ingest';

const ROUTE = /^\/api\/hooks\/stripe\/([^/?]+)\/?(?:\?.*)?$/;

/**
 * The webhook route outside Next.js (the bench, tests, a standalone receiver):
 * the same contract as the studio's POST /api/hooks/stripe/[endpointId]. The
 * endpoint is looked up before the body is read, and the body is read with the
 * 1 MB cap; a refusal that leaves body unread closes the connection after answering.
 */
export async function startWebhookServer(
  handle: DbHandle,
  options: { port?: number; host?: string; logger: Logger },
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) =>
    withLogContext({ requestId: randomBytes(8).toString('hex') }, () => respond(req, res)),
  );
  const respond = (req: IncomingMessage, res: ServerResponse) => {
    const match = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null;
    const answer = (status: number, body: unknown) => {
      const unread = !req.complete;
      res.writeHead(status, { 'content-type': 'application/json', ...(unread ? { connection: 'close' } : {}) });
      res.end(JSON.stringify(body));
    };
    if (!match) return answer(404, { error: 'not_found' });
    receiveStripeWebhook(handle, {
      endpointId: safeDecode(match[1]),
      signatureHeader: req.headers['stripe-signature'] as string | undefined,
      contentType: req.headers['content-type'],
      readBody: (maxBytes) => readNodeBodyCapped(req, maxBytes),
      logger: options.logger,
    })
      .then((result) => answer(result.status, result.body))
      .catch((error: Error) => {
        options.logger.error({ err: error }, 'webhook ingestion failed');
        answer(500, { error: 'internal' });
      });
  };
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

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
