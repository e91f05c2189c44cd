import { existsSync } from 'node:fs';
import path from 'node:path';

// Next.js runs from apps/studio, tests from a package, CLIs from the root:
// walk up to the folder that holds turbo.json instead of trusting cwd.
export function findRepoRoot(start = process.cwd()): string {
  if (process.env.TILLFLOW_ROOT) return process.env.TILLFLOW_ROOT;
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
  return process.env.TILLFLOW_DATA_DIR ?? path.join(findRepoRoot(), '.data');
}
