import { createHash, randomUUID } from 'node:crypto';
import { existsSync, openAsBlob, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setting } from '@tillflow/core';
import { createDb, type DbHandle } from './client';
import { runMigrations } from './migrate';
import { migrationsDir } from './paths';

/**
 * A migrated database for a test file: a throwaway in-memory PGlite, or the
 * PostgreSQL named by DATABASE_URL (shared, so tests must use unique names).
 * PGlite starts from a migrated template (see pgliteTemplate) and then runs the migrations (none are left).
 */
export async function createTestDb(): Promise<DbHandle> {
  const url = setting('DATABASE_URL');
  if (url) return createDb({ url });
  return createDb({ pgliteDir: 'memory', pgliteTemplate: await openAsBlob(await pgliteTemplate()) });
}

/**
 * The data folder of an empty PGlite with every migration applied, dumped once to a file keyed by the
 * migrations' names and contents and the PGlite version, and reused by every later test database (test files,
 * runs, worktrees): starting a PGlite from it skips `initdb` and the migrations, the slowest part of a test
 * file's start (and of each of StrykerJS's re-runs). A changed or added migration makes a new key, so a
 * template never lacks one. Written under a temporary name and renamed, so concurrent writers cannot tear it.
 */
export async function pgliteTemplate(migrationsFolder = migrationsDir()): Promise<string> {
  const hash = createHash('sha256').update(`pglite ${PGLITE_VERSION}\n`);
  for (const name of readdirSync(migrationsFolder, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = path.join(migrationsFolder, name);
    if (!name.endsWith('.sql') && !name.endsWith('.json')) continue;
    hash.update(`${name}\n`).update(readFileSync(file)).update('\n');
  }
  const file = path.join(tmpdir(), `tillflow-pglite-${hash.digest('hex').slice(0, 20)}.tar`);
  if (existsSync(file)) return file;
  const fresh = await createDb({ pgliteDir: 'memory', migrate: false });
  try {
    await runMigrations(fresh, migrationsFolder);
    const dump = await fresh.pglite?.dumpDataDir('none');
    if (!dump) throw new Error('PGlite could not dump its data folder.');
    const partial = `${file}.${process.pid}.${uniqueSuffix()}`;
    writeFileSync(partial, await blobBytes(dump));
    renameSync(partial, file);
  } finally {
    await fresh.close();
  }
  return file;
}

/**
 * A dump's bytes. Node's Blob reads itself; in a test file run in a jsdom environment PGlite makes jsdom's Blob,
 * which has no arrayBuffer() (seen: the first test file of a fresh machine was a jsdom one), so read it the DOM way.
 */
async function blobBytes(blob: Blob): Promise<Buffer> {
  if (typeof blob.arrayBuffer === 'function') return Buffer.from(await blob.arrayBuffer());
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(Buffer.from(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

/** The installed PGlite's version (its package.json is not exported: found above its entry point). */
const PGLITE_VERSION = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
})();

export function uniqueSuffix(): string {
  return randomUUID().replace(/-/g, '').slice(0, 10);
}
