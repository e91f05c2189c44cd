import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * What the proxy does with one request: pass it on; pass it on but lose the
 * answer (the server acted, the client sees its connection drop: the case a
 * network retry exists for); answer with a status without passing it on; or
 * pass on another body and headers instead (e.g. an event re-signed in the other mode).
 */
export type ProxyDecision =
  | 'forward'
  | 'drop-response'
  | { status: number }
  | { rewrite: { body: string; headers: Record<string, string> } };

/** A plain HTTP proxy in front of `target` whose `decide` picks what happens to each request. */
export async function startProxy(
  target: string,
  decide: (req: ProxiedRequest) => ProxyDecision | Promise<ProxyDecision>,
) {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const seen = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: body.toString() };
      const decision = await decide(seen);
      if (typeof decision === 'object' && 'status' in decision) {
        res.writeHead(decision.status, { 'content-type': 'application/json' }).end('{"error":"held by the test"}');
        return;
      }
      const rewritten = typeof decision === 'object' ? decision.rewrite : null;
      const sent = rewritten ? Buffer.from(rewritten.body) : body;
      const headers = rewritten
        ? { ...req.headers, ...rewritten.headers, 'content-length': String(sent.length) }
        : { ...req.headers };
      const upstream = request(
        { host: to.hostname, port: to.port, method: seen.method, path: seen.path, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            if (decision === 'drop-response') {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(parts));
          });
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(sent);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
