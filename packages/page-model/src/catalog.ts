import { t, type ValueType } from '@tillflow/flow-model';
import { z } from 'zod';
import { actionChainSchema } from './actions';
import { rowValueType } from './scope';
import type { PageContext, PageTableInfo } from './types';

/** How the property panel edits a prop; read from each prop's zod metadata. */
export type PropWidget =
  | 'text'
  | 'binding'
  | 'number'
  | 'boolean'
  | 'select'
  | 'table'
  | 'column'
  | 'columns'
  | 'filters'
  | 'sort'
  | 'fields'
  | 'colors'
  | 'links'
  | 'page'
  | 'actions';
export interface PropMeta {
  label: string;
  widget: PropWidget;
  help?: string;
  /** A select's choices in words, by value. */
  options?: Record<string, string>;
}
const prop = <T extends z.ZodType>(schema: T, label: string, widget: PropWidget, help?: string) =>
  schema.meta({ label, widget, help } satisfies PropMeta);
/** A choice among values, each said in words (the panel shows the words, the page stores the value). */
const choice = <const V extends readonly [string, ...string[]]>(
  label: string,
  options: { [K in V[number]]: string },
  values: V,
  fallback: V[number],
) =>
  z
    .enum(values)
    .default(fallback as never)
    .meta({ label, widget: 'select', options } satisfies PropMeta);

/** The panel's metadata of one prop (label, widget), as declared in the catalog. */
export function propMeta(schema: z.ZodType): PropMeta | undefined {
  const meta = schema.meta() as Partial<PropMeta> | undefined;
  return meta?.label && meta.widget ? (meta as PropMeta) : undefined;
}

const gap = choice(
  'Spacing',
  { none: 'None', small: 'Small', medium: 'Medium', large: 'Large' },
  ['none', 'small', 'medium', 'large'],
  'medium',
);
const ALIGN_WORDS = { start: 'At the start', center: 'Centred', end: 'At the end', stretch: 'Full width' };
const ALIGNS = ['start', 'center', 'end', 'stretch'] as const;
const align = choice('Alignment', ALIGN_WORDS, ALIGNS, 'stretch');
const binding = (label: string, fallback = '', help?: string) =>
  prop(z.string().max(2000).default(fallback), label, 'binding', help);
const chain = (label: string) =>
  prop(actionChainSchema.default({ steps: [], onSuccess: [], onFailure: [] }), label, 'actions');
export const BADGE_COLORS = ['grey', 'green', 'amber', 'red', 'blue'] as const;

export const FILTER_OPS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'contains'] as const;
/** Each filter operator as the editor says it. */
export const FILTER_OP_WORDS: Record<(typeof FILTER_OPS)[number], string> = {
  eq: 'is',
  neq: 'is not',
  lt: 'is less than',
  lte: 'is at most',
  gt: 'is more than',
  gte: 'is at least',
  contains: 'contains',
};
const filterSchema = z.object({
  column: z.string().min(1, 'Pick a column for each filter.'),
  op: z.enum(FILTER_OPS),
  value: z.string().max(2000),
});

/** What a block's rules may ask while the page is validated; each call records its own issue. */
export interface BlockCheck {
  ctx: PageContext;
  /** The table by name, or undefined after an unknown_table issue on `field`. */
  table(name: string, field: string): PageTableInfo | undefined;
  /** Whether the column exists (an unknown_column issue on `field` when not). */
  column(table: PageTableInfo, name: string, field: string): boolean;
  /** Type-checks a `{{ }}` value in this block's scope (a plain value passes). */
  binding(value: string, field: string, expected?: ValueType): void;
  /** A form field or row step may not write a column only the server writes; says so when it does. */
  writable(table: PageTableInfo, name: string, field: string): void;
  /** Checks a link to a page: that the page exists and each of its address parameters gets a value. */
  link(to: string, params: Record<string, string>, field: string): void;
  /** Checks an action chain (tables, bindings, roles); `extra` adds names such as `form`. */
  chain(value: z.infer<typeof actionChainSchema>, field: string, extra?: Record<string, ValueType>): void;
  issue(code: 'no_owner_column' | 'invalid_props', message: string, field: string): void;
}

export type BlockCategory = 'layout' | 'content' | 'data' | 'input' | 'navigation' | 'account';

export interface BlockTypeDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  kind: string;
  label: string;
  category: BlockCategory;
  description: string;
  props: z.ZodObject<{ [K in keyof P]: z.ZodType<P[K]> }> | z.ZodObject;
  /** Whether the block holds other blocks (its children). */
  children: 'none' | 'any';
  /** Props that are bindings and the type each must give. */
  bindings: Record<string, ValueType>;
  /** What children see besides the page's names: a data list's or record view's row as `item`. */
  provides?: (props: P, ctx: PageContext) => Record<string, ValueType>;
  /** Rules beyond the props schema and plain bindings (tables, columns, actions). */
  check?: (props: P, check: BlockCheck) => void;
}

const def = <S extends z.ZodObject>(
  d: Omit<BlockTypeDefinition<z.infer<S>>, 'props'> & { props: S },
): BlockTypeDefinition<z.infer<S>> & { props: S } => d as unknown as BlockTypeDefinition<z.infer<S>> & { props: S };

const tableRow = (ctx: PageContext, name: string) => {
  const table = ctx.tables.find((x) => x.name === name);
  return table ? rowValueType(table) : t.any;
};

/** What a form's actions read besides the page's names: the fields as `form`, the saved row as `saved`. */
export function formChainNames(
  props: { fields: { column: string }[] },
  table: PageTableInfo,
): Record<string, ValueType> {
  return {
    form: rowValueType({
      name: table.name,
      columns: table.columns.filter((col) => props.fields.some((f) => f.column === col.name)),
    }),
    saved: rowValueType(table),
  };
}

/** The block catalog: every kind declared once, read by the palette, the property panel, the validator and the renderer. */
export const blockCatalog = {
  stack: def({
    kind: 'stack',
    label: 'Stack',
    category: 'layout',
    description: 'Blocks one under another.',
    props: z.object({ gap, align }),
    children: 'any',
    bindings: {},
  }),
  row: def({
    kind: 'row',
    label: 'Row',
    category: 'layout',
    description: 'Blocks side by side; on a phone they stack.',
    props: z.object({
      gap,
      align: choice('Alignment', ALIGN_WORDS, ALIGNS, 'center'),
    }),
    children: 'any',
    bindings: {},
  }),
  grid: def({
    kind: 'grid',
    label: 'Grid',
    category: 'layout',
    description: 'Blocks in columns; one column on a phone.',
    props: z.object({ columns: prop(z.number().int().min(1).max(4).default(3), 'Columns', 'number'), gap }),
    children: 'any',
    bindings: {},
  }),
  heading: def({
    kind: 'heading',
    label: 'Heading',
    category: 'content',
    description: 'A title.',
    props: z.object({
      text: binding('Text', 'Heading'),
      level: choice('Size', { 1: 'Page title (largest)', 2: 'Section', 3: 'Small' }, ['1', '2', '3'], '2'),
    }),
    children: 'none',
    bindings: { text: t.string },
  }),
  text: def({
    kind: 'text',
    label: 'Text',
    category: 'content',
    description: 'A paragraph; may show data with {{ }}.',
    props: z.object({
      text: binding('Text', 'Some text'),
      tone: choice('Tone', { normal: 'Normal', muted: 'Quieter (smaller, grey)' }, ['normal', 'muted'], 'normal'),
    }),
    children: 'none',
    bindings: { text: t.string },
  }),
  money: def({
    kind: 'money',
    label: 'Price',
    category: 'content',
    description: 'An amount with its currency symbol.',
    props: z.object({
      amount: binding('Amount', '', 'A number; minor units (cents) for integer columns, as written for decimal ones'),
      currency: binding('Currency', 'usd'),
      unit: choice(
        'The amount is in',
        { minor: 'Cents (minor units, e.g. 850 for $8.50)', major: 'The currency itself (e.g. 8.50)' },
        ['minor', 'major'],
        'minor',
      ),
    }),
    children: 'none',
    bindings: { amount: t.number, currency: t.string },
  }),
  image: def({
    kind: 'image',
    label: 'Image',
    category: 'content',
    description: 'A picture from an address.',
    props: z.object({ src: binding('Image address'), alt: binding('Description (for screen readers)') }),
    children: 'none',
    bindings: { src: t.string, alt: t.string },
  }),
  badge: def({
    kind: 'badge',
    label: 'Badge',
    category: 'content',
    description: 'A short status with a colour per value (e.g. paid in green).',
    props: z.object({
      text: binding('Text', 'New'),
      colors: prop(z.record(z.string(), z.enum(BADGE_COLORS)).default({}), 'Colour per value', 'colors'),
    }),
    children: 'none',
    bindings: { text: t.string },
  }),
  divider: def({
    kind: 'divider',
    label: 'Divider',
    category: 'layout',
    description: 'A line between sections.',
    props: z.object({}),
    children: 'none',
    bindings: {},
  }),
  data_list: def({
    kind: 'data_list',
    label: 'Data list',
    category: 'data',
    description: 'Rows of a table, live; the blocks inside show each row (item).',
    props: z.object({
      table: prop(z.string().default(''), 'Table', 'table'),
      filters: prop(z.array(filterSchema).max(10).default([]), 'Filters', 'filters'),
      onlyMine: prop(z.boolean().default(false), 'Only rows I own', 'boolean'),
      sort: prop(
        z
          .object({ column: z.string(), direction: z.enum(['asc', 'desc']) })
          .nullable()
          .default(null),
        'Sort',
        'sort',
      ),
      pageSize: prop(z.number().int().min(1).max(100).default(20), 'Rows per page', 'number'),
      layout: choice('Layout', { cards: 'Cards', table: 'Table' }, ['cards', 'table'], 'cards'),
      columns: prop(z.array(z.string()).max(20).default([]), 'Table columns', 'columns'),
      emptyText: prop(z.string().max(300).default('Nothing here yet.'), 'When empty', 'text'),
    }),
    children: 'any',
    bindings: {},
    provides: (props, ctx) => ({ item: tableRow(ctx, props.table) }),
    check: (props, c) => {
      const table = c.table(props.table, 'table');
      if (!table) return;
      props.filters.forEach((f, i) => {
        if (c.column(table, f.column, `filters.${i}.column`)) c.binding(f.value, `filters.${i}.value`);
      });
      if (props.sort) c.column(table, props.sort.column, 'sort.column');
      props.columns.forEach((col, i) => {
        c.column(table, col, `columns.${i}`);
      });
      if (props.onlyMine && !table.ownerColumn)
        c.issue(
          'no_owner_column',
          `"${table.name}" has no owner column, so "only rows I own" cannot tell whose a row is. Set its owner in Data.`,
          'onlyMine',
        );
    },
  }),
  record_view: def({
    kind: 'record_view',
    label: 'Record',
    category: 'data',
    description: 'One row (e.g. the order named in the page address); the blocks inside show it (item).',
    props: z.object({
      table: prop(z.string().default(''), 'Table', 'table'),
      rowId: binding('Row', '', 'Usually {{ page.params.<name> }}'),
      notFoundText: prop(z.string().max(300).default('Not found.'), 'When missing', 'text'),
    }),
    children: 'any',
    bindings: { rowId: t.number },
    provides: (props, ctx) => ({ item: tableRow(ctx, props.table) }),
    check: (props, c) => {
      c.table(props.table, 'table');
    },
  }),
  form: def({
    kind: 'form',
    label: 'Form',
    category: 'input',
    description: 'Fields that create or update a row; then its actions run.',
    props: z.object({
      table: prop(z.string().default(''), 'Table', 'table'),
      mode: choice('Saves', { insert: 'A new row', update: 'Changes to a row' }, ['insert', 'update'], 'insert'),
      rowId: binding('Row to update', '', 'Only when the form updates'),
      fields: prop(
        z
          .array(z.object({ column: z.string().min(1), label: z.string().max(100).optional() }))
          .max(30)
          .default([]),
        'Fields',
        'fields',
      ),
      submitLabel: prop(z.string().min(1, 'Give the button a text.').max(60).default('Save'), 'Button text', 'text'),
      onSubmit: chain('After saving'),
    }),
    children: 'none',
    bindings: { rowId: t.number },
    check: (props, c) => {
      const table = c.table(props.table, 'table');
      if (!table) return;
      props.fields.forEach((f, i) => {
        if (c.column(table, f.column, `fields.${i}.column`)) c.writable(table, f.column, `fields.${i}.column`);
      });
      if (props.mode === 'update' && !props.rowId.trim())
        c.issue('invalid_props', 'Say which row the form updates.', 'rowId');
      const saveStep = {
        type: props.mode === 'insert' ? ('create_row' as const) : ('update_row' as const),
        table: props.table,
        rowId: props.rowId,
        values: {},
      };
      c.chain(
        {
          steps: [saveStep, ...props.onSubmit.steps],
          onSuccess: props.onSubmit.onSuccess,
          onFailure: props.onSubmit.onFailure,
        },
        'onSubmit',
        formChainNames(props, table),
      );
    },
  }),
  button: def({
    kind: 'button',
    label: 'Button',
    category: 'input',
    description: 'Runs actions: pay, subscribe, refund, create a row, call an actionflow, go to a page…',
    props: z.object({
      label: binding('Text', 'Button'),
      style: choice(
        'Style',
        { primary: 'Main', secondary: 'Plain', danger: 'Warning (red)' },
        ['primary', 'secondary', 'danger'],
        'primary',
      ),
      onClick: chain('When pressed'),
    }),
    children: 'none',
    bindings: { label: t.string },
    check: (props, c) => c.chain(props.onClick, 'onClick'),
  }),
  condition: def({
    kind: 'condition',
    label: 'Condition',
    category: 'layout',
    description: 'Shows the blocks inside only when an expression holds.',
    props: z.object({ when: binding('Show when', '{{ true }}') }),
    children: 'any',
    bindings: { when: t.boolean },
  }),
  nav_bar: def({
    kind: 'nav_bar',
    label: 'Navigation bar',
    category: 'navigation',
    description: 'Links to your pages, and sign in / out.',
    props: z.object({
      links: prop(
        z
          .array(
            z.object({
              label: z.string().min(1, 'Give each link a text.').max(60),
              to: z.string().min(1, 'Pick a page for each link.').max(200),
              /** Values for the page's address parameters (`/orders/:orderId` → { orderId: '{{ … }}' }). */
              params: z.record(z.string(), z.string().max(2000)).default({}),
            }),
          )
          .max(10)
          .default([]),
        'Links',
        'links',
      ),
      showAccount: prop(z.boolean().default(true), 'Show sign in / out', 'boolean'),
    }),
    children: 'none',
    bindings: {},
    check: (props, c) =>
      props.links.forEach((link, i) => {
        c.link(link.to, link.params, `links.${i}`);
      }),
  }),
  sign_in: def({
    kind: 'sign_in',
    label: 'Sign in',
    category: 'account',
    description: 'Email and password sign-in for your app’s users.',
    props: z.object({ next: prop(z.string().max(200).default('/'), 'Then go to', 'page') }),
    children: 'none',
    bindings: {},
  }),
  sign_up: def({
    kind: 'sign_up',
    label: 'Sign up',
    category: 'account',
    description: 'Account creation for your app’s users.',
    props: z.object({ next: prop(z.string().max(200).default('/'), 'Then go to', 'page') }),
    children: 'none',
    bindings: {},
  }),
  account: def({
    kind: 'account',
    label: 'Account',
    category: 'account',
    description: 'Who is signed in, with a sign-out button.',
    props: z.object({}),
    children: 'none',
    bindings: {},
  }),
} as const;

export type BlockKind = keyof typeof blockCatalog;
export const blockKinds = Object.keys(blockCatalog) as BlockKind[];
export type PropsOf<K extends BlockKind> = z.infer<(typeof blockCatalog)[K]['props']>;

export function getBlockType(kind: string): BlockTypeDefinition | undefined {
  return Object.hasOwn(blockCatalog, kind)
    ? (blockCatalog[kind as BlockKind] as unknown as BlockTypeDefinition)
    : undefined;
}

/** A block's props with the catalog's defaults filled in; undefined when they do not parse. */
export function parseProps(kind: string, props: unknown): Record<string, unknown> | undefined {
  const type = getBlockType(kind);
  const parsed = type?.props.safeParse(props ?? {});
  return parsed?.success ? (parsed.data as Record<string, unknown>) : undefined;
}

/** A new block of this kind with default props (what the palette inserts). */
export function newBlock(kind: BlockKind, id: string) {
  const type = blockCatalog[kind] as unknown as BlockTypeDefinition;
  const props = type.props.parse({}) as Record<string, unknown>;
  return type.children === 'any' ? { id, kind, props, children: [] } : { id, kind, props };
}
