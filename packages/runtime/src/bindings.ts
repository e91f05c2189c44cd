// Evaluates `{{ }}` bindings in a node's config against the run's scope.
// TODO(flow-model): delegate to the flow model's evaluateTemplate once it lands;
// this interim resolver understands plain paths (`trigger.data.object.id`, `nodes.a.rows[0].id`).

export interface BindingScope {
  trigger: unknown;
  nodes: Record<string, unknown>;
}

const WHOLE = /^\s*\{\{\s*([^{}]+?)\s*\}\}\s*$/;
const PART = /\{\{\s*([^{}]+?)\s*\}\}/g;

function lookup(path: string, scope: BindingScope): unknown {
  const parts = path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  let value: unknown = scope;
  for (const part of parts) {
    if (value === null || value === undefined || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function evaluateBindings(value: unknown, scope: BindingScope): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(whole[1], scope);
    if (!value.includes('{{')) return value;
    return value.replace(PART, (_, path: string) => {
      const v = lookup(path, scope);
      return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => evaluateBindings(v, scope));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateBindings(v, scope)]));
  return value;
}
