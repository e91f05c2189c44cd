import { type BinaryOp, type Expr, ExpressionParseError, type SegmentSpan } from './ast';

type Token = (
  | { kind: 'num'; value: number; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'ident'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'eof'; pos: number }
) & { end?: number };

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
  '(',
  ')',
  '[',
  ']',
  '.',
  ',',
];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
      tokens.push({ kind: 'num', value: Number(m?.[0]), pos: i });
      i += m?.[0].length ?? 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
      tokens.push({ kind: 'ident', value: m?.[0] ?? c, pos: i, end: i + (m?.[0].length ?? 1) });
      i += m?.[0].length ?? 1;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) {
          const next = src[i + 1];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else value += src[i++];
      }
      if (i >= src.length) throw new ExpressionParseError('Unterminated string', start);
      i++;
      tokens.push({ kind: 'str', value, pos: start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionParseError(`Unexpected character '${c}'`, i);
    tokens.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: 'eof', pos: src.length });
  return tokens;
}

const PRECEDENCE: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

/** Parses one expression (the text between `{{` and `}}`); throws ExpressionParseError with a position. */
export function parseExpression(src: string): Expr {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p];
  const isOp = (v: string) => {
    const tok = tokens[p];
    return tok.kind === 'op' && tok.value === v;
  };
  const expectOp = (v: string) => {
    if (!isOp(v)) throw new ExpressionParseError(`Expected '${v}'`, peek().pos);
    p++;
  };

  function parseBinary(minPrec: number): Expr {
    let left = parseUnary();
    for (;;) {
      const tok = peek();
      if (tok.kind !== 'op') break;
      const prec = PRECEDENCE[tok.value];
      if (prec === undefined || prec < minPrec) break;
      p++;
      const right = parseBinary(prec + 1);
      left = { type: 'binary', op: tok.value as BinaryOp, left, right, pos: tok.pos };
    }
    return left;
  }

  function parseUnary(): Expr {
    const tok = peek();
    if (tok.kind === 'op' && (tok.value === '!' || tok.value === '-')) {
      p++;
      return { type: 'unary', op: tok.value, operand: parseUnary(), pos: tok.pos };
    }
    return parsePrimary();
  }

  function parsePrimary(): Expr {
    const tok = peek();
    if (tok.kind === 'num' || tok.kind === 'str') {
      p++;
      return { type: 'literal', value: tok.value, pos: tok.pos };
    }
    if (tok.kind === 'op' && tok.value === '(') {
      p++;
      const inner = parseBinary(0);
      expectOp(')');
      return inner;
    }
    if (tok.kind === 'ident') {
      p++;
      if (tok.value === 'true' || tok.value === 'false')
        return { type: 'literal', value: tok.value === 'true', pos: tok.pos };
      if (tok.value === 'null') return { type: 'literal', value: null, pos: tok.pos };
      if (isOp('(')) {
        p++;
        const args: Expr[] = [];
        if (!isOp(')')) {
          args.push(parseBinary(0));
          while (isOp(',')) {
            p++;
            args.push(parseBinary(0));
          }
        }
        expectOp(')');
        return { type: 'call', name: tok.value, args, pos: tok.pos };
      }
      const segments: (string | Expr)[] = [];
      const spans: SegmentSpan[] = [];
      for (;;) {
        if (isOp('.')) {
          p++;
          const name = peek();
          if (name.kind !== 'ident') throw new ExpressionParseError('Expected a field name after "."', name.pos);
          p++;
          segments.push(name.value);
          spans.push({ start: name.pos, end: name.end ?? name.pos, quoted: false });
        } else if (isOp('[')) {
          p++;
          const first = peek();
          const index = parseBinary(0);
          expectOp(']');
          const named = index.type === 'literal' && typeof index.value === 'string';
          segments.push(named ? (index.value as string) : index);
          spans.push(
            named && first.kind === 'str'
              ? { start: first.pos, end: first.end ?? first.pos, quoted: true }
              : { start: -1, end: -1, quoted: false },
          );
        } else break;
      }
      return { type: 'path', root: tok.value, segments, pos: tok.pos, spans };
    }
    if (tok.kind === 'eof') throw new ExpressionParseError('Unexpected end of expression', tok.pos);
    throw new ExpressionParseError(`Unexpected '${tok.kind === 'op' ? tok.value : ''}'`, tok.pos);
  }

  const expr = parseBinary(0);
  if (peek().kind !== 'eof') throw new ExpressionParseError('Unexpected text after the expression', peek().pos);
  return expr;
}

/** Renders a path as text, e.g. `nodes.callback.orderId` or `items[0]`. */
export function pathToString(root: string, segments: (string | Expr)[]): string {
  return segments.reduce<string>((acc, s) => (typeof s === 'string' ? `${acc}.${s}` : `${acc}[…]`), root);
}
