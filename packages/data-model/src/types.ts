import { z } from 'zod';

export const COLUMN_TYPES = ['text', 'integer', 'decimal', 'boolean', 'timestamp', 'json', 'enum', 'relation'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const TABLE_OPERATIONS = ['read', 'insert', 'update', 'delete', 'aggregate'] as const;
export type TableOperation = (typeof TABLE_OPERATIONS)[number];
export type PermissionScope = 'all' | 'own';

export const BUILTIN_ROLES = ['anonymous', 'user', 'admin'] as const;
/** The actions the payments module checks; the matrix shows these even before payments are activated. */
export const KNOWN_ACTIONS = ['stripe.payment', 'stripe.refund', 'stripe.recurring'] as const;

/** The builder-visible name of every project's end-user table. */
export const END_USER_TABLE = 'end_user';

const enumOption = z
  .string()
  .trim()
  .min(1, 'An option cannot be empty.')
  .max(100, 'An option has at most 100 characters.')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: options end up in a CHECK constraint
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'An option cannot contain control characters.');

export const columnDefSchema = z.object({
  name: z.string(),
  type: z.enum(COLUMN_TYPES),
  required: z.boolean().optional(),
  unique: z.boolean().optional(),
  default: z.unknown().optional(),
  enumOptions: z.array(enumOption).max(200).optional(),
  /** Builder-visible name of the table a relation points at (many-to-one). */
  relationTable: z.string().optional(),
});
export type ColumnDef = z.input<typeof columnDefSchema>;

export const columnChangeSchema = z.object({
  name: z.string().optional(),
  type: z.enum(COLUMN_TYPES).optional(),
  required: z.boolean().optional(),
  unique: z.boolean().optional(),
  default: z.unknown().optional(),
  enumOptions: z.array(enumOption).max(200).optional(),
  relationTable: z.string().optional(),
});
export type ColumnChange = z.input<typeof columnChangeSchema>;

export interface ColumnInfo {
  id: number;
  name: string;
  physicalName: string;
  type: ColumnType;
  enumOptions: string[] | null;
  relationTableId: number | null;
  relationTable: string | null;
  required: boolean;
  unique: boolean;
  default: unknown;
  position: number;
  /** Only the server writes it (builder, flows, API keys); end users may not set or change it. */
  systemManaged: boolean;
}

export interface TableInfo {
  id: number;
  projectId: number;
  name: string;
  physicalName: string;
  schemaName: string;
  isSystem: boolean;
  isEndUserTable: boolean;
  ownerColumn: string | null;
  columns: ColumnInfo[];
  /** Relations pointing at this table (the 1:N side): one entry per referencing column. */
  referencedBy: { table: string; column: string }[];
}

export type Actor =
  | { kind: 'builder' }
  | { kind: 'backend' }
  | { kind: 'endUser'; userId: number; role: string }
  | { kind: 'anonymous' };

/** The app's own server side (flows, payments, API keys): sees every row, no role applies. */
export const BACKEND: Actor = { kind: 'backend' };

export const FILTER_OPS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'contains', 'in', 'is_null', 'not_null'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export interface Filter {
  column: string;
  op: FilterOp;
  value?: unknown;
}
export interface Sort {
  column: string;
  direction: 'asc' | 'desc';
}
export interface QueryOptions {
  filters?: Filter[];
  sort?: Sort[];
  limit?: number;
  after?: string | null;
  search?: string;
  /**
   * The caller runs this same query again and again (a page's live list on every render): a prepared statement,
   * named with the table's metadata version like a write's, so it is planned once per connection and costs one
   * round trip instead of two. Leave unset for one-off shapes (each distinct text is kept per connection).
   */
  prepare?: boolean;
}

export type Row = Record<string, unknown> & { id: number; created_at: Date; updated_at: Date };

export type AggregateFn = 'count' | 'sum' | 'avg' | 'min' | 'max';
export interface AggregateOptions {
  fn: AggregateFn;
  column?: string;
  filters?: Filter[];
  groupBy?: string | string[];
}
export interface AggregateResult {
  /** The aggregate over all matching rows. */
  value: number | string | Date | null;
  /** One entry per group when groupBy is given. */
  groups?: { key: Record<string, unknown>; value: number | string | Date | null }[];
}
