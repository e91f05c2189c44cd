import { describe, expect, it } from 'vitest';
import {
  checkTemplate,
  checkTemplateString,
  configForEvaluation,
  ExpressionParseError,
  evaluateTemplate,
  parseExpression,
  parseTemplate,
  sampleStripeEvent,
  stripeEventType,
  type TypeScope,
  t,
} from '../src/index';

const scope = {
  trigger: sampleStripeEvent('checkout.session.completed'),
  nodes: { callback: { orderId: 42, paymentStatus: 'SUCCESSFUL', items: [{ sku: 'a', qty: 2 }] } },
  vars: { x: 3, name: '  Jane ' },
};

const typeScope: TypeScope = {
  trigger: stripeEventType('checkout.session.completed'),
  nodes: {
    callback: t.object({
      orderId: t.number,
      paymentStatus: t.enum('SUCCESSFUL', 'FAILED'),
      items: t.array(t.object({ sku: t.string, qty: t.number })),
    }),
  },
  vars: { x: t.number, name: t.string },
};

describe('parseExpression', () => {
  it('parses paths, literals, operators with precedence and calls', () => {
    expect(parseExpression('1 + 2 * 3')).toMatchObject({ type: 'binary', op: '+', right: { type: 'binary', op: '*' } });
    expect(parseExpression('nodes.callback.items[0].sku')).toMatchObject({
      type: 'path',
      root: 'nodes',
      segments: ['callback', 'items', { type: 'literal', value: 0 }, 'sku'],
    });
    expect(parseExpression("trigger['data']")).toMatchObject({ type: 'path', segments: ['data'] });
    expect(parseExpression('!(a && b) || c')).toMatchObject({
      type: 'binary',
      op: '||',
      left: { type: 'unary', op: '!' },
    });
    expect(parseExpression('round(1.5, 0)')).toMatchObject({
      type: 'call',
      name: 'round',
      args: [{ value: 1.5 }, { value: 0 }],
    });
    expect(parseExpression('"a\\"b"')).toMatchObject({ type: 'literal', value: 'a"b' });
    expect(parseExpression('null')).toMatchObject({ type: 'literal', value: null });
  });

  it.each([
    ['1 +', 3],
    ['(1 + 2', 6],
    ["'open", 0],
    ['a.', 2],
    ['1 2', 2],
    ['a # b', 2],
    ['', 0],
  ])('rejects %j with a position', (src, position) => {
    try {
      parseExpression(src);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ExpressionParseError);
      expect((err as ExpressionParseError).position).toBe(position);
    }
  });
});

describe('parseTemplate / evaluateTemplate', () => {
  it('splits text and expressions and reports unclosed bindings', () => {
    expect(parseTemplate('Order {{ nodes.callback.orderId }}!').map((p) => p.kind)).toEqual(['text', 'expr', 'text']);
    expect(() => parseTemplate('Order {{ nodes.callback')).toThrow(ExpressionParseError);
    try {
      parseTemplate('ab {{ 1 + }}');
    } catch (err) {
      expect((err as ExpressionParseError).position).toBe(10);
    }
  });

  it('keeps the type of a single binding and interpolates otherwise', () => {
    expect(evaluateTemplate('{{ nodes.callback.orderId }}', scope)).toBe(42);
    expect(evaluateTemplate(' {{ trigger.data.object.metadata.order_id }} ', scope)).toBe('42');
    expect(
      evaluateTemplate('Order #{{ nodes.callback.orderId }} is {{ lower(nodes.callback.paymentStatus) }}', scope),
    ).toBe('Order #42 is successful');
    expect(evaluateTemplate('plain', scope)).toBe('plain');
    expect(evaluateTemplate({ a: ['{{ vars.x * 2 }}', 1], b: null }, scope)).toEqual({ a: [6, 1], b: null });
    expect(evaluateTemplate('{{ nodes.missing.value }}', scope)).toBeNull();
    expect(evaluateTemplate('x{{ nodes.missing }}y', scope)).toBe('xy');
  });

  it('evaluates operators and allow-listed functions', () => {
    const cases: [string, unknown][] = [
      ['{{ 7 % 4 + 10 / 4 }}', 5.5],
      ['{{ -vars.x }}', -3],
      ["{{ nodes.callback.paymentStatus == 'SUCCESSFUL' && vars.x >= 3 }}", true],
      ['{{ !(vars.x != 3) }}', true],
      ['{{ trigger.data.object.metadata.order_id == 42 }}', true],
      ['{{ round(2.345, 2) }}', 2.35],
      ['{{ floor(2.7) + ceil(2.1) + abs(-1) }}', 6],
      ['{{ min(3, 1, 2) + max(3, 1, 2) }}', 4],
      ['{{ upper(trim(vars.name)) }}', 'JANE'],
      ["{{ concat('a', 1, true) }}", 'a1true'],
      ['{{ length(nodes.callback.items) }}', 1],
      ["{{ substring('abcdef', 1, 3) }}", 'bc'],
      ["{{ contains('abc', 'b') && startsWith('abc', 'a') }}", true],
      ["{{ coalesce(null, nodes.missing, 'x') }}", 'x'],
      ["{{ toNumber('12') + 1 }}", 13],
      ['{{ toString(12) }}', '12'],
      ['{{ isNull(nodes.missing) }}', true],
      ["{{ formatDate('2026-11-23T10:05:00Z', 'YYYY/MM/DD HH:mm') }}", '2026/11/23 10:05'],
      ["{{ addDays('2026-11-23T00:00:00.000Z', 10) }}", '2026-12-03T00:00:00.000Z'],
      ['{{ toIso(1763880000) }}', '2025-11-23T06:40:00.000Z'],
      ['{{ nodes.callback.items[0].qty }}', 2],
      ['{{ nodes.callback.items.length }}', 1],
      ["{{ 'a' + 1 }}", 'a1'],
    ];
    for (const [src, expected] of cases) expect(evaluateTemplate(src, scope), src).toEqual(expected);
    expect(typeof evaluateTemplate('{{ now() }}', scope)).toBe('string');
  });

  it('reads condition and switch fields as expressions, braces or not', () => {
    const bare = configForEvaluation('condition', { expression: "nodes.callback.paymentStatus == 'FAILED'" });
    expect(evaluateTemplate(bare, scope)).toEqual({ expression: false });
    expect(evaluateTemplate(configForEvaluation('condition', { expression: '{{ vars.x == 3 }}' }), scope)).toEqual({
      expression: true,
    });
    expect(evaluateTemplate(configForEvaluation('switch', { value: 'trigger.type', cases: ['a'] }), scope)).toEqual({
      value: 'checkout.session.completed',
      cases: ['a'],
    });
    expect(configForEvaluation('send_email', { to: 'trigger.x' })).toEqual({ to: 'trigger.x' });
  });

  it('never reaches the prototype chain', () => {
    expect(evaluateTemplate('{{ vars.constructor }}', scope)).toBeNull();
    expect(evaluateTemplate("{{ nodes.callback['__proto__'] }}", scope)).toBeNull();
  });
});

describe('type checker', () => {
  it('accepts well-typed bindings and infers their type', () => {
    expect(checkTemplateString('{{ trigger.data.object.metadata.order_id }}', typeScope)).toEqual({
      errors: [],
      type: t.any,
    });
    expect(checkTemplateString('{{ trigger.data.object.amount_total / 100 }}', typeScope).type).toEqual(t.number);
    expect(checkTemplateString('{{ nodes.callback.items[0].sku }}', typeScope).type).toEqual(t.string);
    expect(checkTemplateString('Order {{ nodes.callback.orderId }}', typeScope).type).toEqual(t.string);
    expect(checkTemplateString("{{ nodes.callback.paymentStatus == 'FAILED' }}", typeScope).type).toEqual(t.boolean);
    expect(checkTemplateString('{{ vars.x + 1 }}', typeScope).errors).toEqual([]);
    expect(checkTemplateString('{{ upper(trigger.data.object.currency) }}', typeScope).errors).toEqual([]);
  });

  it.each([
    ['{{ nodes.nope.x }}', 'unknown_node'],
    ['{{ vars.nope }}', 'unknown_variable'],
    ['{{ order.id }}', 'unknown_name'],
    ['{{ nodes.callback.total }}', 'unknown_field'],
    ['{{ trigger.data.objekt }}', 'unknown_field'],
    ['{{ trigger.data.object.currency * 2 }}', 'type_mismatch'],
    ['{{ vars.name - 1 }}', 'type_mismatch'],
    ["{{ vars.x < 'a' }}", 'type_mismatch'],
    ['{{ -vars.name }}', 'type_mismatch'],
    ['{{ round(vars.name) }}', 'type_mismatch'],
    ['{{ eval(1) }}', 'unknown_function'],
    ['{{ round() }}', 'wrong_arity'],
    ['{{ substring("a") }}', 'wrong_arity'],
    ['{{ 1 + }}', 'parse_error'],
  ])('%s → %s', (src, code) => {
    const errors = checkTemplate(src, typeScope);
    expect(errors.map((e) => e.code)).toContain(code);
    expect(errors[0].message.length).toBeGreaterThan(5);
  });

  it('reports a string bound to a number field, with the field path', () => {
    const errors = checkTemplate(
      { values: { amount: '{{ trigger.data.object.currency }}' } },
      typeScope,
      t.object({ values: t.object({ amount: t.number }) }),
    );
    expect(errors).toMatchObject([{ code: 'type_mismatch', path: 'values.amount' }]);
    expect(
      checkTemplate(
        { values: { amount: '{{ nodes.callback.orderId }}' } },
        typeScope,
        t.object({ values: t.object({ amount: t.number }) }),
      ),
    ).toEqual([]);
  });
});
