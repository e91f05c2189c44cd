import { existsSync } from 'node:fs';
import path from 'node:path';
import { setting } from './settings';

// Next.js runs from apps/studio, tests from a package, CLIs from the root:
// walk up to the folder that holds turbo.json instead of trusting cwd.
export function findRepoRoot(start = process.cwd()): string {
  const configured = setting('TILLFLOW_ROOT');
  if (configured) return configured;
  let dir = path.resolve(/*turbopackIgnore: true*/ start);
  for (;;) {
    if (existsSync(path.join(dir, 'turbo.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(/*turbopackIgnore: true*/ start);
    dir = parent;
  }
}

/** Where PGlite, generated secrets and sandbox state live (`TILLFLOW_DATA_DIR`, else `<repo>/.data`). */
export function dataDir(): string {
  return setting('TILLFLOW_DATA_DIR') ?? path.join(findRepoRoot(), '.data');
}
