import { ExpressionParseError, type TemplatePart } from './ast';
import { parseExpression } from './parse';

/** Splits `Hello {{ nodes.a.name }}!` into text and parsed expression parts; throws ExpressionParseError. */
export function parseTemplate(str: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < str.length) {
    const open = str.indexOf('{{', i);
    if (open === -1) {
      parts.push({ kind: 'text', text: str.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', text: str.slice(i, open) });
    const close = str.indexOf('}}', open + 2);
    if (close === -1) throw new ExpressionParseError("Missing '}}' to close the binding", open);
    const source = str.slice(open + 2, close);
    try {
      parts.push({ kind: 'expr', source: source.trim(), expr: parseExpression(source), offset: open + 2 });
    } catch (err) {
      if (err instanceof ExpressionParseError)
        throw new ExpressionParseError(err.message.replace(/ \(at character \d+\)$/, ''), open + 2 + err.position);
      throw err;
    }
    i = close + 2;
  }
  return parts;
}

/** True when the string is exactly one `{{expr}}` (surrounding whitespace allowed), so it keeps the expression's type. */
export function isSingleExpression(parts: TemplatePart[]): boolean {
  const meaningful = parts.filter((p) => p.kind === 'expr' || p.text.trim() !== '');
  return meaningful.length === 1 && meaningful[0].kind === 'expr';
}

export function hasBindings(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(hasBindings);
  if (value && typeof value === 'object') return Object.values(value).some(hasBindings);
  return false;
}
