#!/usr/bin/env node
// `npm run bench -- NAME` runs bench/NAME.ts; PostgreSQL when DATABASE_URL is set, else PGlite.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const name = process.argv[2];
const available = readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(path.join(root, 'bench', `${name}.ts`))) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'bench', `${name}.ts`), ...process.argv.slice(3)],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
process.exit(result.status ?? 1);
