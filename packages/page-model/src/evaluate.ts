import {
  type EvaluationScope,
  evaluateExpression,
  evaluateTemplate,
  isSingleExpression,
  parseTemplate,
  type TemplatePart,
} from '@tillflow/flow-model';

/** The values bindings read at run time, under the same names the validator typed. */
export interface PageValues {
  page: { params: Record<string, string>; path: string };
  user: { id: number; email: string; role: string } | null;
  item?: Record<string, unknown> | null;
  form?: Record<string, unknown>;
  saved?: Record<string, unknown>;
  results?: Record<string, unknown>;
  error?: { message: string };
}

// A page's bindings are a handful of strings evaluated again for every row of every list on every render
// (a 50-row list with four bound blocks is 200 evaluations of 4 strings): each string is parsed once and its
// parts kept. The parts are never changed by evaluation. Bounded: past the limit the map starts again.
const parsed = new Map<string, { parts: TemplatePart[]; single: TemplatePart | null }>();
const PARSED_LIMIT = 5000;

function parsedTemplate(value: string) {
  let entry = parsed.get(value);
  if (!entry) {
    const parts = parseTemplate(value);
    const single = isSingleExpression(parts) ? (parts.find((p) => p.kind === 'expr') ?? null) : null;
    entry = { parts, single };
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(value, entry);
  }
  return entry;
}

const interpolate = (v: unknown) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * Evaluates a `{{ }}` value (or passes a plain one through) with the flow model's evaluator: the same result as
 * its `evaluateTemplate` (a string that is exactly one binding keeps the value's type, else interpolated text).
 */
export function evaluateValue(value: string, values: PageValues): unknown {
  const scope: EvaluationScope = {
    trigger: null,
    nodes: {},
    vars: {},
    names: values as unknown as Record<string, unknown>,
  };
  if (typeof value !== 'string') return evaluateTemplate(value, scope);
  if (!value.includes('{{')) return value;
  const { parts, single } = parsedTemplate(value);
  if (single?.kind === 'expr') return evaluateExpression(single.expr, scope);
  return parts.map((p) => (p.kind === 'text' ? p.text : interpolate(evaluateExpression(p.expr, scope)))).join('');
}

/** The same, as text for the screen (null/undefined → empty). */
export function evaluateText(value: string, values: PageValues): string {
  const v = evaluateValue(value, values);
  return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
