// npm run bench -- realtime
// realtime_p50_ms_N / realtime_p99_ms_N: ms from issuing a committed UPDATE of a payment row (the
// clock starts before the statement is sent, so commit time counts) to its receipt by each of N SSE
// clients subscribed through the generated app's real tRPC endpoint over HTTP, as the end user who
// owns the row. N = 1, 100, 1000, each measured after warm-up updates: until one reaches every client, then
// BENCH_REALTIME_WARMUP (10) more, timed but not counted (their p50/p99 are printed as a comment). The clients
// run in a worker thread (like browsers elsewhere), so their parsing does not slow the server's loop,
// and read their streams with node:http (a browser's EventSource is native code; undici's fetch body
// costs the client thread more per message than the server spends). With DATABASE_URL and a build,
// the server is the production Next.js studio (`next start`); on PGlite, which one process owns, an
// in-process node server calling the same route handler. BENCH_REALTIME_SERVER=next|inprocess forces one.
// realtime_server_cpu_us_per_delivery_N: CPU time of the server (the next start process, or the in-process
// server's main thread, which also sends the updates) per message delivered to one client during the measured
// rounds, from /proc (Linux): unlike the latencies it hardly moves with the machine's load, so it compares two
// servers or two versions of the code.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const CLIENT_THREADS = Number(process.env.BENCH_REALTIME_CLIENT_THREADS ?? 1);
const now = () => performance.timeOrigin + performance.now(); // comparable across threads

if (isMainThread) await runServer();
else await runClients(workerData as { url: string; cookie: string; count: number });

/** One thread's SSE clients, reading the stream as EventSource would; receipts are batched to the main thread. */
async function runClients({ url, cookie, count }: { url: string; cookie: string; count: number }) {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  let batch: { marker: string; at: number }[] = [];
  const flush = () => {
    if (batch.length) parentPort?.postMessage(batch);
    batch = [];
  };
  const open = () =>
    new Promise<void>((resolve, reject) => {
      // Asks for compression as a browser does: an SSE stream must come back unencoded (a gzip flush per
      // message per subscriber would cost the server far more than the write itself).
      const headers = { cookie, accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br, zstd' };
      const request = http.get(url, { headers, agent }, (response) => {
        if (response.statusCode !== 200) return reject(new Error(`subscription failed: ${response.statusCode}`));
        const encoding = response.headers['content-encoding'];
        if (encoding && encoding !== 'identity') return reject(new Error(`the stream came back ${encoding}-encoded`));
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (text: string) => {
          buffer += text;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            const marker = /"failure_reason":"([mw][\dx]+)"/.exec(block)?.[1];
            if (marker) {
              if (batch.length === 0) setImmediate(flush);
              batch.push({ marker, at: now() });
            }
          }
        });
        resolve();
      });
      request.on('error', reject);
    });
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
  parentPort?.postMessage('ready');
}

async function runServer() {
  const { randomBytes } = await import('node:crypto');
  const { createServer } = await import('node:http');
  const {
    createSystemTable,
    createTable,
    dropProjectSchema,
    insertRow,
    provisionProjectSchema,
    setTablePermission,
    updateRows,
  } = await import('@tillflow/data-model');
  const { authUser, createDb, projects } = await import('@tillflow/db');
  const { getChangeHub } = await import('@tillflow/realtime');
  const { hasBuild, startNextStudio } = await import('./lib/next-studio');
  const { eq } = await import('drizzle-orm');
  const superjson = (await import('superjson')).default;
  const { signUpEndUser } = await import('../apps/studio/src/server/generated-app/auth');
  const { generatedAppEndpoint, handleGeneratedAppRequest } = await import(
    '../apps/studio/src/server/generated-app/http'
  );
  type IncomingMessage = import('node:http').IncomingMessage;
  type ServerResponse = import('node:http').ServerResponse;
  type AddressInfo = import('node:net').AddressInfo;

  const SIZES = (process.env.BENCH_REALTIME_N ?? '1,100,1000').split(',').map(Number);
  const UPDATES = Number(process.env.BENCH_REALTIME_UPDATES ?? 30);
  const WARMUP = Number(process.env.BENCH_REALTIME_WARMUP ?? 10);

  const handle = process.env.DATABASE_URL ? await createDb({ max: 20 }) : await createDb({ pgliteDir: 'memory' });
  const suffix = randomBytes(5).toString('hex');
  const slug = `bench-rt-${suffix}`;
  const [owner] = await handle.db
    .insert(authUser)
    .values({ id: `bench_${suffix}`, name: 'Bench', email: `bench-${suffix}@example.test` })
    .returning();
  const project = await handle.db.transaction(async (tx) => {
    const [p] = await tx
      .insert(projects)
      .values({ ownerId: owner.id, name: 'Bench', slug, schemaName: `bench_${suffix}` })
      .returning();
    await provisionProjectSchema(tx, p);
    return p;
  });

  function toRequest(req: IncomingMessage, port: number): Request {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    return new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers, signal: abort.signal });
  }

  async function send(response: Response, res: ServerResponse) {
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return res.end();
    const reader = response.body.getReader();
    res.on('close', () => reader.cancel().catch(() => {}));
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        res.write(value);
      }
    } catch {
      // client went away
    }
    res.end();
  }

  // Through the production Next.js studio when it can share the database (PostgreSQL and a build);
  // else (PGlite) an in-process node server calling the same route handler. BENCH_REALTIME_SERVER
  // (next | inprocess) chooses explicitly.
  const viaNext =
    (process.env.BENCH_REALTIME_SERVER ?? (process.env.DATABASE_URL && hasBuild() ? 'next' : 'inprocess')) === 'next';
  console.error(`realtime bench: ${viaNext ? 'production Next.js server' : 'in-process server, same route handler'}`);
  const next = viaNext ? await startNextStudio(Number(process.env.BENCH_NEXT_PORT ?? 3190)) : null;
  const { readFileSync } = await import('node:fs');
  /** utime + stime of the server (ms), or null off Linux. */
  const serverCpuMs = (): number | null => {
    const path = next ? `/proc/${next.pid}/stat` : `/proc/${process.pid}/task/${process.pid}/stat`;
    try {
      const stat = readFileSync(path, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
    } catch {
      return null;
    }
  };
  const server = createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    handleGeneratedAppRequest(handle, toRequest(req, port), slug)
      .then((response) => send(response, res))
      .catch((error) => {
        res.statusCode = 500;
        res.end(String(error));
      });
  });
  server.maxConnections = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = next?.url ?? `http://127.0.0.1:${port}`;

  const pending = new Map<string, number>(); // marker → send time
  const receipts = new Map<string, number>(); // marker → clients that got it
  const latencies: number[] = [];

  /** N clients spread over worker threads; resolves once every stream is open. */
  async function openClients(cookie: string, n: number): Promise<Worker[]> {
    const input = encodeURIComponent(JSON.stringify(superjson.serialize({ projectSlug: slug, tables: ['payment'] })));
    const url = `${base}${generatedAppEndpoint(slug)}/app.changes?input=${input}`;
    const threads = Math.min(CLIENT_THREADS, n);
    return Promise.all(
      Array.from({ length: threads }, (_, t) => {
        const count = Math.floor(n / threads) + (t < n % threads ? 1 : 0);
        // Node 20 does not pass --import loaders to workers: register tsx inside the worker first.
        const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
        const worker = new Worker(boot, { eval: true, workerData: { url, cookie, count } });
        return new Promise<Worker>((resolve, reject) => {
          worker.on('error', reject);
          worker.on('message', (message: 'ready' | { marker: string; at: number }[]) => {
            if (message === 'ready') return resolve(worker);
            for (const { marker, at } of message) {
              receipts.set(marker, (receipts.get(marker) ?? 0) + 1);
              const sentAt = pending.get(marker);
              if (sentAt !== undefined) latencies.push(at - sentAt);
            }
          });
        });
      }),
    );
  }

  function percentile(values: number[], p: number) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  }

  try {
    const db = handle.db;
    const session = await signUpEndUser(handle, project.id, {
      email: `holder@${suffix}.test`,
      password: 'bench-password-1',
    });
    await createTable(db, project.id, { name: 'order', columns: [{ name: 'title', type: 'text' }] });
    // Shaped like the payments module's system table: owned by the payer, readable as "own rows".
    await createSystemTable(db, project.id, {
      name: 'payment',
      columns: [
        { name: 'order_id', type: 'relation', relationTable: 'order', required: true },
        { name: 'payer', type: 'relation', relationTable: 'end_user' },
        { name: 'amount', type: 'integer', required: true },
        { name: 'status', type: 'text' },
        { name: 'failure_reason', type: 'text' },
      ],
      ownerColumn: 'payer',
    });
    await setTablePermission(db, project.id, {
      role: 'user',
      table: 'payment',
      operation: 'read',
      allowed: true,
      scope: 'own',
    });
    const backend = { kind: 'backend' } as const;
    const order = await insertRow(db, project.id, backend, 'order', { title: 'bench' });
    const payment = await insertRow(db, project.id, backend, 'payment', {
      order_id: order.id,
      payer: session.user.id,
      amount: 1200,
      status: 'PENDING',
    });
    const cookie = `tf_app_session=${encodeURIComponent(session.token)}`;
    const hub = getChangeHub(handle);
    const update = (status: string, marker: string) =>
      updateRows(db, project.id, backend, 'payment', [{ column: 'id', op: 'eq', value: payment.id }], {
        status,
        failure_reason: marker,
      });

    let seq = 0;
    for (const n of SIZES) {
      const workers = await openClients(cookie, n);
      // Warm-up updates until one reaches every client: then each stream is subscribed end to end.
      const start = Date.now();
      for (let w = 0; ; w++) {
        const marker = `w${n}x${w}`;
        await update('WARMUP', marker);
        const sent = Date.now();
        while ((receipts.get(marker) ?? 0) < n && Date.now() - sent < 2000) await new Promise((r) => setTimeout(r, 10));
        if ((receipts.get(marker) ?? 0) >= n) break;
        if (Date.now() - start > 60_000)
          throw new Error(`only ${receipts.get(marker) ?? 0} of ${n} clients subscribed`);
      }
      /** One update, timed to each client's receipt; its latencies join `latencies`. */
      const timedRound = async (round: number) => {
        const marker = `m${++seq}`;
        const expected = latencies.length + n;
        pending.set(marker, now());
        await update(round % 2 ? 'PENDING' : 'SUCCEEDED', marker);
        const waitStart = Date.now();
        while (latencies.length < expected && Date.now() - waitStart < 10_000)
          await new Promise((r) => setTimeout(r, 2));
        if (latencies.length < expected)
          console.error(`round ${round}: ${expected - latencies.length} clients missed it`);
        pending.delete(marker);
        await new Promise((r) => setTimeout(r, 20));
      };
      // Then WARMUP timed updates that are not counted: the first ones after a thousand streams opened run on
      // code V8 has not optimised yet and beside the connections' garbage (reported below, not in the figure).
      latencies.length = 0;
      for (let round = 0; round < WARMUP; round++) await timedRound(round);
      if (WARMUP > 0)
        console.log(
          `# ${n} subscribers, the ${WARMUP} warm-up updates after every stream was open: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
        );
      latencies.length = 0;
      const cpuBefore = serverCpuMs();
      const rounds = n >= 1000 ? Math.min(UPDATES, 20) : UPDATES;
      for (let round = 0; round < rounds; round++) await timedRound(round);
      console.log(`realtime_p50_ms_${n}: ${percentile(latencies, 50).toFixed(1)}`);
      console.log(`realtime_p99_ms_${n}: ${percentile(latencies, 99).toFixed(1)}`);
      const cpuAfter = serverCpuMs();
      if (cpuBefore !== null && cpuAfter !== null && latencies.length > 0)
        console.log(
          `realtime_server_cpu_us_per_delivery_${n}: ${(((cpuAfter - cpuBefore) * 1000) / latencies.length).toFixed(1)}`,
        );
      await Promise.all(workers.map((w) => w.terminate()));
      const closing = Date.now();
      while (!viaNext && hub.subscriberCount(project.id) > 0 && Date.now() - closing < 10_000)
        await new Promise((r) => setTimeout(r, 20));
      if (viaNext) {
        // Its hub is in the other process: its /metrics says when every stream of the closed clients has ended.
        let open = Number.NaN;
        while (Date.now() - closing < 10_000) {
          const text = await fetch(`${base}/metrics`).then((r) => (r.ok ? r.text() : ''));
          open = Number(/^tillflow_realtime_subscribers (\d+)/m.exec(text)?.[1] ?? Number.NaN);
          if (open === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        if (open !== 0) throw new Error(`${open} subscriptions still open 10 s after their ${n} clients went away`);
      }
    }
  } finally {
    await next?.stop();
    await getChangeHub(handle).close();
    server.closeAllConnections();
    server.close();
    await handle.db.transaction((tx) => dropProjectSchema(tx, project));
    await handle.db.delete(projects).where(eq(projects.id, project.id));
    await handle.db.delete(authUser).where(eq(authUser.id, owner.id));
    await handle.close();
  }
}
