import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, newRequestId, readNodeBodyCapped, withLogContext } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { receiveStripeWebhook } from './ingest';

const ROUTE = /^\/api\/hooks\/stripe\/([^/?]+)\/?(?:\?.*)?$/;

/**
 * The webhook route outside Next.js (the bench, tests, a standalone receiver):
 * the same contract as the studio's POST /api/hooks/stripe/[endpointId]. The
 * endpoint is looked up before the body is read, and the body is read with the
 * 1 MB cap. A refusal that leaves body unread answers at once and then lingers (as nginx's lingering_close
 * does): the rest of the body is read and dropped, never kept, until the sender finishes, goes quiet for
 * 5 s or has sent for 30 s (LingerLimits), and only then is a connection still sending closed. Closing a
 * socket with unread bytes makes the kernel send a reset, which can reach a sender still writing before it
 * has read our answer, so it would see a dropped connection instead of the 413.
 */
export async function startWebhookServer(
  handle: DbHandle,
  options: { port?: number; host?: string; logger: Logger; linger?: LingerLimits },
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => withLogContext({ requestId: newRequestId() }, () => respond(req, res)));
  const respond = (req: IncomingMessage, res: ServerResponse) => {
    const match = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null;
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      if (!req.complete) linger(req, options.linger ?? DEFAULT_LINGER);
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

/** How long a refused request's sender may go on sending: quiet for idleMs at most, totalMs in all (nginx: 5 s, 30 s). */
export interface LingerLimits {
  idleMs: number;
  totalMs: number;
}
const DEFAULT_LINGER: LingerLimits = { idleMs: 5_000, totalMs: 30_000 };

/** Reads and drops what is left of a refused request's body, then closes a connection whose sender has not finished. */
function linger(req: IncomingMessage, limits: LingerLimits) {
  let idle: NodeJS.Timeout | undefined;
  const close = () => {
    clearTimeout(idle);
    clearTimeout(total);
    if (!req.complete) req.socket.destroy();
  };
  const quiet = () => {
    clearTimeout(idle);
    idle = setTimeout(close, limits.idleMs);
  };
  const total = setTimeout(close, limits.totalMs);
  req.on('data', quiet);
  req.once('end', close);
  req.once('close', close);
  quiet();
  req.resume();
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
