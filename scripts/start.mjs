#!/usr/bin/env node
// `npm start`: build the studio if it has never been built or its sources changed
// since, then serve it (PORT, default 3000) on the embedded database and sandbox.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const studio = path.join(root, 'apps/studio');
const buildId = path.join(studio, '.next/BUILD_ID');

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const sources = [
    path.join(studio, 'src'),
    ...readdirSync(path.join(root, 'packages')).map((p) => path.join(root, 'packages', p, 'src')),
  ];
  return sources.some((dir) => newestMtime(dir) > built);
}

if (needsBuild()) {
  console.log('Building the studio (first start or sources changed)…');
  const build = spawnSync('npm', ['run', 'build', '-w', '@tillflow/studio'], { stdio: 'inherit', cwd: root });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const port = process.env.PORT ?? '3000';
// Without PUBLIC_URL the studio is a local tool and listens on localhost only; set HOST (and
// PUBLIC_URL: the studio refuses a non-loopback HOST without it) to serve others.
const host = process.env.HOST || (process.env.PUBLIC_URL ? '' : 'localhost');
const args = ['start', '-p', port, ...(host ? ['-H', host] : [])];
const child = spawn(path.join(root, 'node_modules/.bin/next'), args, {
  stdio: 'inherit',
  cwd: studio,
  // The studio handles SIGTERM itself (drains workers, closes streams): see apps/studio/src/server/operations.ts.
  env: {
    ...process.env,
    PORT: port,
    TILLFLOW_ROOT: root,
    NEXT_MANUAL_SIG_HANDLE: 'true',
    ...(host ? { HOST: host } : {}),
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
