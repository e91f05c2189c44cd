import { authUser, type DbHandle, projects } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { expect } from 'vitest';
import { DataAccessError, provisionProjectSchema } from '../src';

/** A builder + a provisioned project with unique names (tests share PostgreSQL). */
export async function createTestProject(handle: DbHandle) {
  const suffix = uniqueSuffix();
  const [owner] = await handle.db
    .insert(authUser)
    .values({ id: `u_${suffix}`, name: 'Builder', email: `builder-${suffix}@example.test` })
    .returning();
  return handle.db.transaction(async (tx) => {
    const [project] = await tx
      .insert(projects)
      .values({ ownerId: owner.id, name: `Project ${suffix}`, slug: `p-${suffix}`, schemaName: `app_${suffix}` })
      .returning();
    await provisionProjectSchema(tx, project);
    return project;
  });
}

/** Awaits a promise that must fail with a DataAccessError of this code; returns it for further checks. */
export async function expectDataError(promise: Promise<unknown>, code: DataAccessError['code'], message?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataAccessError);
  const dataError = error as DataAccessError;
  expect(dataError.code).toBe(code);
  if (message) expect(dataError.message).toMatch(message);
  return dataError;
}
