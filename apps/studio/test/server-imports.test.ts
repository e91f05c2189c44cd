import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The studio's server code is also loaded outside Next.js: `npm run bench -- pages|realtime` and scripts import it
// through tsx from the repository's root, where the studio's `~/` path alias does not exist. One `~/` import anywhere
// in that graph made `npm run bench -- realtime` fail with "Cannot find package '~'" while every test passed.
const studio = path.resolve(import.meta.dirname, '..');
const serverDir = path.join(studio, 'src/server');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : /\.tsx?$/.test(name) ? [full] : [];
  });
}

function resolveRelative(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

describe('studio server modules load without the Next.js path alias', () => {
  it('no module reachable from src/server imports through `~/`', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const queue = walk(serverDir).filter((f) => !f.includes(`${path.sep}test${path.sep}`));
    while (queue.length) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        const spec = m[1];
        if (spec.startsWith('~/')) offenders.push(`${path.relative(studio, file)} imports ${spec}`);
        else if (spec.startsWith('.')) {
          const target = resolveRelative(file, spec);
          if (target) queue.push(target);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });
});
