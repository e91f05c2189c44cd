// npm run bench -- isolation   (PostgreSQL when DATABASE_URL is set, else in-memory PGlite)
// health_p99_ms_under_code_load: p99 latency of GET /api/health (the studio's health check: one
//   `select 1` on the database, JSON answer) served by a process that is running 4 concurrent
//   infinite-loop code nodes (5 s each, the cap) through the code pool; the load generator
//   (autocannon, 4 connections) is a separate process, as a browser would be.
// rss_mb_after_memory_bomb_delta: that process's RSS after a memory-bomb code node (64 MB cap) has
//   failed, minus its RSS before (pool warmed up, after GC), in MB.
// health_p99_ms_idle, health_p50_ms_*: the same with no code running (what the machine itself allows), and
//   the medians, which a shared machine's noise disturbs less than the tail.
// The pool size is the default (TILLFLOW_CODE_WORKERS, 2): two loops run, two wait their turn.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '@tillflow/core';
import { createDb } from '@tillflow/db';
import { createServices } from '@tillflow/payments';
import autocannon from 'autocannon';

const LOOPS = 4;
const LOOP_MS = 5000;
const RATE = Number(process.env.BENCH_HEALTH_RATE ?? 20);
const BOMB = 'const a = []; for (;;) a.push({ n: a.length, s: "bomb" + a.length });';

type Command = { id: number; cmd: 'loops' | 'bomb' | 'stop' };
type Reply = { id: number; value?: number; port?: number; error?: string };

if (process.argv[2] === '--server') await serve();
else await drive();

const mb = (bytes: number) => bytes / 1024 / 1024;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 300));
  }
};

async function serve() {
  const handle = process.env.DATABASE_URL ? await createDb({ max: 4 }) : await createDb({ pgliteDir: 'memory' });
  // The code sandbox as `npm start` builds it (createServices: pool sized by TILLFLOW_CODE_WORKERS / _NICE).
  const code = createServices(loadSettings(), { database: handle }).code;
  const server = createServer(async (req, res) => {
    if (req.url !== '/api/health') {
      res.writeHead(404).end();
      return;
    }
    await handle.query('select 1');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ok: true, database: handle.driver }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Warm the pool: threads started and QuickJS loaded, as in a studio that has run code before.
  await Promise.all([code.run('return 1', {}), code.run('return 2', {})]);
  const address = server.address();
  process.send?.({ id: 0, port: typeof address === 'object' && address ? address.port : 0 } satisfies Reply);
  process.on('message', async (message: Command) => {
    const reply = (value?: number, error?: string) => process.send?.({ id: message.id, value, error } satisfies Reply);
    try {
      if (message.cmd === 'loops') {
        const started = Date.now();
        const outcomes = await Promise.all(
          Array.from({ length: LOOPS }, () =>
            code.run('while (true) {}', {}, { timeoutMs: LOOP_MS }).then(
              () => 'finished',
              (e: Error) => e.message,
            ),
          ),
        );
        if (!outcomes.every((o) => /time limit of 5000 ms/.test(o))) throw new Error(`loops ended: ${outcomes}`);
        reply(Date.now() - started);
      } else if (message.cmd === 'bomb') {
        await settle();
        const before = process.memoryUsage().rss;
        const outcome = await code.run(BOMB, {}, { timeoutMs: LOOP_MS, memoryBytes: 64 * 1024 * 1024 }).then(
          () => 'finished',
          (e: Error) => e.message,
        );
        // The pool back to strength (the bombed thread was replaced), then measure.
        await Promise.all([code.run('return 1', {}), code.run('return 2', {})]);
        console.error(`memory bomb: ${outcome} (threads started so far: ${code.pool.started})`);
        await settle();
        reply(mb(process.memoryUsage().rss - before));
      } else {
        reply();
        await code.close();
        server.close();
        await handle.close();
        process.exit(0);
      }
    } catch (error) {
      reply(undefined, (error as Error).message);
    }
  });
}

async function drive() {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: Reply) => resolve(m.port as number)));
  let nextId = 1;
  const ask = (cmd: Command['cmd']) =>
    new Promise<number>((resolve, reject) => {
      const id = nextId++;
      const onReply = (m: Reply) => {
        if (m.id !== id) return;
        child.off('message', onReply);
        if (m.error) reject(new Error(m.error));
        else resolve(m.value ?? 0);
      };
      child.on('message', onReply);
      child.send({ id, cmd } satisfies Command);
    });
  // Paced (RATE requests/s over 4 connections) rather than flat out, so the figure is how long a request
  // waits for the main thread, not how many requests the machine can queue.
  const hammer = (seconds: number) =>
    autocannon({ url: `http://127.0.0.1:${port}/api/health`, connections: 4, overallRate: RATE, duration: seconds });

  const idle = await hammer(3);
  console.error(`health p99 with no code running: ${idle.latency.p99} ms (${idle.requests.total} requests)`);
  const loops = ask('loops');
  await new Promise((r) => setTimeout(r, 200));
  const loaded = await hammer(8);
  const loopsMs = await loops;
  console.error(
    `health under ${LOOPS} infinite loops: ${loaded.requests.total} requests, ${loaded.errors} errors, ${loaded.non2xx} non-2xx; loops done in ${loopsMs} ms`,
  );
  const rssDelta = await ask('bomb');
  await ask('stop');
  console.log(`health_p50_ms_idle: ${idle.latency.p50}`);
  console.log(`health_p50_ms_under_code_load: ${loaded.latency.p50}`);
  console.log(`health_p99_ms_idle: ${idle.latency.p99}`);
  console.log(`health_p99_ms_under_code_load: ${loaded.latency.p99}`);
  console.log(`rss_mb_after_memory_bomb_delta: ${rssDelta.toFixed(1)}`);
}
