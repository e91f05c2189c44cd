// A small type language for bindings: what a node outputs and what a config field accepts.
type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'null' | 'any' | 'date' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'object'; fields: Record<string, ValueType>; open?: boolean }
  | { kind: 'array'; items: ValueType };

declare const describedValue: unique symbol;
/**
 * A binding type. `T` is the TypeScript type of the values it describes (phantom: never set at run time), so an
 * executor's return type can be checked against the catalog's output shape (`OutputOf<K>`).
 */
export type ValueType<T = unknown> = Shape & { readonly [describedValue]?: T };
/** The TypeScript type a ValueType describes. */
export type TypeOf<V> = V extends ValueType<infer T> ? T : never;

// A field may be null at run time (a value not known for this event, e.g. an ignored one's orderId);
// bindings read it with coalesce(). So an output's fields are typed `T | null`.
type FieldsOf<F extends Record<string, ValueType<any>>> = { [K in keyof F]: TypeOf<F[K]> | null };

export const t = {
  string: { kind: 'string' } as ValueType<string>,
  number: { kind: 'number' } as ValueType<number>,
  boolean: { kind: 'boolean' } as ValueType<boolean>,
  null: { kind: 'null' } as ValueType<null>,
  any: { kind: 'any' } as ValueType<unknown>,
  date: { kind: 'date' } as ValueType<string | Date>,
  enum: <const V extends string[]>(...values: V): ValueType<V[number]> => ({ kind: 'enum', values }),
  object: <F extends Record<string, ValueType<any>>, Open extends boolean = false>(
    fields: F,
    open?: Open,
  ): ValueType<Open extends true ? FieldsOf<F> & Record<string, unknown> : FieldsOf<F>> => ({
    kind: 'object',
    fields,
    open: open ?? false,
  }),
  array: <I>(items: ValueType<I>): ValueType<I[]> => ({ kind: 'array', items }),
};

export function describeType(type: ValueType): string {
  switch (type.kind) {
    case 'enum':
      return type.values.map((v) => `'${v}'`).join(' | ');
    case 'object':
      return 'object';
    case 'array':
      return `array of ${describeType(type.items)}`;
    default:
      return type.kind;
  }
}

/** Whether a value of type `from` may be used where `to` is expected (any is compatible both ways). */
export function isAssignable(from: ValueType, to: ValueType): boolean {
  if (from.kind === 'any' || to.kind === 'any') return true;
  if (to.kind === 'string') return from.kind === 'string' || from.kind === 'enum' || from.kind === 'date';
  if (to.kind === 'date') return from.kind === 'date' || from.kind === 'string' || from.kind === 'number';
  if (to.kind === 'enum')
    return from.kind === 'string' || (from.kind === 'enum' && from.values.every((v) => to.values.includes(v)));
  if (to.kind === 'array') return from.kind === 'array' && isAssignable(from.items, to.items);
  if (to.kind === 'object') return from.kind === 'object';
  return from.kind === to.kind;
}

/** Looks up a field of an object type; undefined when the object is closed and lacks it. */
export function fieldType(type: ValueType, field: string): ValueType | undefined {
  if (type.kind === 'any') return t.any;
  if (type.kind === 'object') {
    const found = type.fields[field];
    if (found) return found;
    return type.open ? t.any : undefined;
  }
  if (type.kind === 'array' && field === 'length') return t.number;
  return undefined;
}

/** JSON-ish runtime value → inferred ValueType (used for sample data and set_variables literals). */
export function typeOfValue(value: unknown): ValueType {
  if (value === null || value === undefined) return t.null;
  if (typeof value === 'string') return t.string;
  if (typeof value === 'number') return t.number;
  if (typeof value === 'boolean') return t.boolean;
  if (Array.isArray(value)) return t.array(value.length ? typeOfValue(value[0]) : t.any);
  if (typeof value === 'object')
    return t.object(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeOfValue(v)])), true);
  return t.any;
}
