import { actionPermissions, dataRoles, type Executor, executeRows, preparedRows, tablePermissions } from '@tillflow/db';
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from './columns';
import { DataAccessError } from './errors';
import { cachedWithMetadata, END_USER_PHYSICAL, loadTable } from './metadata';
import { assertValidName } from './names';
import {
  type Actor,
  KNOWN_ACTIONS,
  type PermissionScope,
  TABLE_OPERATIONS,
  type TableInfo,
  type TableOperation,
} from './types';

export interface RoleInfo {
  id: number;
  name: string;
  isBuiltin: boolean;
}

export interface PermissionMatrix {
  roles: RoleInfo[];
  tables: string[];
  tablePermissions: { role: string; table: string; operation: TableOperation; scope: PermissionScope }[];
  actions: string[];
  actionPermissions: { role: string; action: string }[];
}

export function listRoles(tx: Executor, projectId: number): Promise<RoleInfo[]> {
  return tx
    .select({ id: dataRoles.id, name: dataRoles.name, isBuiltin: dataRoles.isBuiltin })
    .from(dataRoles)
    .where(eq(dataRoles.projectId, projectId))
    .orderBy(asc(dataRoles.id));
}

async function loadRole(tx: Executor, projectId: number, name: string): Promise<RoleInfo> {
  const [role] = await tx
    .select({ id: dataRoles.id, name: dataRoles.name, isBuiltin: dataRoles.isBuiltin })
    .from(dataRoles)
    .where(and(eq(dataRoles.projectId, projectId), eq(dataRoles.name, String(name))));
  if (!role) throw new DataAccessError('NOT_FOUND', `There is no role "${String(name)}".`, { role: 'No such role.' });
  return role;
}

export async function createRole(tx: Executor, projectId: number, name: string): Promise<RoleInfo> {
  assertValidName(name, 'role');
  const existing = await listRoles(tx, projectId);
  if (existing.some((r) => r.name.toLowerCase() === name.toLowerCase()))
    throw new DataAccessError('CONFLICT', `There is already a role "${name}".`, { name: 'Taken.' });
  const [role] = await tx.insert(dataRoles).values({ projectId, name, isBuiltin: false }).returning();
  return { id: role.id, name: role.name, isBuiltin: role.isBuiltin };
}

/** Custom roles only; refused while end users still have the role. */
export async function deleteRole(tx: Executor, projectId: number, name: string): Promise<void> {
  const role = await loadRole(tx, projectId, name);
  if (role.isBuiltin)
    throw new DataAccessError('FORBIDDEN', `"${role.name}" is a built-in role and cannot be deleted.`);
  const endUsers = await loadTable(tx, projectId, 'end_user');
  const [{ n }] = await executeRows<{ n: number | string }>(
    tx,
    sql`select count(*) as n from ${sql.identifier(endUsers.schemaName)}.${sql.identifier(END_USER_PHYSICAL)} where role = ${role.name}`,
  );
  if (Number(n) > 0)
    throw new DataAccessError('CONFLICT', `${n} end users have the role "${role.name}": give them another role first.`);
  await tx.delete(dataRoles).where(eq(dataRoles.id, role.id));
}

export async function getPermissionMatrix(tx: Executor, projectId: number): Promise<PermissionMatrix> {
  // Four independent reads at once (a page render waits on this): one wait on the database instead of four.
  const [roles, tables, grants, actionGrants] = await Promise.all([
    listRoles(tx, projectId),
    executeRows<{ name: string }>(tx, sql`select name from data_table where project_id = ${projectId} order by name`),
    executeRows<{ role: string; table: string; operation: TableOperation; scope: PermissionScope }>(
      tx,
      sql`select r.name as role, t.name as "table", p.operation, p.scope from table_permission p
        join data_role r on r.id = p.role_id join data_table t on t.id = p.table_id
        where r.project_id = ${projectId} order by r.id, t.name, p.operation`,
    ),
    executeRows<{ role: string; action: string }>(
      tx,
      sql`select r.name as role, a.action from action_permission a join data_role r on r.id = a.role_id
        where r.project_id = ${projectId} order by r.id, a.action`,
    ),
  ]);
  const actions = [...new Set([...KNOWN_ACTIONS, ...actionGrants.map((a) => a.action)])];
  return {
    roles,
    tables: tables.map((t) => t.name),
    tablePermissions: grants,
    actions,
    actionPermissions: actionGrants,
  };
}

/**
 * The permission matrix, cached with the project's metadata: roles and table/action permissions bump the
 * project's metadata version too (migration 0020, triggers in the changing transaction), so a change is seen by
 * the next read. The same object is handed to every caller: read it, never change it.
 */
export function cachedPermissionMatrix(tx: Executor, projectId: number): Promise<PermissionMatrix> {
  return cachedWithMetadata(tx, projectId, 'permission-matrix', () => getPermissionMatrix(tx, projectId));
}

const tablePermissionInput = z.object({
  role: z.string(),
  table: z.string(),
  operation: z.enum(TABLE_OPERATIONS),
  allowed: z.boolean(),
  scope: z.enum(['all', 'own']).default('all'),
});

/** Opens or closes one operation of one role on one table (scope 'own' needs an owner column). */
export async function setTablePermission(
  tx: Executor,
  projectId: number,
  input: z.input<typeof tablePermissionInput>,
): Promise<void> {
  const change = parseInput(tablePermissionInput, input);
  const role = await loadRole(tx, projectId, change.role);
  const table = await loadTable(tx, projectId, change.table);
  if (!change.allowed) {
    await tx
      .delete(tablePermissions)
      .where(
        and(
          eq(tablePermissions.roleId, role.id),
          eq(tablePermissions.tableId, table.id),
          eq(tablePermissions.operation, change.operation),
        ),
      );
    return;
  }
  if (table.isSystem && ['insert', 'update', 'delete'].includes(change.operation))
    throw new DataAccessError('VALIDATION', `Only the app's backend writes to the system table "${table.name}".`, {
      operation: 'Read-only for roles.',
    });
  if (change.scope === 'own' && !table.ownerColumn)
    throw new DataAccessError(
      'VALIDATION',
      `Table "${table.name}" has no owner column, so "own rows" cannot apply to it.`,
      {
        scope: 'Mark an owner column first.',
      },
    );
  await tx
    .insert(tablePermissions)
    .values({ roleId: role.id, tableId: table.id, operation: change.operation, scope: change.scope })
    .onConflictDoUpdate({
      target: [tablePermissions.roleId, tablePermissions.tableId, tablePermissions.operation],
      set: { scope: change.scope },
    });
}

const ACTION_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export async function setActionPermission(
  tx: Executor,
  projectId: number,
  input: { role: string; action: string; allowed: boolean },
): Promise<void> {
  if (typeof input.action !== 'string' || !ACTION_NAME.test(input.action))
    throw new DataAccessError('VALIDATION', `"${String(input.action)}" is not an action name.`, { action: 'Invalid.' });
  const role = await loadRole(tx, projectId, input.role);
  if (input.allowed)
    await tx.insert(actionPermissions).values({ roleId: role.id, action: input.action }).onConflictDoNothing();
  else
    await tx
      .delete(actionPermissions)
      .where(and(eq(actionPermissions.roleId, role.id), eq(actionPermissions.action, input.action)));
}

export function roleOf(actor: Actor): string | null {
  if (actor.kind === 'endUser') return actor.role;
  if (actor.kind === 'anonymous') return 'anonymous';
  return null;
}

/** True for the studio and backend; otherwise only when the actor's role was granted the action. */
export async function checkActionPermission(
  tx: Executor,
  projectId: number,
  actor: Actor,
  action: string,
): Promise<boolean> {
  const role = roleOf(actor);
  if (role === null) return true;
  const rows = await executeRows(
    tx,
    sql`select 1 from action_permission a join data_role r on r.id = a.role_id
        where r.project_id = ${projectId} and r.name = ${role} and a.action = ${action}`,
  );
  return rows.length > 0;
}

/**
 * The scope an actor may use for an operation, or FORBIDDEN. Builders and the
 * backend get 'all'; roles get only what a builder opened (closed by default).
 */
export async function tableAccess(
  tx: Executor,
  table: TableInfo,
  actor: Actor,
  operation: TableOperation,
): Promise<PermissionScope> {
  const role = roleOf(actor);
  if (role === null) return 'all';
  if (table.isSystem && operation !== 'read' && operation !== 'aggregate')
    throw new DataAccessError('FORBIDDEN', `Only the app's backend writes to the system table "${table.name}".`);
  // Every read and write of an end user asks this: a prepared statement (one round trip, planned once).
  const [grant] = await preparedRows<{ scope: PermissionScope }>(
    tx,
    sql`select p.scope from table_permission p join data_role r on r.id = p.role_id
        where p.table_id = ${table.id} and r.project_id = ${table.projectId} and r.name = ${role} and p.operation = ${operation}`,
  );
  if (!grant)
    throw new DataAccessError(
      'FORBIDDEN',
      `The role "${role}" may not ${operation} ${operation === 'aggregate' ? 'on ' : ''}table "${table.name}".`,
    );
  return grant.scope;
}
