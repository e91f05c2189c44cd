import type { DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '~/server/api/root';
import { signUpBuilder } from './helpers';

describe('projects through the tRPC API', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  const slug = () => `shop-${uniqueSuffix()}`;

  it('creates, renames and lists a builder’s own projects', async () => {
    const { caller } = await signUpBuilder(handle, 'ann');
    const created = await caller.project.create({ name: 'My shop', slug: slug() });
    expect(created.schemaName).toMatch(/^app_[0-9a-f]{12}$/);
    const renamed = await caller.project.rename({ projectId: created.id, name: 'Renamed shop' });
    expect(renamed.name).toBe('Renamed shop');
    const list = await caller.project.list();
    expect(list.map((p) => p.name)).toEqual(['Renamed shop']);
  });

  it('hides one builder’s project from another (NOT_FOUND, not just hidden in the UI)', async () => {
    const a = await signUpBuilder(handle, 'alice');
    const b = await signUpBuilder(handle, 'bob');
    const project = await a.caller.project.create({ name: 'Alice shop', slug: slug() });
    expect(await b.caller.project.list()).toEqual([]);
    await expect(b.caller.project.get({ projectId: project.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.project.rename({ projectId: project.id, name: 'Hijacked' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(b.caller.project.delete({ projectId: project.id, confirmName: 'Alice shop' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await a.caller.project.get({ projectId: project.id })).name).toBe('Alice shop');
  });

  it('refuses anonymous callers', async () => {
    const anonymous = createCaller({ db: handle, user: null, headers: new Headers() });
    await expect(anonymous.project.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('keeps slugs unique across the studio and validates them', async () => {
    const a = await signUpBuilder(handle, 'carol');
    const b = await signUpBuilder(handle, 'dave');
    const taken = slug();
    await a.caller.project.create({ name: 'One', slug: taken });
    await expect(b.caller.project.create({ name: 'Two', slug: taken })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('already taken'),
    });
    await expect(a.caller.project.create({ name: 'Bad', slug: 'Not A Slug!' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    // Renaming to another project's slug is refused the same way; keeping one's own slug is fine.
    const mine = await b.caller.project.create({ name: 'Three', slug: slug() });
    await expect(b.caller.project.rename({ projectId: mine.id, name: 'Three', slug: taken })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `The web address "${taken}" is already taken by another shop.`,
    });
    expect(await b.caller.project.rename({ projectId: mine.id, name: 'Three!', slug: mine.slug })).toMatchObject({
      name: 'Three!',
      slug: mine.slug,
    });
  });

  it('deletes only when the exact name is typed', async () => {
    const { caller } = await signUpBuilder(handle, 'erin');
    const project = await caller.project.create({ name: 'Doomed', slug: slug() });
    await expect(caller.project.delete({ projectId: project.id, confirmName: 'doomed' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const schemaExists = async () =>
      (await handle.query('select 1 from information_schema.schemata where schema_name = $1', [project.schemaName]))
        .length === 1;
    expect(await schemaExists()).toBe(true); // the project's own PostgreSQL schema
    await caller.project.delete({ projectId: project.id, confirmName: 'Doomed' });
    expect(await schemaExists()).toBe(false);
    await expect(caller.project.get({ projectId: project.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
