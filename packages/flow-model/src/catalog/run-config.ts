import { CODE_NODE_MAX_MEMORY_MB, CODE_NODE_MAX_TIMEOUT_MS } from './code';
import { type ConfigOf, getNodeType, type NodeTypeId } from './index';
import { issueNamesItsField } from './types';

/** Config fields that hold an expression rather than a literal (a bare `a == b` is read as `{{ a == b }}`). */
export const expressionFields = { condition: ['expression'], switch: ['value'] } as const;
type ExpressionFieldOf<K> = K extends keyof typeof expressionFields ? (typeof expressionFields)[K][number] : never;

/**
 * The config an executor receives: the catalog schema's output with every binding filled in. An expression field
 * (condition, switch value) holds what its expression evaluated to.
 */
export type RunConfigOf<K extends NodeTypeId> = Omit<ConfigOf<K>, ExpressionFieldOf<K>> & {
  [F in ExpressionFieldOf<K>]: unknown;
};

export const expressionFieldsOf = (type: string): readonly string[] =>
  Object.hasOwn(expressionFields, type) ? expressionFields[type as keyof typeof expressionFields] : [];

const numeric = (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
const atMost = (value: unknown, cap: number) => {
  const n = numeric(value);
  return typeof n === 'number' && n > cap ? cap : n;
};

/**
 * Stored configs written before a node's shape was settled, read as today's shape (a migration on read, so
 * nothing stored has to be rewritten): a condition under `condition`/`value`, variables as `values` or a
 * `[{ name, value }]` list, code limits saved as text or above today's caps (lowered to the caps).
 */
export function upgradeStoredConfig(type: string, config: Record<string, unknown>): Record<string, unknown> {
  if (type === 'condition' && config.expression === undefined) {
    const legacy = config.condition ?? config.value;
    if (legacy === undefined) return config;
    const { condition: _c, value: _v, ...rest } = config;
    return { ...rest, expression: typeof legacy === 'string' ? legacy : JSON.stringify(legacy) };
  }
  if (type === 'set_variables') {
    const { values, ...rest } = config;
    const variables = config.variables ?? values;
    if (!Array.isArray(variables)) return variables === config.variables ? config : { ...rest, variables };
    const list = variables as { name?: string; key?: string; value?: unknown }[];
    return { ...rest, variables: Object.fromEntries(list.map((v) => [v.name ?? v.key ?? '', v.value])) };
  }
  if (type === 'code' && (config.timeoutMs !== undefined || config.memoryMb !== undefined)) {
    const out = { ...config };
    if (out.timeoutMs !== undefined) out.timeoutMs = atMost(out.timeoutMs, CODE_NODE_MAX_TIMEOUT_MS);
    if (out.memoryMb !== undefined) out.memoryMb = atMost(out.memoryMb, CODE_NODE_MAX_MEMORY_MB);
    return out;
  }
  return config;
}

export type RunConfigResult<K extends NodeTypeId> =
  | { success: true; config: RunConfigOf<K> }
  | { success: false; message: string };

/**
 * Parses a node's config, bindings filled in, with its catalog schema: the one check shared by saving (the
 * validator) and running (the engine hands executors only what parsed). `stored` is the config before
 * evaluation: expression fields are checked as written, and keep the value they evaluated to.
 */
export function parseRunConfig<K extends NodeTypeId>(
  type: K,
  evaluated: Record<string, unknown>,
  stored: Record<string, unknown>,
): RunConfigResult<K> {
  const def = getNodeType(type);
  if (!def) return { success: false, message: `Unknown kind of step "${type}".` };
  const fields = expressionFieldsOf(type);
  const input = { ...evaluated };
  for (const f of fields) input[f] = stored[f];
  const parsed = def.configSchema.safeParse(input);
  if (!parsed.success)
    return {
      success: false,
      message: `${def.label} settings are not valid: ${parsed.error.issues
        // A message that names its own field in words (marked `params.named`) is shown without the path.
        .map((i) => (issueNamesItsField(i) ? i.message : `${i.path.join('.') || 'config'}: ${i.message}`))
        .join('; ')}`,
    };
  const config = { ...(parsed.data as Record<string, unknown>) };
  for (const f of fields) config[f] = evaluated[f];
  return { success: true, config: config as RunConfigOf<K> };
}
