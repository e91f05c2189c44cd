import { dataRoles, type Executor, executeRows } from '@tillflow/db';
import { and, eq, sql } from 'drizzle-orm';
import { id } from './ddl';
import { DataAccessError, pgErrorInfo } from './errors';
import { END_USER_PHYSICAL, projectSchemaName } from './metadata';

export interface EndUser {
  id: number;
  email: string;
  role: string;
  createdAt: Date;
}

async function endUserTable(tx: Executor, projectId: number) {
  const schema = await projectSchemaName(tx, projectId);
  return sql`${id(schema)}.${id(END_USER_PHYSICAL)}`;
}

async function assertRole(tx: Executor, projectId: number, role: string) {
  const [found] = await tx
    .select({ id: dataRoles.id })
    .from(dataRoles)
    .where(and(eq(dataRoles.projectId, projectId), eq(dataRoles.name, String(role))));
  if (!found) throw new DataAccessError('VALIDATION', `There is no role "${String(role)}".`, { role: 'No such role.' });
}

const toEndUser = (r: { id: number; email: string; role: string; created_at: Date | string }): EndUser => ({
  id: Number(r.id),
  email: r.email,
  role: r.role,
  createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
});

/** Newest first, keyset by id. */
export async function listEndUsers(
  tx: Executor,
  projectId: number,
  options: { limit?: number; beforeId?: number; search?: string } = {},
): Promise<EndUser[]> {
  const table = await endUserTable(tx, projectId);
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const before = options.beforeId ? sql`id < ${options.beforeId}` : sql`true`;
  const search = options.search
    ? sql`email ilike ${`%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`
    : sql`true`;
  const rows = await executeRows<{ id: number; email: string; role: string; created_at: Date }>(
    tx,
    sql`select id, email, role, created_at from ${table} where ${before} and ${search} order by id desc limit ${limit}`,
  );
  return rows.map(toEndUser);
}

/** For the generated app's sign-up (and tests); the password is hashed by the caller. */
export async function createEndUser(
  tx: Executor,
  projectId: number,
  input: { email: string; passwordHash?: string | null; role?: string },
): Promise<EndUser> {
  const email = String(input.email ?? '')
    .trim()
    .toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    throw new DataAccessError('VALIDATION', 'Enter a valid email address.', { email: 'Invalid email.' });
  const role = input.role ?? 'user';
  await assertRole(tx, projectId, role);
  const table = await endUserTable(tx, projectId);
  try {
    const [row] = await tx.transaction((sp) =>
      executeRows<{ id: number; email: string; role: string; created_at: Date }>(
        sp,
        sql`insert into ${table} (email, password_hash, role) values (${email}, ${input.passwordHash ?? null}, ${role})
            returning id, email, role, created_at`,
      ),
    );
    return toEndUser(row);
  } catch (error) {
    if (pgErrorInfo(error)?.code === '23505')
      throw new DataAccessError('CONFLICT', 'An end user with this email already exists.', {
        email: 'Already registered.',
      });
    throw error;
  }
}

export async function setEndUserRole(tx: Executor, projectId: number, userId: number, role: string): Promise<EndUser> {
  await assertRole(tx, projectId, role);
  const table = await endUserTable(tx, projectId);
  const [row] = await executeRows<{ id: number; email: string; role: string; created_at: Date }>(
    tx,
    sql`update ${table} set role = ${role}, updated_at = now() where id = ${userId} returning id, email, role, created_at`,
  );
  if (!row) throw new DataAccessError('NOT_FOUND', `There is no end user ${userId}.`);
  return toEndUser(row);
}

/** Email + password hash for the generated app's sign-in (never exposed through the data-access layer). */
export async function findEndUserCredentials(
  tx: Executor,
  projectId: number,
  email: string,
): Promise<(EndUser & { passwordHash: string | null }) | null> {
  const table = await endUserTable(tx, projectId);
  const [row] = await executeRows<{
    id: number;
    email: string;
    role: string;
    created_at: Date;
    password_hash: string | null;
  }>(
    tx,
    sql`select id, email, role, created_at, password_hash from ${table} where email = ${String(email).trim().toLowerCase()}`,
  );
  return row ? { ...toEndUser(row), passwordHash: row.password_hash } : null;
}
