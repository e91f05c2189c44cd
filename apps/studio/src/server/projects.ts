import { randomBytes } from 'node:crypto';
import { TillflowError } from '@tillflow/core';
import { dropProjectSchema, provisionProjectSchema } from '@tillflow/data-model';
import { type DbHandle, type Executor, type Project, projectMembers, projects } from '@tillflow/db';
import { and, desc, eq } from 'drizzle-orm';

// A builder's projects: the rules the project router applies (slugs unique across the studio, deleting
// only with the exact name typed), in one place.

const slugTaken = (slug: string) =>
  new TillflowError('CONFLICT', `The web address "${slug}" is already taken by another shop.`);
const isUniqueViolation = (error: unknown) =>
  String((error as { code?: string }).code ?? (error as Error).cause) === '23505' || /unique/i.test(String(error));

async function refuseTakenSlug(db: Executor, slug: string) {
  const [taken] = await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, slug));
  if (taken) throw slugTaken(slug);
}

/** The projects the builder is a member of (with their role there), newest first. */
export async function listProjects(handle: DbHandle, userId: string) {
  const rows = await handle.db
    .select({ project: projects, role: projectMembers.role })
    .from(projects)
    .innerJoin(projectMembers, and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId)))
    .orderBy(desc(projects.createdAt));
  return rows.map((r) => ({ ...r.project, role: r.role }));
}

/**
 * Creates the project row and (through the data-model package) its own
 * PostgreSQL schema in one transaction, so a failure leaves neither behind.
 */
export async function createProjectRecord(handle: DbHandle, ownerId: string, input: { name: string; slug: string }) {
  await refuseTakenSlug(handle.db, input.slug);
  const schemaName = `app_${randomBytes(6).toString('hex')}`;
  try {
    return await handle.db.transaction(async (tx) => {
      const [project] = await tx
        .insert(projects)
        .values({ ownerId, name: input.name, slug: input.slug, schemaName })
        .returning();
      // Its builder is its first owner (server/teams).
      await tx.insert(projectMembers).values({ projectId: project.id, userId: ownerId, role: 'owner' });
      await provisionProjectSchema(tx, project);
      return project;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw slugTaken(input.slug);
    throw error;
  }
}

/** New name, and optionally a new web address (refused when another project has it). */
export async function renameProject(handle: DbHandle, project: Project, input: { name: string; slug?: string }) {
  if (input.slug && input.slug !== project.slug) await refuseTakenSlug(handle.db, input.slug);
  const [updated] = await handle.db
    .update(projects)
    .set({ name: input.name, slug: input.slug ?? project.slug, updatedAt: new Date() })
    .where(eq(projects.id, project.id))
    .returning();
  return updated;
}

/** Deletes the project and its schema, only when `confirmName` is its exact name. */
export async function deleteProjectRecord(handle: DbHandle, project: Project, confirmName = project.name) {
  if (confirmName !== project.name)
    throw new TillflowError('VALIDATION', `Type the project name "${project.name}" exactly to delete it.`);
  await handle.db.transaction(async (tx) => {
    await dropProjectSchema(tx, project);
    await tx.delete(projects).where(eq(projects.id, project.id));
  });
}
