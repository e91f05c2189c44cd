// The production studio (`next start`, from an existing build) as a child process, for benchmarks
// that must go through the real Next.js route handlers. It shares the benchmark's PostgreSQL.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export const hasBuild = () => existsSync(path.join(root, 'apps/studio/.next/BUILD_ID'));

export async function startNextStudio(
  port: number,
): Promise<{ url: string; pid: number | undefined; stop: () => Promise<void> }> {
  if (!process.env.DATABASE_URL)
    throw new Error('The Next.js studio must share the benchmark database: set DATABASE_URL.');
  const studio = path.join(root, 'apps/studio');
  if (!existsSync(path.join(studio, '.next/BUILD_ID')))
    throw new Error('No production build: run `npm run build` first.');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tillflow-bench-'));
  // BENCH_NEXT_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (--cpu-prof is refused in
  // NODE_OPTIONS, so next's script is started through node itself).
  const profile = process.env.BENCH_NEXT_CPU_PROF;
  const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, nextBin, 'start', '-p', String(port)], {
    cwd: studio,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      TILLFLOW_ROOT: root,
      TILLFLOW_DATA_DIR: dataDir,
      TILLFLOW_SANDBOX: 'off',
      TILLFLOW_WORKERS: '0',
      TILLFLOW_MAINTENANCE_MS: '0',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() - started > 120_000) throw new Error('The studio did not come up within 2 minutes.');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
