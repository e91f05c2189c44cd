// npm run bench -- webhooks   (PostgreSQL when DATABASE_URL is set, else in-memory PGlite)
// webhook_ack_per_s / _p50_ms / _p99_ms: signed Stripe events POSTed over HTTP (autocannon, unique event ids)
//   to a real server wrapping ingestStripeWebhook: verify, store the event and queue its run in one
//   transaction, answer 200. Workers are paused here so the number is the acknowledgement path alone.
// flow_runs_per_s: end to end, workers running: events POSTed until every run of a 5-node flow (two
//   database nodes) has committed its effect; runs / seconds from the first POST to the last commit.
// drain_s_after_kill (PostgreSQL only: it needs separate worker processes): two `startWorkers`
//   processes (default 30 s lease, 1 s heartbeat) take a 200-payment load; one is SIGKILLed while it
//   holds runs and a replacement is started at once (as its supervisor would); seconds from the
//   kill until every run has succeeded and nothing is queued or running. Target <= 15 s.
//   drain_s_no_kill: the same load over two fresh worker processes with no kill, timed from the same moment;
//   kill_cost_s = drain_s_after_kill - drain_s_no_kill, what the kill itself added (takeover, lost work).
// bench_failed: <why> (exit 1) instead of figures when deliveries of a load phase were not acknowledged, or when
//   no result came within BENCH_DEADLINE_S (default 900 s): the bench never waits forever for runs that cannot come.
// limit_acks_per_s: the same signed load against a minimal reference receiver (bench/lib/limit-receiver.ts:
//   node:http, HMAC-SHA256 check, one INSERT per request through postgres.js) in its own process on the
//   same database server, measured before Tillflow's ack phase and again after its end-to-end phase (the
//   mean is printed; both in the comment line). ack_ratio = webhook_ack_per_s / limit_acks_per_s and
//   run_ratio = flow_runs_per_s / limit_acks_per_s are the figures to compare across runs on a shared
//   machine: both sides of each ratio saw the same load at nearly the same time.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createLogger, loadSettings } from '@tillflow/core';
import { createTable, dropProjectSchema, provisionProjectSchema } from '@tillflow/data-model';
import { authUser, createDb, executeRows, projects } from '@tillflow/db';
import { createServices } from '@tillflow/payments';
import { ensureChangeTriggers } from '@tillflow/realtime';
import {
  createFlow,
  createWebhookEndpoint,
  type FlowDefinition,
  startWebhookServer,
  startWorkers,
  stripeSignatureHeader,
} from '@tillflow/runtime';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { startLimitReceiver } from './lib/limit-receiver';
import { postgresCpuMs, processCpuMs } from './lib/process-cpu';

process.env.TILLFLOW_QUIET_WEBHOOKS = '1';
const ACK_SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 8);
const E2E_RUNS = Number(process.env.BENCH_E2E_RUNS ?? 3000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKERS ?? 32);

// The server (HTTP + database + workers) runs in a child process, the load
// generator in this one, as Stripe and the studio would be: separate processes.
type Command = {
  id: number;
  cmd: 'startWorkers' | 'stopWorkers' | 'idle' | 'count' | 'open' | 'held' | 'commits' | 'statements' | 'stop';
  status?: string;
  workerId?: string;
};
const KILL_LOAD = Number(process.env.BENCH_KILL_PAYMENTS ?? 200);
const DEADLINE_S = Number(process.env.BENCH_DEADLINE_S ?? 900);
type Reply = { id: number; value?: number; shapes?: [string, number][] };

if (process.argv[2] === '--server') await serve();
else if (process.argv[2] === '--limit') await serveLimit(process.argv[3], process.argv[4]);
else if (process.argv[2] === '--worker') await work();
else await drive();

/**
 * A worker process for the kill phase: the production defaults (30 s lease, 1 s heartbeat), and like production's
 * workers it serves every project (the bench's database holds only its own).
 */
async function work() {
  const handle = await createDb({ max: 12 });
  const workers = await startWorkers(createServices(loadSettings(), { database: handle }), {
    concurrency: 8,
  });
  process.send?.({ ready: true, workerId: workers.workerId });
  process.on('SIGTERM', async () => {
    await workers.stop({ deadlineMs: 2000 });
    await handle.close();
    process.exit(0);
  });
}

/** The reference receiver in a process of its own, as Tillflow's server is. */
async function serveLimit(secret: string, suffix: string) {
  const receiver = await startLimitReceiver({
    secret,
    table: `bench_limit_${suffix}`,
    databaseUrl: process.env.DATABASE_URL,
    pool: CONNECTIONS,
  });
  process.on('message', async (message: Command) => {
    if (message.cmd === 'count') process.send?.({ id: message.id, value: await receiver.stored() } satisfies Reply);
    else if (message.cmd === 'stop') {
      await receiver.close();
      process.send?.({ id: message.id } satisfies Reply);
      process.exit(0);
    }
  });
  process.send?.({ ready: true, url: receiver.url });
}

async function serve() {
  // Statements sent by this process (PostgreSQL), by shape: the round trips per ack and per run. They are counted
  // through postgres.js's debug hook, and with a debug hook postgres.js takes an Error (a stack trace) for every
  // query: 6 % of this process's busy time in the V8 profile, which production (no hook) never pays. So this
  // process takes no stack traces; the count is all the hook is used for.
  Error.stackTraceLimit = 0;
  let statementCount = 0;
  let shapes = new Map<string, number>();
  const shapeOf = new Map<string, string>();
  const onStatement = (text: string) => {
    statementCount += 1;
    let shape = shapeOf.get(text);
    if (shape === undefined) {
      shape = text.replace(/\s+/g, ' ').trim().slice(0, 90);
      if (shapeOf.size < 10_000) shapeOf.set(text, shape);
    }
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  };
  const handle = process.env.DATABASE_URL
    ? await createDb({ max: Number(process.env.BENCH_POOL ?? 40), onStatement })
    : await createDb({ pgliteDir: 'memory' });
  const suffix = randomBytes(5).toString('hex');
  await handle.db
    .insert(authUser)
    .values({ id: `bench_${suffix}`, name: 'Bench', email: `bench-${suffix}@example.test` });
  const project = await handle.db.transaction(async (tx) => {
    const [p] = await tx
      .insert(projects)
      .values({ ownerId: `bench_${suffix}`, name: 'Bench', slug: `bench-${suffix}`, schemaName: `bench_${suffix}` })
      .returning();
    await provisionProjectSchema(tx, p);
    return p;
  });
  await createTable(handle.db, project.id, {
    name: 'payment_log',
    columns: [
      { name: 'event_id', type: 'text', unique: true },
      { name: 'amount', type: 'integer' },
      { name: 'status', type: 'text' },
    ],
  });
  // BENCH_LIVE=1: the project's tables carry the realtime change trigger, as once a generated app has live subscribers.
  if (process.env.BENCH_LIVE === '1') await ensureChangeTriggers(handle.db, project);

  const node = (id: string, type: string, config: Record<string, unknown>, x: number) => ({
    id,
    type,
    config,
    position: { x, y: 0 },
  });
  // 5 nodes: trigger → condition → insert row → set variables → update rows (two database nodes).
  const definition: FlowDefinition = {
    trigger: { kind: 'stripe_webhook', events: ['payment_intent.succeeded'] },
    graph: {
      nodes: [
        node('trigger', 'trigger', {}, 0),
        node('paid', 'condition', { expression: '{{trigger.data.object.amount > 0}}' }, 200),
        node(
          'log',
          'insert_row',
          {
            table: 'payment_log',
            values: { event_id: '{{trigger.id}}', amount: '{{trigger.data.object.amount}}', status: 'received' },
          },
          400,
        ),
        node('vars', 'set_variables', { variables: { status: 'settled' } }, 600),
        node(
          'settle',
          'update_rows',
          {
            table: 'payment_log',
            filters: [{ column: 'id', op: 'eq', value: '{{nodes.log.row.id}}' }],
            values: { status: '{{vars.status}}' },
          },
          800,
        ),
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'paid' },
        { id: 'e2', source: 'paid', target: 'log', branch: 'true' },
        { id: 'e3', source: 'log', target: 'vars' },
        { id: 'e4', source: 'vars', target: 'settle' },
      ],
    },
  };
  const flow = await createFlow(handle.db, {
    projectId: project.id,
    name: 'Bench flow',
    kind: 'custom',
    definition,
    publish: true,
  });
  const { endpoint, secret } = await createWebhookEndpoint(handle.db, {
    projectId: project.id,
    purpose: 'custom',
    flowId: flow.id,
  });
  const server = await startWebhookServer(handle, { logger: createLogger({ TILLFLOW_LOG_LEVEL: 'warn' }) });

  const countRuns = async (status: string) =>
    Number(
      (
        await executeRows<{ n: number }>(
          handle.db,
          sql`select count(*)::int as n from flow_run where flow_id = ${flow.id} and status = ${status}`,
        )
      )[0].n,
    );
  let workers: Awaited<ReturnType<typeof startWorkers>> | null = null;
  process.on('message', async (message: Command) => {
    const reply = (value?: number) => process.send?.({ id: message.id, value } satisfies Reply);
    if (message.cmd === 'startWorkers') {
      // Every project, as production's workers (a claim scoped to projects is for tests sharing a database).
      workers = await startWorkers(createServices(loadSettings(), { database: handle }), {
        concurrency: WORKER_CONCURRENCY,
        pollMs: 20,
      });
      reply();
    } else if (message.cmd === 'stopWorkers') {
      await workers?.stop();
      workers = null;
      reply();
    } else if (message.cmd === 'open' || message.cmd === 'held') {
      const [row] = await executeRows<{ n: number }>(
        handle.db,
        message.cmd === 'open'
          ? sql`select count(*)::int as n from flow_run where flow_id = ${flow.id} and status in ('queued', 'running')`
          : sql`select count(*)::int as n from flow_run where flow_id = ${flow.id} and status = 'running'
                  and locked_by = ${message.workerId ?? ''}`,
      );
      reply(Number(row.n));
    } else if (message.cmd === 'commits') {
      // Commits in this database so far (PostgreSQL's statistics; flushed by backends at most once a second).
      if (handle.driver !== 'postgres') return reply(0);
      await new Promise((r) => setTimeout(r, 2500));
      const [row] = await handle.query<{ n: string }>(
        'select pg_stat_clear_snapshot(), (select xact_commit from pg_stat_database where datname = current_database()) as n',
      );
      reply(Number(row.n));
    } else if (message.cmd === 'statements') {
      // The count so far, and the shapes since the last call (then reset).
      process.send?.({
        id: message.id,
        value: statementCount,
        shapes: [...shapes].sort((a, b) => b[1] - a[1]),
      } satisfies Reply);
      shapes = new Map();
    } else if (message.cmd === 'idle') {
      await workers?.idle();
      reply();
    } else if (message.cmd === 'count') reply(await countRuns(message.status ?? 'succeeded'));
    else if (message.cmd === 'stop') {
      await workers?.stop();
      await server.close();
      await handle.db.transaction((tx) => dropProjectSchema(tx, project));
      await handle.db.delete(projects).where(sql`id = ${project.id}`);
      await handle.db.delete(authUser).where(sql`id = ${`bench_${suffix}`}`);
      await handle.close();
      reply();
      process.exit(0);
    }
  });
  process.send?.({
    ready: true,
    url: server.url,
    path: `/api/hooks/stripe/${endpoint.id}`,
    secret,
    driver: handle.driver,
    suffix,
  });
}

async function drive() {
  // BENCH_CPU_PROF=<dir>: the server process writes a V8 CPU profile there when it ends.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(fileURLToPath(import.meta.url), ['--server'], {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: 'inherit',
  });
  // Every process this one started, so a failure ends them all.
  const children = new Set([child]);
  let phase = 'start';
  const fail = (why: string): never => {
    console.log(`bench_failed: ${why}`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  };
  const deadline = setTimeout(
    () => fail(`no result within BENCH_DEADLINE_S=${DEADLINE_S} s (phase: ${phase})`),
    DEADLINE_S * 1000,
  );
  /** A load whose deliveries were not all acknowledged would leave the bench waiting for runs that never come. */
  const acknowledged = <R extends { non2xx: number; errors: number; requests: { total: number } }>(
    result: R,
    what: string,
  ) => {
    const refused = result.non2xx + result.errors;
    if (refused > 0)
      fail(`${refused} of ${result.requests.total + result.errors} deliveries were not acknowledged (${what})`);
    return result;
  };
  const info = await new Promise<{
    url: string;
    path: string;
    secret: string;
    driver: string;
    suffix: string;
  }>((resolve) => child.once('message', resolve as never));
  let nextId = 0;
  const callOn =
    (target: typeof child) =>
    (cmd: Command['cmd'], status?: string, workerId?: string): Promise<number | undefined> =>
      new Promise<number | undefined>((resolve) => {
        const id = ++nextId;
        const onReply = (reply: Reply) => {
          if (reply.id !== id) return;
          target.off('message', onReply);
          resolve(reply.value);
        };
        target.on('message', onReply);
        target.send({ id, cmd, status, workerId } satisfies Command);
      });
  const call = callOn(child);
  const statements = () =>
    new Promise<Reply>((resolve) => {
      const id = ++nextId;
      const onReply = (reply: Reply) => {
        if (reply.id !== id) return;
        child.off('message', onReply);
        resolve(reply);
      };
      child.on('message', onReply);
      child.send({ id, cmd: 'statements' } satisfies Command);
    });
  const limitChild = fork(fileURLToPath(import.meta.url), ['--limit', info.secret, info.suffix], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  children.add(limitChild);
  const limitInfo = await new Promise<{ url: string }>((resolve) => limitChild.once('message', resolve as never));
  const callLimit = callOn(limitChild);

  let sequence = 0;
  const signedRequest = (req: Record<string, unknown>) => {
    sequence += 1;
    const body = JSON.stringify({
      id: `evt_${info.suffix}_${sequence}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: {
        object: {
          id: `pi_${info.suffix}_${sequence}`,
          object: 'payment_intent',
          amount: 1000 + sequence,
          currency: 'usd',
        },
      },
    });
    return {
      ...req,
      method: 'POST',
      path: info.path,
      body,
      headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignatureHeader(body, info.secret) },
    };
  };
  const fire = (options: { duration?: number; amount?: number }, url = info.url) =>
    autocannon({
      url,
      connections: CONNECTIONS,
      ...options,
      requests: [{ setupRequest: signedRequest as never }],
    });

  // 0. The reference receiver under the same load (again after phase 2; the mean is the limit).
  phase = 'limit receiver';
  /** CPU milliseconds used so far by a process and by the database server (null where /proc cannot tell). */
  const cpu = (pid: number | undefined) => {
    const own = processCpuMs(pid);
    const database = postgresCpuMs();
    return own === null || database === null ? null : { own, database };
  };
  const cpuSince = (start: ReturnType<typeof cpu>, pid: number | undefined, per: number) => {
    const end = cpu(pid);
    return start && end && per > 0
      ? { own: (end.own - start.own) / per, database: (end.database - start.database) / per }
      : null;
  };
  const limitCpuStart = cpu(limitChild.pid);
  const limitBefore = await fire({ duration: ACK_SECONDS }, limitInfo.url);
  const limitCpu = cpuSince(limitCpuStart, limitChild.pid, limitBefore.requests.total);
  // 1. Acknowledgements alone (workers paused).
  const commitsBeforeAck = (await call('commits')) ?? 0;
  const statementsBeforeAck = (await statements()).value ?? 0;
  phase = 'acknowledgements';
  const ackCpuStart = cpu(child.pid);
  const ack = acknowledged(await fire({ duration: ACK_SECONDS }), 'ack phase');
  const ackCpu = cpuSince(ackCpuStart, child.pid, ack.requests.total);
  const ackStatements = await statements();
  const statementsPerAck = ((ackStatements.value ?? 0) - statementsBeforeAck) / ack.requests.total;
  const commitsPerAck = ((await call('commits')) ?? 0) - commitsBeforeAck;
  // Drain the backlog the first phase queued (reported for information).
  const backlog = (await call('count', 'queued')) ?? 0;
  const drainStart = Date.now();
  phase = 'backlog drain';
  const drainCpuStart = cpu(child.pid);
  await call('startWorkers');
  await call('idle');
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const drainCpu = cpuSince(drainCpuStart, child.pid, backlog);
  const doneAfterDrain = (await call('count', 'succeeded')) ?? 0;
  // 2. End to end with workers running: first POST to last committed effect.
  const commitsBeforeE2e = (await call('commits')) ?? 0;
  const statementsBeforeE2e = (await statements()).value ?? 0;
  const e2eStart = Date.now();
  phase = 'end to end';
  acknowledged(await fire({ amount: E2E_RUNS }), 'end-to-end phase');
  const e2eAckedS = (Date.now() - e2eStart) / 1000;
  const doneAtAck = ((await call('count', 'succeeded')) ?? 0) - doneAfterDrain;
  let polls = 1;
  while (((await call('count', 'succeeded')) ?? 0) < doneAfterDrain + E2E_RUNS) {
    polls += 1;
    await new Promise((r) => setTimeout(r, 20));
  }
  const e2eSeconds = (Date.now() - e2eStart) / 1000;
  console.log(
    `# end to end: every event acknowledged after ${e2eAckedS.toFixed(2)} s (${doneAtAck} runs done by then), every run done after ${e2eSeconds.toFixed(2)} s`,
  );
  const e2eStatements = await statements();
  // (less the bench's own count polls)
  const statementsPerRun = ((e2eStatements.value ?? 0) - statementsBeforeE2e - polls) / E2E_RUNS;
  // (less the bench's own polling: one read-only transaction each)
  const commitsE2e = ((await call('commits')) ?? 0) - commitsBeforeE2e - polls;
  const failed = await call('count', 'failed');
  const limitAfter = await fire({ duration: ACK_SECONDS }, limitInfo.url);
  const limitStored = (await callLimit('count')) ?? 0;
  await callLimit('stop');
  // The same load over the same two worker processes without a kill first: what the drain costs anyway.
  phase = 'drain without a kill';
  const baseline =
    info.driver === 'postgres' && KILL_LOAD > 0
      ? await killPhase((await call('count', 'succeeded')) ?? 0, false)
      : null;
  phase = 'drain after a kill';
  const kill =
    info.driver === 'postgres' && KILL_LOAD > 0 ? await killPhase((await call('count', 'succeeded')) ?? 0) : null;
  clearTimeout(deadline);

  console.log(
    `# database: ${info.driver}; ${CONNECTIONS} connections; ${WORKER_CONCURRENCY} workers in the server process`,
  );
  console.log(
    `# ack phase: ${ack.requests.total} requests in ${ACK_SECONDS}s, non-2xx/errors: ${ack.non2xx + ack.errors}`,
  );
  console.log(
    `# backlog drain: ${backlog} runs in ${drainSeconds.toFixed(1)}s (${Math.round(backlog / drainSeconds)}/s); failed runs: ${failed}`,
  );
  if (info.driver === 'postgres')
    console.log(
      `# commits (pg_stat_database, whole database): ${(commitsPerAck / ack.requests.total).toFixed(2)} per ack in the ack phase; ${(commitsE2e / E2E_RUNS).toFixed(2)} per run end to end (its ack included)`,
    );
  if (info.driver === 'postgres') {
    console.log(
      `# statements sent by the server process: ${statementsPerAck.toFixed(2)} per ack in the ack phase; ${statementsPerRun.toFixed(2)} per run end to end (its ack included)`,
    );
    const top = (reply: Reply, per: number) =>
      (reply.shapes ?? [])
        .slice(0, 12)
        .map(([shape, n]) => `#   ${(n / per).toFixed(2)}  ${shape}`)
        .join('\n');
    console.log(`# per ack, by statement:\n${top(ackStatements, ack.requests.total)}`);
    console.log(`# per run end to end, by statement:\n${top(e2eStatements, E2E_RUNS)}`);
  }
  if (limitCpu && ackCpu && drainCpu) {
    const ms = (x: { own: number; database: number }) =>
      `${(x.own + x.database).toFixed(3)} ms (process ${x.own.toFixed(3)} + database ${x.database.toFixed(3)})`;
    console.log(
      `# CPU (/proc; the load generator not counted): per limit request ${ms(limitCpu)}; per ack ${ms(ackCpu)}; per run in the drain ${ms(drainCpu)}`,
    );
    const perLimit = limitCpu.own + limitCpu.database;
    const perRun = drainCpu.own + drainCpu.database + ackCpu.own + ackCpu.database;
    // What run_ratio would be on a machine that did nothing but this: less moved by a busy neighbour.
    console.log(`run_cpu_ratio: ${(perLimit / perRun).toFixed(3)}`);
  }
  console.log(`webhook_ack_per_s: ${Math.round(ack.requests.average)}`);
  console.log(`webhook_ack_p50_ms: ${ack.latency.p50}`);
  console.log(`webhook_ack_p99_ms: ${ack.latency.p99}`);
  const runsPerS = E2E_RUNS / e2eSeconds;
  console.log(`flow_runs_per_s: ${Math.round(runsPerS)}`);
  const limitErrors = limitBefore.non2xx + limitBefore.errors + limitAfter.non2xx + limitAfter.errors;
  const limit = (limitBefore.requests.average + limitAfter.requests.average) / 2;
  console.log(
    `# limit (node:http + HMAC + one INSERT via ${info.driver === 'postgres' ? 'postgres.js' : 'PGlite'}): ${Math.round(limitBefore.requests.average)}/s before, ${Math.round(limitAfter.requests.average)}/s after; p50 ${limitBefore.latency.p50}/${limitAfter.latency.p50} ms, p99 ${limitBefore.latency.p99}/${limitAfter.latency.p99} ms; ${limitStored} rows stored, non-2xx/errors: ${limitErrors}`,
  );
  console.log(`limit_acks_per_s: ${Math.round(limit)}`);
  console.log(`ack_ratio: ${(ack.requests.average / limit).toFixed(3)}`);
  console.log(`run_ratio: ${(runsPerS / limit).toFixed(3)}`);
  if (kill) {
    console.log(
      `# kill phase: ${KILL_LOAD} payments over two worker processes (30 s lease, 1 s heartbeat); one SIGKILLed holding ${kill.held} runs, replaced at once; its runs taken over after ${kill.takeoverSeconds.toFixed(1)} s`,
    );
    console.log(`drain_s_after_kill: ${kill.drainSeconds.toFixed(1)}`);
    if (baseline) {
      console.log(
        `# the same ${KILL_LOAD} payments with no kill, timed from the same moment (a worker's first run held): the processing the drain needs anyway`,
      );
      console.log(`drain_s_no_kill: ${baseline.drainSeconds.toFixed(1)}`);
      console.log(`kill_cost_s: ${(kill.drainSeconds - baseline.drainSeconds).toFixed(1)}`);
    }
  } else
    console.log(
      KILL_LOAD > 0
        ? 'drain_s_after_kill: n/a (needs DATABASE_URL: separate worker processes share one PostgreSQL)'
        : 'drain_s_after_kill: n/a (skipped: BENCH_KILL_PAYMENTS=0)',
    );
  await call('stop');

  async function killPhase(doneBefore: number, kill = true) {
    await call('stopWorkers');
    const spawnWorker = async () => {
      const worker = fork(fileURLToPath(import.meta.url), ['--worker'], {
        execArgv: ['--import', 'tsx'],
        stdio: 'inherit',
      });
      children.add(worker);
      const { workerId } = await new Promise<{ workerId: string }>((resolve) =>
        worker.once('message', resolve as never),
      );
      return { worker, workerId };
    };
    const [victim, survivor] = await Promise.all([spawnWorker(), spawnWorker()]);
    const load = fire({ amount: KILL_LOAD }).then((result: Parameters<typeof acknowledged>[0]) =>
      acknowledged(result, `${KILL_LOAD}-payment load`),
    );
    let held = 0;
    const loadStarted = Date.now();
    while (held === 0 && Date.now() - loadStarted < 60_000) {
      held = (await call('held', undefined, victim.workerId)) ?? 0;
      if (held === 0) await new Promise((r) => setTimeout(r, 5));
    }
    if (kill) victim.worker.kill('SIGKILL');
    const killedAt = Date.now();
    const replacing = kill ? spawnWorker() : Promise.resolve(victim); // as its supervisor would, without waiting for it
    let loaded = false;
    void load.then(() => {
      loaded = true;
    });
    let takeoverSeconds: number | null = null;
    for (;;) {
      if (kill && takeoverSeconds === null && (await call('held', undefined, victim.workerId)) === 0)
        takeoverSeconds = (Date.now() - killedAt) / 1000;
      const done = (await call('count', 'succeeded')) ?? 0;
      if (loaded && done >= doneBefore + KILL_LOAD && (await call('open')) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const drainSeconds = (Date.now() - killedAt) / 1000;
    const replacement = await replacing;
    for (const { worker } of [survivor, replacement]) worker.kill('SIGTERM');
    await Promise.all([survivor, replacement].map(({ worker }) => new Promise((r) => worker.once('exit', r))));
    return { held, drainSeconds, takeoverSeconds: takeoverSeconds ?? drainSeconds };
  }
}
