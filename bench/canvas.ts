// npm run bench -- canvas
// canvas_open_ms_200: median ms from navigating to a 200-node flow's canvas until all 200 nodes are drawn.
// canvas_drag_ms_200: median ms per drag frame (one mouse move while dragging a node, until the next painted frame).
// Runs the production build (`node scripts/start.mjs`, which builds first if sources changed) on a free port
// with a throwaway data folder, and Debian's Chromium through playwright-core.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { FlowDefinition } from '@tillflow/flow-model';
import { chromium, type Page } from 'playwright-core';

const NODES = 200;
const OPENS = Number(process.env.BENCH_OPENS ?? 5);
const DRAG_FRAMES = 40;
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(base: string, child: ChildProcess | null) {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the studio exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the studio did not start in time');
}

/** trigger → 20 columns of chained nodes (a mix of types), 200 nodes in all, laid out on a grid. */
export function bigFlow(count = NODES): FlowDefinition {
  const columns = 20;
  const nodes: FlowDefinition['graph']['nodes'] = [
    { id: 'trigger', type: 'trigger', label: 'Trigger', config: {}, position: { x: (columns * 280) / 2, y: 0 } },
  ];
  const edges: FlowDefinition['graph']['edges'] = [];
  for (let i = 1; i < count; i++) {
    const col = (i - 1) % columns;
    const row = Math.floor((i - 1) / columns);
    const id = `n${i}`;
    const kind = i % 3;
    nodes.push({
      id,
      type: kind === 0 ? 'set_variables' : kind === 1 ? 'http_request' : 'stop',
      label: `Step ${i}`,
      config:
        kind === 0
          ? { variables: { [`v${i}`]: '{{ trigger.data.object.id }}' } }
          : kind === 1
            ? { method: 'POST', url: `https://example.test/hook/${i}`, headers: {}, timeoutMs: 5000 }
            : { outcome: 'success', message: `done ${i}` },
      position: { x: col * 280, y: 160 + row * 160 },
    });
    const above = row === 0 ? 'trigger' : `n${i - columns}`;
    const aboveIsStop = row > 0 && (i - columns) % 3 === 2;
    // A stop node ends its branch; the next node in the column then hangs off the trigger.
    edges.push({ id: `e${i}`, source: aboveIsStop ? 'trigger' : above, target: id });
  }
  return { trigger: { kind: 'stripe_webhook', events: ['charge.succeeded'] }, graph: { nodes, edges } };
}

async function trpc<T>(page: Page, base: string, procedure: string, input: unknown): Promise<T> {
  const response = await page.request.post(`${base}/api/trpc/${procedure}`, { data: { json: input } });
  const body = await response.json();
  if (!response.ok()) throw new Error(`${procedure}: ${JSON.stringify(body).slice(0, 400)}`);
  return body.result.data.json as T;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// BENCH_STUDIO_URL measures an already running production studio instead of starting one.
const port = await freePort();
const base = process.env.BENCH_STUDIO_URL ?? `http://localhost:${port}`;
const dataDir = path.join(root, '.data', `bench-canvas-${randomUUID().slice(0, 8)}`);
const studio: ChildProcess | null = process.env.BENCH_STUDIO_URL
  ? null
  : spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], {
      cwd: root,
      env: { ...process.env, PORT: String(port), TILLFLOW_DATA_DIR: dataDir, TILLFLOW_AUTH_RATE_LIMIT: 'off' },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: chromiumArgs,
});
try {
  await waitForHealth(base, studio);
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${base}/sign-up`);
  await page.getByLabel('Email').fill(`bench-${randomUUID().slice(0, 8)}@example.test`);
  await page.getByLabel('Password').fill('correct-horse-9');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(/\/projects$/);
  const project = await trpc<{ id: number }>(page, base, 'project.create', {
    name: 'Canvas bench',
    slug: `bench-${randomUUID().slice(0, 8)}`,
  });
  const flow = await trpc<{ id: string }>(page, base, 'flows.create', { projectId: project.id, name: 'Big flow' });
  await trpc(page, base, 'flows.saveDraft', {
    projectId: project.id,
    flowId: flow.id,
    definition: bigFlow(),
    expectedRevision: 1,
  });
  const url = `${base}/projects/${project.id}/flows/${flow.id}`;
  await page.goto(url); // warm-up: compiles nothing in production, but fills caches as a returning builder would
  await page
    .locator('.react-flow__node')
    .nth(NODES - 1)
    .waitFor();

  const opens: number[] = [];
  for (let i = 0; i < OPENS; i++) {
    await page.goto('about:blank');
    const started = performance.now();
    await page.goto(url);
    await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length >= n, NODES);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    opens.push(performance.now() - started);
  }

  const frames: number[] = [];
  const box = await page.locator('.react-flow__node[data-id="n1"]').boundingBox();
  if (!box) throw new Error('node n1 is not on screen');
  const x = box.x + box.width / 2;
  const y = box.y + 10;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= DRAG_FRAMES; i++) {
    const started = performance.now();
    await page.mouse.move(x + i * 4, y + i * 2);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    frames.push(performance.now() - started);
  }
  await page.mouse.up();

  console.log(`canvas_open_ms_200: ${Math.round(median(opens))}`);
  console.log(`canvas_drag_ms_200: ${median(frames).toFixed(1)}`);
} finally {
  await browser.close();
  if (studio?.pid) {
    process.kill(-studio.pid, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
