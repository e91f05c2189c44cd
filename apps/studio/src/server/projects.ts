import { randomBytes } from 'node:crypto';
import { dropProjectSchema, provisionProjectSchema } from '@tillflow/data-model';
import { type DbHandle, type Project, projects } from '@tillflow/db';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';

/**
 * Creates the project row and (through the data-model package) its own
 * PostgreSQL schema in one transaction, so a failure leaves neither behind.
 */
export async function createProjectRecord(handle: DbHandle, ownerId: string, input: { name: string; slug: string }) {
  const [taken] = await handle.db.select({ id: projects.id }).from(projects).where(eq(projects.slug, input.slug));
  if (taken) throw new TRPCError({ code: 'CONFLICT', message: `The URL slug "${input.slug}" is already taken.` });
  const schemaName = `app_${randomBytes(6).toString('hex')}`;
  try {
    return await handle.db.transaction(async (tx) => {
      const [project] = await tx
        .insert(projects)
        .values({ ownerId, name: input.name, slug: input.slug, schemaName })
        .returning();
      await provisionProjectSchema(tx, project);
      return project;
    });
  } catch (error) {
    if (
      String((error as { code?: string }).code ?? (error as Error).cause) === '23505' ||
      /unique/i.test(String(error))
    )
      throw new TRPCError({ code: 'CONFLICT', message: `The URL slug "${input.slug}" is already taken.` });
    throw error;
  }
}

export async function deleteProjectRecord(handle: DbHandle, project: Project) {
  await handle.db.transaction(async (tx) => {
    await dropProjectSchema(tx, project);
    await tx.delete(projects).where(eq(projects.id, project.id));
  });
}
