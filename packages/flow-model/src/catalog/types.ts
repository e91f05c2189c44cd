import { z } from 'zod';
import type { TableInfo } from '../types';
import { t, type ValueType } from '../value-type';

export type NodeCategory = 'trigger' | 'payments' | 'logic' | 'data' | 'integrations' | 'code' | 'control';

/** What a node's output shape and field types may depend on besides its own config. */
export interface CatalogContext {
  /** The flow trigger's event type (envelope). */
  trigger: ValueType;
  /** Known tables, when the caller has them (data nodes type their rows from these). */
  tables?: TableInfo[];
  /** An app-called flow's declared outputs (what its "Return to the app" node must give), by name. */
  appOutputs?: Record<string, ValueType>;
}

export interface NodeTypeDefinition<Config = Record<string, unknown>, Output = unknown> {
  type: string;
  label: string;
  category: NodeCategory;
  icon: string;
  description: string;
  configSchema: z.ZodType<Config>;
  /** Output port names; a function when ports come from config (switch cases). Empty for terminal nodes. */
  outputs: readonly string[] | ((config: Config) => string[]);
  /** The shape of `nodes.<id>` for downstream bindings. */
  outputShape: (config: Config, ctx: CatalogContext) => ValueType<Output>;
  /** Expected types of config fields that may hold bindings (e.g. a number column bound to a string is an error). */
  fieldTypes?: (config: Config, ctx: CatalogContext) => Record<string, ValueType>;
  /** System nodes: cannot be deleted, edited or disconnected in system flows. */
  locked?: boolean;
  /** Config keys a builder may still change on a locked node (e.g. how a renewal order is made). */
  editableWhenLocked?: readonly string[];
  /** One line for the canvas card. */
  summary: (config: Config) => string;
}

/** A config string holding a binding such as `{{ nodes.a.total }}`. */
export const bindingString = z.string().regex(/\{\{[\s\S]*\}\}/, 'Expected a value or a {{ binding }}');
/** A field that takes a literal of `schema` or a binding that produces one. */
export const bindable = <T extends z.ZodType>(schema: T) => z.union([schema, bindingString]);

export const filterSchema = z.object({
  column: z.string().min(1),
  op: z.enum(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'contains', 'in', 'is_null', 'not_null']),
  value: z.unknown().optional(),
});
export type RowFilter = z.infer<typeof filterSchema>;

/** Maps a data-model column type to a binding type. */
export function columnValueType(columnType: string, enumOptions?: string[] | null): ValueType {
  const k = columnType.toLowerCase();
  if (k === 'enum' && enumOptions?.length) return t.enum(...enumOptions);
  if (/(int|serial|decimal|numeric|number|float|double|real|money)/.test(k)) return t.number;
  if (/bool/.test(k)) return t.boolean;
  if (/(date|time)/.test(k)) return t.date;
  if (/json/.test(k)) return t.any;
  return t.string;
}

export function rowType(table: string, ctx: CatalogContext): ValueType {
  const info = ctx.tables?.find((x) => x.name === table);
  const builtins: [string, ValueType][] = [
    ['id', t.number],
    ['created_at', t.date],
    ['updated_at', t.date],
  ];
  if (!info) return t.object(Object.fromEntries(builtins), true);
  return t.object(
    Object.fromEntries([
      ...builtins,
      ...info.columns.map((c) => [c.name, columnValueType(c.type, c.enumOptions)] as const),
    ]),
  );
}

export function columnTypes(table: string, ctx: CatalogContext): Record<string, ValueType> {
  const row = rowType(table, ctx);
  return row.kind === 'object' ? row.fields : {};
}

export const describeFilters = (filters: RowFilter[]) =>
  filters.length
    ? ` where ${filters.map((f) => `${f.column} ${f.op} ${typeof f.value === 'string' ? f.value : JSON.stringify(f.value ?? null)}`).join(' and ')}`
    : '';

/**
 * Declares a node type, keeping its id, config schema and output type: `ConfigOf<K>` and `OutputOf<K>` (catalog
 * index) are read from these, and the executors are typed against them.
 */
export const defineNodeType = <const Type extends string, Schema extends z.ZodType<Record<string, unknown>>, Output>(
  def: NodeTypeDefinition<z.output<Schema>, Output> & { type: Type; configSchema: Schema },
) => def;

/** A config issue whose message names its field in words (a refinement marked `params.named`): shown without the path. */
export function issueNamesItsField(issue: { code: string }): boolean {
  return issue.code === 'custom' && (issue as { params?: { named?: boolean } }).params?.named === true;
}
