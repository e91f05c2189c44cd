import { type SQL, sql } from 'drizzle-orm';

/**
 * `and project_id in (…)` for a loop limited to some projects (workers, the mail dispatcher: tests sharing a
 * database, dedicated processes); nothing when it serves every project.
 */
export function projectScope(projectIds?: readonly number[]): SQL {
  if (!projectIds) return sql``;
  return sql`and project_id in (${sql.join(
    projectIds.map((id) => sql`${id}`),
    sql`, `,
  )})`;
}
