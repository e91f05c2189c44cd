// The production studio in a child process plus Debian's Chromium through playwright-core, for benchmarks that
// measure the studio in a browser (canvas, pages). `node scripts/start.mjs` builds first if sources changed;
// BENCH_STUDIO_URL measures an already running production studio instead of starting one.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForHealth(base: string, child: ChildProcess | null) {
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

export async function trpc<T>(page: Page, base: string, procedure: string, input: unknown): Promise<T> {
  const response = await page.request.post(`${base}/api/trpc/${procedure}`, { data: { json: input } });
  const body = await response.json();
  if (!response.ok()) throw new Error(`${procedure}: ${JSON.stringify(body).slice(0, 400)}`);
  return body.result.data.json as T;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Starts the studio (unless BENCH_STUDIO_URL) and Chromium; `stop` ends both and removes the data folder. */
export async function startBrowserStudio(name: string): Promise<{
  base: string;
  browser: Browser;
  stop: () => Promise<void>;
}> {
  const port = await freePort();
  const base = process.env.BENCH_STUDIO_URL ?? `http://localhost:${port}`;
  const dataDir = path.join(root, '.data', `bench-${name}-${randomUUID().slice(0, 8)}`);
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
  const stop = async () => {
    await browser.close();
    if (studio?.pid) {
      process.kill(-studio.pid, 'SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    await waitForHealth(base, studio);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, browser, stop };
}

/** A fresh builder account signed in on `page`, and a project of theirs. */
export async function builderWithProject(page: Page, base: string, name: string): Promise<{ id: number }> {
  await page.goto(`${base}/sign-up`);
  await page.getByLabel('Email').fill(`bench-${randomUUID().slice(0, 8)}@example.test`);
  await page.getByLabel('Password').fill('correct-horse-9');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(/\/projects$/);
  return trpc<{ id: number }>(page, base, 'project.create', { name, slug: `bench-${randomUUID().slice(0, 8)}` });
}
