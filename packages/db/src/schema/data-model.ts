import { boolean, index, integer, jsonb, pgTable, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { projects } from './projects';

// Metadata of each project's own tables. The rows themselves live in real
// tables inside the project's PostgreSQL schema (projects.schemaName); these
// tables describe them and hold the role × table / role × action matrix.

export const dataTables = pgTable(
  'data_table',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    // Stable physical name (t_<id>), so a rename never touches the stored table.
    physicalName: text('physical_name').notNull(),
    isSystem: boolean('is_system').notNull().default(false),
    // A relation column to the end-user table whose value marks the row's owner ("own" scope).
    ownerColumnId: integer('owner_column_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('data_table_project_name_uq').on(t.projectId, t.name),
    index('data_table_project_idx').on(t.projectId),
  ],
);

export const dataColumns = pgTable(
  'data_column',
  {
    id: serial('id').primaryKey(),
    tableId: integer('table_id')
      .notNull()
      .references(() => dataTables.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    // Stable physical name (c_<id>): renames are metadata-only.
    physicalName: text('physical_name').notNull(),
    type: text('type').notNull(),
    enumOptions: jsonb('enum_options').$type<string[]>(),
    // Cascade only matters when a whole project goes: deleteTable refuses while relations point at a table.
    relationTableId: integer('relation_table_id').references(() => dataTables.id, { onDelete: 'cascade' }),
    required: boolean('required').notNull().default(false),
    isUnique: boolean('is_unique').notNull().default(false),
    defaultValue: jsonb('default_value'),
    position: integer('position').notNull().default(0),
    // Written only by the server (builder, flows, API keys): end users may not set or change it (e.g. the
    // amount, currency and status of a payments order table, set when payments are bound).
    systemManaged: boolean('system_managed').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('data_column_table_name_uq').on(t.tableId, t.name),
    index('data_column_relation_idx').on(t.relationTableId),
  ],
);

export const dataRoles = pgTable(
  'data_role',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    isBuiltin: boolean('is_builtin').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('data_role_project_name_uq').on(t.projectId, t.name)],
);

/** A row grants one operation; no row means closed (the default). */
export const tablePermissions = pgTable(
  'table_permission',
  {
    id: serial('id').primaryKey(),
    roleId: integer('role_id')
      .notNull()
      .references(() => dataRoles.id, { onDelete: 'cascade' }),
    tableId: integer('table_id')
      .notNull()
      .references(() => dataTables.id, { onDelete: 'cascade' }),
    operation: text('operation').notNull(), // read | insert | update | delete | aggregate
    scope: text('scope').notNull().default('all'), // all | own
  },
  (t) => [
    unique('table_permission_uq').on(t.roleId, t.tableId, t.operation),
    index('table_permission_table_idx').on(t.tableId),
  ],
);

export const actionPermissions = pgTable(
  'action_permission',
  {
    id: serial('id').primaryKey(),
    roleId: integer('role_id')
      .notNull()
      .references(() => dataRoles.id, { onDelete: 'cascade' }),
    action: text('action').notNull(), // e.g. stripe.payment, stripe.refund, stripe.recurring
  },
  (t) => [unique('action_permission_uq').on(t.roleId, t.action)],
);

/** Something outside the data model that needs a table to stay (e.g. a bound payment module). */
export const tableDependencies = pgTable(
  'table_dependency',
  {
    id: serial('id').primaryKey(),
    tableId: integer('table_id')
      .notNull()
      .references(() => dataTables.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(), // e.g. 'payment module'
    description: text('description').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('table_dependency_uq').on(t.tableId, t.kind)],
);

export type DataTableRow = typeof dataTables.$inferSelect;
export type DataColumnRow = typeof dataColumns.$inferSelect;
export type DataRoleRow = typeof dataRoles.$inferSelect;
