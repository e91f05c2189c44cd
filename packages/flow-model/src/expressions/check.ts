import { describeType, fieldType, isAssignable, t, type ValueType } from '../value-type';
import { type Expr, ExpressionParseError } from './ast';
import { expressionFunctions } from './functions';
import { isSingleExpression, parseTemplate } from './template';

export interface TypeScope {
  trigger: ValueType;
  nodes: Record<string, ValueType>;
  vars: Record<string, ValueType>;
  /**
   * Other languages over the same expressions (the page model) name their own roots: when set, a path starts
   * with one of these names only (`page`, `item`, `user`, …) and trigger/nodes/vars are not reachable.
   */
  names?: Record<string, ValueType>;
}

export type ExpressionErrorCode =
  | 'parse_error'
  | 'unknown_name'
  | 'unknown_node'
  | 'unknown_variable'
  | 'unknown_field'
  | 'type_mismatch'
  | 'unknown_function'
  | 'wrong_arity';

export interface ExpressionError {
  code: ExpressionErrorCode;
  message: string;
  position?: number;
}

const isNumeric = (x: ValueType) => x.kind === 'number' || x.kind === 'any';

/** Infers an expression's type, pushing errors for anything that cannot work at runtime. */
export function inferExpressionType(expr: Expr, scope: TypeScope, errors: ExpressionError[]): ValueType {
  switch (expr.type) {
    case 'literal':
      return expr.value === null
        ? t.null
        : typeof expr.value === 'string'
          ? t.string
          : typeof expr.value === 'number'
            ? t.number
            : t.boolean;
    case 'path': {
      let current: ValueType;
      let segments = expr.segments;
      let label = expr.root;
      if (scope.names) {
        const named = Object.hasOwn(scope.names, expr.root) ? scope.names[expr.root] : undefined;
        if (!named) {
          const known = Object.keys(scope.names);
          errors.push({
            code: 'unknown_name',
            message: `Unknown name '${expr.root}': here bindings start with ${known.length ? known.join(', ') : 'nothing (no data is in reach)'}`,
            position: expr.pos,
          });
          return t.any;
        }
        current = named;
      } else if (expr.root === 'trigger') current = scope.trigger;
      else if (expr.root === 'nodes' || expr.root === 'vars') {
        const [first, ...rest] = segments;
        if (first === undefined) return t.object(expr.root === 'nodes' ? scope.nodes : scope.vars);
        if (typeof first !== 'string') return t.any;
        const table = expr.root === 'nodes' ? scope.nodes : scope.vars;
        const found = table[first];
        if (!found) {
          errors.push(
            expr.root === 'nodes'
              ? {
                  code: 'unknown_node',
                  message: `No earlier step '${first}' (only steps that run before this one can be read)`,
                  position: expr.pos,
                }
              : {
                  code: 'unknown_variable',
                  message: `No variable '${first}' is set before this step`,
                  position: expr.pos,
                },
          );
          return t.any;
        }
        current = found;
        segments = rest;
        label = `${expr.root}.${first}`;
      } else {
        errors.push({
          code: 'unknown_name',
          message: `Unknown name '${expr.root}': bindings start with trigger, nodes or vars`,
          position: expr.pos,
        });
        return t.any;
      }
      for (const seg of segments) {
        if (typeof seg !== 'string') {
          const indexType = inferExpressionType(seg, scope, errors);
          if (current.kind === 'array') {
            if (!isNumeric(indexType))
              errors.push({
                code: 'type_mismatch',
                message: `An array index must be a number, got ${describeType(indexType)}`,
                position: seg.pos,
              });
            current = current.items;
          } else current = current.kind === 'object' && current.open ? t.any : current.kind === 'any' ? t.any : t.any;
          label = `${label}[…]`;
          continue;
        }
        if (current.kind === 'array' && /^\d+$/.test(seg)) {
          current = current.items;
          label = `${label}[${seg}]`;
          continue;
        }
        const next = fieldType(current, seg);
        if (!next) {
          errors.push({ code: 'unknown_field', message: `'${label}' has no field '${seg}'`, position: expr.pos });
          return t.any;
        }
        current = next;
        label = `${label}.${seg}`;
      }
      return current;
    }
    case 'unary': {
      const operand = inferExpressionType(expr.operand, scope, errors);
      if (expr.op === '!') return t.boolean;
      if (!isNumeric(operand))
        errors.push({ code: 'type_mismatch', message: `Cannot negate a ${describeType(operand)}`, position: expr.pos });
      return t.number;
    }
    case 'binary': {
      const l = inferExpressionType(expr.left, scope, errors);
      const r = inferExpressionType(expr.right, scope, errors);
      switch (expr.op) {
        case '&&':
        case '||':
          return l.kind === r.kind ? l : t.any;
        case '==':
        case '!=':
          return t.boolean;
        case '<':
        case '<=':
        case '>':
        case '>=':
          if (!isComparable(l, r))
            errors.push({
              code: 'type_mismatch',
              message: `Cannot compare ${describeType(l)} with ${describeType(r)}`,
              position: expr.pos,
            });
          return t.boolean;
        case '+':
          if (isStringy(l) || isStringy(r)) return t.string;
          if (!isNumeric(l) || !isNumeric(r))
            errors.push({
              code: 'type_mismatch',
              message: `Cannot add ${describeType(l)} and ${describeType(r)}`,
              position: expr.pos,
            });
          return t.number;
        default:
          if (!isNumeric(l) || !isNumeric(r))
            errors.push({
              code: 'type_mismatch',
              message: `Arithmetic '${expr.op}' needs numbers, got ${describeType(l)} and ${describeType(r)}`,
              position: expr.pos,
            });
          return t.number;
      }
    }
    case 'call': {
      const fn = expressionFunctions[expr.name];
      const argTypes = expr.args.map((a) => inferExpressionType(a, scope, errors));
      if (!fn) {
        errors.push({ code: 'unknown_function', message: `Unknown function '${expr.name}'`, position: expr.pos });
        return t.any;
      }
      if (argTypes.length < fn.minArgs || argTypes.length > fn.maxArgs) {
        const expected =
          fn.minArgs === fn.maxArgs
            ? `${fn.minArgs}`
            : fn.maxArgs === Number.POSITIVE_INFINITY
              ? `at least ${fn.minArgs}`
              : `${fn.minArgs} to ${fn.maxArgs}`;
        errors.push({
          code: 'wrong_arity',
          message: `${expr.name}() takes ${expected} argument(s), got ${argTypes.length}`,
          position: expr.pos,
        });
      }
      argTypes.forEach((arg, i) => {
        const param = fn.params[Math.min(i, fn.params.length - 1)];
        if (param && !isAssignable(arg, param) && !(param.kind === 'string' && arg.kind === 'number'))
          errors.push({
            code: 'type_mismatch',
            message: `Argument ${i + 1} of ${expr.name}() must be ${describeType(param)}, got ${describeType(arg)}`,
            position: expr.args[i].pos,
          });
      });
      return fn.returns(argTypes);
    }
  }
}

const isStringy = (x: ValueType) => x.kind === 'string' || x.kind === 'enum' || x.kind === 'date';
function isComparable(l: ValueType, r: ValueType): boolean {
  if (l.kind === 'any' || r.kind === 'any') return true;
  if (l.kind === 'number' && r.kind === 'number') return true;
  return isStringy(l) && isStringy(r);
}

export interface TemplateCheck {
  errors: ExpressionError[];
  /** The value's type: the expression's type when it is a single binding, else string (or the literal's type). */
  type: ValueType;
}

/** Type-checks one config string (literal or template); `expected` adds a mismatch error when the result cannot fit. */
export function checkTemplateString(value: string, scope: TypeScope, expected?: ValueType): TemplateCheck {
  const errors: ExpressionError[] = [];
  let parts: ReturnType<typeof parseTemplate>;
  try {
    parts = parseTemplate(value);
  } catch (err) {
    if (err instanceof ExpressionParseError)
      return { errors: [{ code: 'parse_error', message: err.message, position: err.position }], type: t.any };
    throw err;
  }
  const exprParts = parts.filter((p) => p.kind === 'expr');
  const types = exprParts.map((p) => (p.kind === 'expr' ? inferExpressionType(p.expr, scope, errors) : t.any));
  const type = exprParts.length === 0 ? t.string : isSingleExpression(parts) ? types[0] : t.string;
  if (expected && exprParts.length > 0 && errors.length === 0 && !isAssignable(type, expected))
    errors.push({
      code: 'type_mismatch',
      message: `This field expects ${describeType(expected)} but the binding gives ${describeType(type)}`,
    });
  return { errors, type };
}

/** Type-checks every string in a config value (recursively); each error carries the dotted path of the string. */
export function checkTemplate(
  value: unknown,
  scope: TypeScope,
  expected?: ValueType,
  path = '',
): (ExpressionError & { path: string })[] {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return [];
    return checkTemplateString(value, scope, expected).errors.map((e) => ({ ...e, path }));
  }
  const join = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (Array.isArray(value))
    return value.flatMap((v, i) =>
      checkTemplate(v, scope, expected?.kind === 'array' ? expected.items : undefined, join(i)),
    );
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) =>
      checkTemplate(v, scope, expected?.kind === 'object' ? expected.fields[k] : undefined, join(k)),
    );
  return [];
}
