import { cpSync, mkdtempSync, openAsBlob, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle, migrationsDir } from '../src';
import { pgliteTemplate } from '../src/testing';

// Test databases on PGlite start from a dumped, migrated data folder instead of running initdb and every
// migration again (the slowest part of each test file's start, and of each StrykerJS re-run). The template
// must hold every migration, be written once and reused, and never be reused for another set of migrations.

const opened: DbHandle[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), 'tillflow-template-test-'));
afterAll(async () => {
  await Promise.all(opened.map((h) => h.close()));
  rmSync(scratch, { recursive: true, force: true });
});

async function fromTemplate(file: string): Promise<DbHandle> {
  const handle = await createDb({ pgliteDir: 'memory', pgliteTemplate: await openAsBlob(file), migrate: false });
  opened.push(handle);
  return handle;
}

const journal = (folder: string) =>
  JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
  };

describe('the migrated PGlite template of test databases', () => {
  it('holds every migration, is written once and reused, and each database made from it is its own', async () => {
    const file = await pgliteTemplate();
    const written = statSync(file).mtimeMs;
    expect(await pgliteTemplate()).toBe(file);
    expect(statSync(file).mtimeMs).toBe(written);

    const [a, b] = [await fromTemplate(file), await fromTemplate(file)];
    const applied = await a.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
    expect(applied[0].n).toBe(journal(migrationsDir()).entries.length);
    await a.query('create table only_in_a (id integer)');
    const onlyInA = "select count(*)::int as n from information_schema.tables where table_name = 'only_in_a'";
    expect((await a.query<{ n: number }>(onlyInA))[0].n).toBe(1);
    expect((await b.query<{ n: number }>(onlyInA))[0].n).toBe(0);
  });

  it('a migration added or changed makes another template that has it', async () => {
    const folder = path.join(scratch, 'drizzle');
    cpSync(migrationsDir(), folder, { recursive: true });
    const entries = journal(folder).entries;
    const last = entries[entries.length - 1];
    const tag = `${String(last.idx + 1).padStart(4, '0')}_template_test`;
    writeFileSync(path.join(folder, `${tag}.sql`), 'create table template_probe (id integer primary key);');
    entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag });
    writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal(folder), entries }));

    const added = await pgliteTemplate(folder);
    expect(added).not.toBe(await pgliteTemplate());
    const probe = "select count(*)::int as n from information_schema.tables where table_name = 'template_probe'";
    expect((await (await fromTemplate(added)).query<{ n: number }>(probe))[0].n).toBe(1);
    expect((await (await fromTemplate(await pgliteTemplate())).query<{ n: number }>(probe))[0].n).toBe(0);

    writeFileSync(path.join(folder, `${tag}.sql`), 'create table template_probe_changed (id integer primary key);');
    const changed = await pgliteTemplate(folder);
    expect(changed).not.toBe(added);
    const probeChanged = probe.replace("'template_probe'", "'template_probe_changed'");
    expect((await (await fromTemplate(changed)).query<{ n: number }>(probeChanged))[0].n).toBe(1);
    rmSync(added);
    rmSync(changed);
  });
});
