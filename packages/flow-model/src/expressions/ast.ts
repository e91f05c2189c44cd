import { TillflowError } from '@tillflow/core/errors';
export type Expr =
  | { type: 'literal'; value: string | number | boolean | null; pos: number }
  | { type: 'path'; root: string; segments: (string | Expr)[]; pos: number; spans?: SegmentSpan[] }
  | { type: 'unary'; op: '!' | '-'; operand: Expr; pos: number }
  | { type: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { type: 'call'; name: string; args: Expr[]; pos: number };

/** Where a path segment's name is written in the source (`.name`, or a quoted `['name']`); -1 for computed ones. */
export interface SegmentSpan {
  start: number;
  end: number;
  quoted: boolean;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

/** A `{{ }}` expression that does not parse; the message points at the character. */
export class ExpressionParseError extends TillflowError {
  constructor(
    message: string,
    public readonly position: number,
  ) {
    super('VALIDATION', `${message} (at character ${position + 1})`);
    this.name = 'ExpressionParseError';
  }
}

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'expr'; source: string; expr: Expr; offset: number };
