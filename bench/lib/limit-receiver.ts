// The physical limit a webhook receiver can reach on this machine and database server: node:http, a
// Stripe-style HMAC-SHA256 check of the raw body, one INSERT per request through a postgres.js pool
// (prepared statement), answer 200. Nothing else: no endpoint lookup, no routing, no queue. The
// webhook benchmark runs it in its own process under the same load as Tillflow, so the two figures
// come from the same run on the same (noisy, shared) machine and only their ratio is read.
// Without DATABASE_URL it inserts into an in-memory PGlite instead (a rough reference only).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LimitReceiver {
  url: string;
  /** Rows stored since the start (one per accepted request). */
  stored(): Promise<number>;
  close(): Promise<void>;
}

type Insert = (eventId: string, body: string) => Promise<void>;

export async function startLimitReceiver(options: {
  secret: string;
  table: string;
  databaseUrl?: string;
  pool: number;
}): Promise<LimitReceiver> {
  const table = options.table.replace(/[^a-z0-9_]/g, '');
  const ddl = `create table if not exists ${table} (id bigserial primary key, event_id text not null unique,
    payload jsonb not null, received_at timestamptz not null default now())`;
  let insert: Insert;
  let count: () => Promise<number>;
  let shutdown: () => Promise<void>;
  if (options.databaseUrl) {
    const postgres = (await import('postgres')).default;
    // Idle connections close after 1 s, so their backends report their commits before the bench counts Tillflow's.
    const sql = postgres(options.databaseUrl, { max: options.pool, idle_timeout: 1, onnotice: () => {} });
    await sql.unsafe(ddl);
    const text = `insert into ${table} (event_id, payload) values ($1, $2::jsonb)`;
    insert = async (eventId, body) => {
      await sql.unsafe(text, [eventId, body], { prepare: true });
    };
    count = async () => Number((await sql.unsafe(`select count(*)::int as n from ${table}`))[0].n);
    shutdown = async () => {
      await sql.unsafe(`drop table if exists ${table}`);
      await sql.end({ timeout: 5 });
    };
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite();
    await db.exec(ddl);
    insert = async (eventId, body) => {
      await db.query(`insert into ${table} (event_id, payload) values ($1, $2::jsonb)`, [eventId, body]);
    };
    count = async () => Number((await db.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0].n);
    shutdown = () => db.close();
  }

  const verify = (body: Buffer, header: string | undefined): boolean => {
    if (!header) return false;
    let t = '';
    let v1 = '';
    for (const part of header.split(',')) {
      if (part.startsWith('t=')) t = part.slice(2);
      else if (part.startsWith('v1=')) v1 = part.slice(3);
    }
    if (!/^\d+$/.test(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
    if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
    const expected = createHmac('sha256', options.secret).update(`${t}.`).update(body).digest();
    return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
  };
  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > 1 << 20) req.destroy(new Error('too large'));
        else chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      if (!verify(body, req.headers['stripe-signature'] as string | undefined)) {
        res.writeHead(400).end();
        return;
      }
      const text = body.toString('utf8');
      const event = JSON.parse(text) as { id?: unknown };
      if (typeof event.id !== 'string') {
        res.writeHead(400).end();
        return;
      }
      await insert(event.id, text);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stored: count,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await shutdown();
    },
  };
}
