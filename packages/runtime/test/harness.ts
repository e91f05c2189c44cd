import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createEgressGuard, createLogger, type Logger } from '@tillflow/core';
import { createTable, provisionProjectSchema } from '@tillflow/data-model';
import { authUser, type DbHandle, projects } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import type { SQL } from 'drizzle-orm';
import {
  createFlow,
  createWebhookEndpoint,
  type FlowDefinition,
  ingestStripeWebhook,
  stripeSignatureHeader,
} from '../src';

process.env.TILLFLOW_QUIET_WEBHOOKS = '1';

/** The egress guard for tests whose HTTP nodes call a server of their own on 127.0.0.1 (opened explicitly). */
export const loopbackEgress = () => createEgressGuard({ allow: ['127.0.0.1/32'] });

/** A builder + a provisioned project with a `ledger` table (unique event_id, note, amount). */
export async function createRuntimeProject(handle: DbHandle) {
  const suffix = uniqueSuffix();
  const ownerId = `rt-${suffix}`;
  await handle.db.insert(authUser).values({ id: ownerId, name: 'Builder', email: `${ownerId}@example.test` });
  const project = await handle.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(projects)
      .values({ ownerId, name: `Runtime ${suffix}`, slug: `rt-${suffix}`, schemaName: `app_rt_${suffix}` })
      .returning();
    await provisionProjectSchema(tx, row);
    return row;
  });
  await createTable(handle.db, project.id, {
    name: 'ledger',
    columns: [
      { name: 'event_id', type: 'text', unique: true },
      { name: 'note', type: 'text' },
      { name: 'amount', type: 'integer' },
    ],
  });
  return project;
}

/** Tests write flows compactly; this turns them into the flow model's definition. */
export interface LooseFlow {
  trigger: { type: 'stripe_webhook'; eventTypes?: string[] };
  nodes: { id: string; type: string; label?: string; config?: Record<string, unknown> }[];
  edges: { source: string; target: string; label?: string }[];
}

export function toDefinition(flow: LooseFlow): FlowDefinition {
  // The flow model wants one trigger node that everything starts from.
  const targets = new Set(flow.edges.map((e) => e.target));
  const roots = flow.nodes.filter((n) => !targets.has(n.id));
  const position = (i: number) => ({ x: i * 200, y: 0 });
  return {
    trigger: { kind: 'stripe_webhook', events: flow.trigger.eventTypes ?? [] },
    graph: {
      nodes: [
        { id: 'trigger', type: 'trigger', config: {}, position: position(0) },
        ...flow.nodes.map((n, i) => ({
          id: n.id,
          type: n.type,
          ...(n.label ? { label: n.label } : {}),
          config: n.config ?? {},
          position: position(i + 1),
        })),
      ],
      edges: [
        ...roots.map((r, i) => ({ id: `t${i}`, source: 'trigger', target: r.id })),
        ...flow.edges.map((e, i) => ({
          id: `e${i}`,
          source: e.source,
          target: e.target,
          ...(e.label ? { branch: e.label } : {}),
        })),
      ],
    },
  };
}

/** A published custom flow listening on its own endpoint; returns the endpoint id and its signing secret. */
export async function createHookedFlow(
  handle: DbHandle,
  projectId: number,
  loose: LooseFlow,
  options: { skipValidation?: boolean } = {},
) {
  const definition = toDefinition(loose);
  const flow = await createFlow(handle.db, {
    projectId,
    name: `Flow ${uniqueSuffix()}`,
    kind: 'custom',
    definition,
    publish: true,
    skipValidation: options.skipValidation,
  });
  const { endpoint, secret } = await createWebhookEndpoint(handle.db, {
    projectId,
    purpose: 'custom',
    flowId: flow.id,
  });
  return { flow, endpointId: endpoint.id, secret };
}

let counter = 0;
export function stripeEvent(
  type: string,
  object: Record<string, unknown> = {},
  created = Math.floor(Date.now() / 1000),
) {
  counter += 1;
  return {
    id: `evt_${uniqueSuffix()}${counter}`,
    object: 'event',
    type,
    created,
    livemode: false,
    api_version: '2026-10-28.endive',
    data: { object: { id: `obj_${uniqueSuffix()}`, ...object } },
  };
}

/** A logger whose JSON lines a test reads back (`lines`), as the process's logger would write them. */
export function captureLogger(level: 'debug' | 'info' | 'warn' = 'info'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    { TILLFLOW_LOG_LEVEL: level },
    {
      destination: new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      }),
    },
  );
  return { logger, lines };
}

/** What the tests' deliveries log (refusals are always logged: the ingest requires a logger). */
export const testLogger = captureLogger('warn').logger;

export function post(
  handle: DbHandle,
  endpointId: string,
  secret: string,
  event: unknown,
  timestamp?: number,
  logger: Logger = testLogger,
) {
  const rawBody = JSON.stringify(event);
  return ingestStripeWebhook(handle, {
    endpointId,
    rawBody,
    signatureHeader: stripeSignatureHeader(rawBody, secret, timestamp),
    contentType: 'application/json',
    logger,
  });
}

/** The ledger flow: trigger → insert a ledger row for the event → code → note update. */
/**
 * On charge.succeeded: insert a ledger row noted `<note> <event id>` with amount 1, then set that row's amount to 2
 * (two database nodes, so one shared transaction).
 */
export function insertThenBumpFlow(note: string): LooseFlow {
  return {
    trigger: { type: 'stripe_webhook', eventTypes: ['charge.succeeded'] },
    nodes: [
      {
        id: 'add',
        type: 'insert_row',
        config: { table: 'ledger', values: { note: `${note} {{trigger.id}}`, amount: 1 } },
      },
      {
        id: 'bump',
        type: 'update_rows',
        config: {
          table: 'ledger',
          filters: [{ column: 'id', op: 'eq', value: '{{nodes.add.row.id}}' }],
          values: { amount: 2 },
        },
      },
    ],
    edges: [{ source: 'add', target: 'bump' }],
  };
}

export function ledgerFlow(extra: Partial<LooseFlow> = {}): LooseFlow {
  return {
    trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
    nodes: [
      {
        id: 'insert',
        type: 'insert_row',
        config: {
          table: 'ledger',
          values: { event_id: '{{trigger.id}}', note: 'new', amount: '{{trigger.data.object.amount}}' },
        },
      },
      { id: 'double', type: 'code', config: { code: 'return { amount: input.nodes.insert.row.amount * 2 }' } },
      {
        id: 'update',
        type: 'update_rows',
        config: {
          table: 'ledger',
          filters: [{ column: 'id', op: 'eq', value: '{{nodes.insert.row.id}}' }],
          values: { note: 'done', amount: '{{nodes.double.amount}}' },
        },
      },
    ],
    edges: [
      { source: 'insert', target: 'double' },
      { source: 'double', target: 'update' },
    ],
    ...extra,
  };
}

export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error('Timed out waiting.');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A local HTTP endpoint for `http_request` nodes (reach it with `loopbackEgress()`) whose answers the test
 * decides: `answer(hit)` resolves to the status to answer the hit-th call with, after however long the
 * test wants; a promise that never resolves leaves the caller waiting (as a hung upstream would).
 */
export async function startTestEndpoint(path = '/hook') {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits += 1;
    const hit = hits;
    endpoint
      .answer(hit)
      .then((status) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ hit })));
  });
  const endpoint = {
    url: '',
    /** Calls received so far. */
    get hits() {
      return hits;
    },
    resetHits() {
      hits = 0;
    },
    answer: async (_hit: number): Promise<number> => 200,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return endpoint;
}

export type TestEndpoint = Awaited<ReturnType<typeof startTestEndpoint>>;

export type Answer = 'fail' | 'fail-late' | 'hang' | 'late' | 'pass';
/**
 * The same database, but each statement whose text matches is answered as `decide` says: failed, held
 * unanswered (a dead connection) until `release()` (then passed through, or failed), run at once but
 * answered only on `release()` (a slow network), or passed through. Prepared statements fall back to
 * `execute` here.
 */
export function databaseThat(handle: DbHandle, match: RegExp, decide: (call: number) => Answer) {
  let calls = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const dialect = (handle.db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string } } }).dialect;
  const db = new Proxy(handle.db, {
    get(target, key, receiver) {
      if (key === 'session') return undefined;
      const value = Reflect.get(target, key, receiver);
      if (key !== 'execute') return typeof value === 'function' ? value.bind(target) : value;
      return (query: SQL) => {
        if (!match.test(dialect.sqlToQuery(query).sql)) return value.call(target, query);
        calls += 1;
        const answer = decide(calls);
        if (answer === 'fail') return Promise.reject(new Error('connection lost'));
        if (answer === 'hang') return released.then(() => value.call(target, query));
        if (answer === 'fail-late') return released.then(() => Promise.reject(new Error('connection lost')));
        if (answer === 'late') {
          // drizzle's query is lazy: Promise.resolve starts it now.
          const result = Promise.resolve(value.call(target, query));
          return released.then(() => result);
        }
        return value.call(target, query);
      };
    },
  });
  // No LISTEN (`sql` unset): on PostgreSQL every test file shares one database, and another file's NOTIFY would wake
  // this worker at moments the test does not choose (a backoff cut short). Its in-process wake-ups stay.
  return { database: { ...handle, db, sql: undefined } as DbHandle, calls: () => calls, release };
}
