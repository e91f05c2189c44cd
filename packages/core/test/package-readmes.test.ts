import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, sourceFiles } from './repo-sources';

// Every package says what it owns, what it exports and what it may import, and the code keeps to it: the
// README's "May import" names exactly the workspace packages its package.json depends on, its "Public
// exports" names every entry of its exports map, its sources import nothing else, and no import runs back up
// the layering (flow-model < data-model / runtime < payments < studio).

const root = repoRoot;
const packagesDir = path.join(root, 'packages');

/** Lower layers first; a package may import only packages of a lower layer. */
const LAYER: Record<string, number> = {
  core: 0,
  db: 1,
  'flow-model': 1,
  'stripe-sandbox': 1,
  'data-model': 2,
  'page-model': 2,
  runtime: 3,
  realtime: 3,
  mail: 4,
  payments: 5,
};

const packages = readdirSync(packagesDir).filter((name) =>
  statSync(path.join(packagesDir, name, 'package.json'), { throwIfNoEntry: false })?.isFile(),
);

function section(readme: string, heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) return '';
  const next = readme.indexOf('\n## ', start + heading.length + 5);
  return readme.slice(start, next < 0 ? undefined : next);
}

const workspaceNames = (text: string) => new Set([...text.matchAll(/@tillflow\/([a-z-]+)/g)].map((m) => m[1]));

describe.each(packages)('packages/%s', (name) => {
  const dir = path.join(packagesDir, name);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    exports: Record<string, string>;
    dependencies?: Record<string, string>;
  };
  const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
  const deps = Object.keys(manifest.dependencies ?? {})
    .filter((d) => d.startsWith('@tillflow/'))
    .map((d) => d.slice('@tillflow/'.length))
    .sort();

  it('has a README saying what it owns, its public exports and what it may import', () => {
    for (const heading of ['Owns', 'Public exports', 'May import'])
      expect(section(readme, heading).trim().length, heading).toBeGreaterThan(heading.length + 20);
  });

  it('names every entry of its exports map under Public exports', () => {
    const exportsText = section(readme, 'Public exports');
    for (const entry of Object.keys(manifest.exports))
      expect(exportsText, entry).toContain(`@tillflow/${name}${entry === '.' ? '' : entry.slice(1)}`);
  });

  it('May import names exactly its workspace dependencies, each from a lower layer', () => {
    expect(LAYER[name], 'add the package to LAYER').toBeDefined();
    expect([...workspaceNames(section(readme, 'May import'))].filter((n) => n !== name).sort()).toEqual(deps);
    for (const dep of deps) expect(LAYER[dep], `${name} → ${dep}`).toBeLessThan(LAYER[name]);
  });

  it('its sources import only those packages, and only through their exports maps', () => {
    for (const file of sourceFiles(path.join(dir, 'src')))
      for (const [, dep, sub] of readFileSync(file, 'utf8').matchAll(/from '@tillflow\/([a-z-]+)(\/[a-z-]+)?'/g)) {
        expect(deps, `${path.relative(root, file)} imports @tillflow/${dep}`).toContain(dep);
        const target = JSON.parse(readFileSync(path.join(packagesDir, dep, 'package.json'), 'utf8')) as {
          exports: Record<string, string>;
        };
        expect(Object.keys(target.exports), `${path.relative(root, file)}`).toContain(sub ? `.${sub}` : '.');
      }
  });
});
