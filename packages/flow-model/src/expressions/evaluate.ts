import { NonRetriableError } from '@tillflow/core/errors';
import type { Expr, TemplatePart } from './ast';
import { expressionFunctions } from './functions';
import { isSingleExpression, parseTemplate } from './template';

export interface EvaluationScope {
  trigger: unknown;
  nodes: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** Named roots of another language over the same expressions (see TypeScope.names); replaces the three above. */
  names?: Record<string, unknown>;
}

/** A binding that cannot be computed from the run's data; the same data fails the same way, so no retry. */
export class ExpressionEvaluationError extends NonRetriableError {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionEvaluationError';
  }
}

function member(value: unknown, key: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value) && key === 'length') return value.length;
  if (typeof value !== 'object') return undefined;
  const k = String(key);
  // Never expose prototype machinery to user expressions.
  if (!Object.hasOwn(value, k)) return undefined;
  return (value as Record<string, unknown>)[k];
}

const looseEquals = (a: unknown, b: unknown) =>
  (a ?? null) === (b ?? null) || (a !== null && b !== null && typeof a !== typeof b && String(a) === String(b));

export function evaluateExpression(expr: Expr, scope: EvaluationScope): unknown {
  switch (expr.type) {
    case 'literal':
      return expr.value;
    case 'path': {
      if (scope.names) {
        if (!Object.hasOwn(scope.names, expr.root)) throw new ExpressionEvaluationError(`Unknown name '${expr.root}'`);
        let named: unknown = scope.names[expr.root];
        for (const seg of expr.segments)
          named = member(named, typeof seg === 'string' ? seg : evaluateExpression(seg, scope));
        return named ?? null;
      }
      if (expr.root !== 'trigger' && expr.root !== 'nodes' && expr.root !== 'vars')
        throw new ExpressionEvaluationError(`Unknown name '${expr.root}'`);
      let value: unknown = scope[expr.root];
      for (const seg of expr.segments)
        value = member(value, typeof seg === 'string' ? seg : evaluateExpression(seg, scope));
      return value ?? null;
    }
    case 'unary': {
      const v = evaluateExpression(expr.operand, scope);
      return expr.op === '!' ? !v : -Number(v);
    }
    case 'binary': {
      if (expr.op === '&&') return evaluateExpression(expr.left, scope) && evaluateExpression(expr.right, scope);
      if (expr.op === '||') return evaluateExpression(expr.left, scope) || evaluateExpression(expr.right, scope);
      const l = evaluateExpression(expr.left, scope) as number;
      const r = evaluateExpression(expr.right, scope) as number;
      switch (expr.op) {
        case '+':
          return typeof l === 'string' || typeof r === 'string' ? `${l ?? ''}${r ?? ''}` : Number(l) + Number(r);
        case '-':
          return Number(l) - Number(r);
        case '*':
          return Number(l) * Number(r);
        case '/':
          return Number(l) / Number(r);
        case '%':
          return Number(l) % Number(r);
        case '==':
          return looseEquals(l, r);
        case '!=':
          return !looseEquals(l, r);
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
      }
      return undefined;
    }
    case 'call': {
      const fn = expressionFunctions[expr.name];
      if (!fn) throw new ExpressionEvaluationError(`Unknown function '${expr.name}'`);
      return fn.call(...expr.args.map((a) => evaluateExpression(a, scope)));
    }
  }
}

/** Parsed templates by their text: a flow's configs are evaluated on every run, their text rarely changes. */
const templates = new Map<string, { parts: TemplatePart[]; single: Expr | null }>();
const TEMPLATE_CACHE_SIZE = 5000;

function parsedTemplate(text: string): { parts: TemplatePart[]; single: Expr | null } {
  let parsed = templates.get(text);
  if (!parsed) {
    const parts = parseTemplate(text); // (a template that does not parse throws every time, it is not kept)
    const only = isSingleExpression(parts) ? parts.find((p) => p.kind === 'expr') : undefined;
    parsed = { parts, single: only?.kind === 'expr' ? only.expr : null };
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound only limits memory
    if (templates.size >= TEMPLATE_CACHE_SIZE) templates.clear();
    templates.set(text, parsed);
  }
  return parsed;
}

const interpolate = (v: unknown) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * Evaluates every `{{ }}` in a config value (strings, arrays, objects recursively).
 * A string that is exactly one binding keeps the expression's type; otherwise it is interpolated text.
 */
export function evaluateTemplate(value: unknown, scope: EvaluationScope): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return value;
    const { parts, single } = parsedTemplate(value);
    if (single) return evaluateExpression(single, scope);
    return parts.map((p) => (p.kind === 'text' ? p.text : interpolate(evaluateExpression(p.expr, scope)))).join('');
  }
  if (Array.isArray(value)) return value.map((v) => evaluateTemplate(v, scope));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateTemplate(v, scope)]));
  return value;
}
