import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

// The repository's own sources, for the tests that scan them (no-global-registries, one-definition,
// package-readmes): every .ts/.tsx/.mjs file under a directory, tests and node_modules left out.

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|tsx|mjs)$/.test(name) && !/\.test\./.test(name) ? [full] : [];
  });
}

/** Every source file of packages/<name>/src and apps/<name>/src. */
export const repoSources: string[] = ['packages', 'apps'].flatMap((top) =>
  readdirSync(path.join(repoRoot, top)).flatMap((pkg) => {
    const src = path.join(repoRoot, top, pkg, 'src');
    return statSync(src, { throwIfNoEntry: false })?.isDirectory() ? sourceFiles(src) : [];
  }),
);

/** A path as the tests name it: relative to the repository root, with forward slashes. */
export const repoRelative = (file: string) => path.relative(repoRoot, file).split(path.sep).join('/');
