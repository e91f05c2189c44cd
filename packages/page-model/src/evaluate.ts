import { type EvaluationScope, evaluateTemplate } from '@tillflow/flow-model';

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

/**
 * Evaluates a `{{ }}` value (or passes a plain one through) with the flow model's evaluator, `evaluateTemplate` (a
 * string that is exactly one binding keeps the value's type, else interpolated text). A page's bindings are a handful
 * of strings evaluated again for every row of every list on every render; the evaluator parses each string once.
 */
export function evaluateValue(value: string, values: PageValues): unknown {
  const scope: EvaluationScope = {
    trigger: null,
    nodes: {},
    vars: {},
    names: values as unknown as Record<string, unknown>,
  };
  return evaluateTemplate(value, scope);
}

/** The same, as text for the screen (null/undefined → empty). */
export function evaluateText(value: string, values: PageValues): string {
  const v = evaluateValue(value, values);
  return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
