import { authUser, type DbHandle, projects } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';

/** A project (and its builder) to send mail for: the mail tests need nothing else of it. */
export async function createProject(handle: DbHandle) {
  const suffix = uniqueSuffix();
  const [owner] = await handle.db
    .insert(authUser)
    .values({ id: `u_${suffix}`, name: 'Builder', email: `builder-${suffix}@example.test` })
    .returning();
  const [project] = await handle.db
    .insert(projects)
    .values({ ownerId: owner.id, name: `Mail ${suffix}`, slug: `m-${suffix}`, schemaName: `app_${suffix}` })
    .returning();
  return project;
}
