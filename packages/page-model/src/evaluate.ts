import { evaluateTemplate } from '@tillflow/flow-model';

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

/** Evaluates a `{{ }}` value (or passes a plain one through) with the flow model's evaluator. */
export function evaluateValue(value: string, values: PageValues): unknown {
  return evaluateTemplate(value, {
    trigger: null,
    nodes: {},
    vars: {},
    names: values as unknown as Record<string, unknown>,
  });
}

/** The same, as text for the screen (null/undefined → empty). */
export function evaluateText(value: string, values: PageValues): string {
  const v = evaluateValue(value, values);
  return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
