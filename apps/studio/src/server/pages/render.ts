import { formatMoney, tryParseMoney } from '@tillflow/core/money';
import {
  type Actor,
  cachedPermissionMatrix,
  DataAccessError,
  type Filter,
  getRow,
  getTable,
  pinMetadata,
  queryRows,
  type Row,
} from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import {
  type ActionChain,
  type Block,
  evaluateText,
  evaluateValue,
  fillPath,
  getBlockType,
  isServerAction,
  type PageDefinition,
  type PageValues,
  type PropsOf,
  roleMay,
} from '@tillflow/page-model';
import { listAppCallableFlows } from '@tillflow/runtime';
import { statusLabel } from '../../lib/status-labels';

/**
 * A page as the browser draws it: every binding already evaluated on the server as the caller, every list and
 * record read through the data-access layer as the caller, buttons the caller's role may not use left out.
 * The browser never evaluates a binding and never sees a row it could not read.
 */
export type ViewNode =
  | { id: string; kind: 'stack' | 'row'; gap: string; align: string; children: ViewNode[] }
  | { id: string; kind: 'grid'; gap: string; columns: number; children: ViewNode[] }
  | { id: string; kind: 'heading'; text: string; level: 1 | 2 | 3 }
  | { id: string; kind: 'text'; text: string; tone: string }
  | { id: string; kind: 'money'; text: string }
  | { id: string; kind: 'image'; src: string; alt: string }
  | { id: string; kind: 'badge'; text: string; color: string }
  | { id: string; kind: 'divider' }
  | {
      id: string;
      kind: 'data_list';
      table: string;
      layout: 'cards' | 'table';
      columns: string[];
      items: { rowId: number; cells: string[]; children: ViewNode[] }[];
      emptyText: string;
      /** The next page of this list (pass back in `cursors[<block id>]`), null on its last page. */
      nextCursor: string | null;
    }
  | { id: string; kind: 'record_view'; found: boolean; notFoundText: string; children: ViewNode[] }
  | {
      id: string;
      kind: 'form';
      submitLabel: string;
      itemId: number | null;
      fields: {
        column: string;
        label: string;
        type: string;
        required: boolean;
        options: string[] | null;
        value: string;
      }[];
    }
  | { id: string; kind: 'button'; label: string; style: string; itemId: number | null }
  | { id: string; kind: 'nav_bar'; links: { label: string; href: string }[]; showAccount: boolean }
  | { id: string; kind: 'sign_in' | 'sign_up'; next: string }
  | { id: string; kind: 'account' }
  | { id: string; kind: 'error'; message: string };

export interface PageView {
  title: string;
  /** Tables the page reads: the client listens to their changes and refreshes. */
  tables: string[];
  blocks: ViewNode[];
}

interface RenderCtx {
  handle: DbHandle;
  projectId: number;
  slug: string;
  actor: Actor;
  role: string;
  /** Whether the caller's role may run every server step of a chain (read while the page's rows are read). */
  may: Promise<(chain: ActionChain) => boolean>;
  tables: Set<string>;
  /** Rows of lists and records outside any item, read as soon as the render starts (see prefetch). */
  prefetched: Map<Block, Promise<ListPage | Row | null>>;
  /** Which page each data list shows: its block id → the cursor of that page (absent: the first). */
  cursors: Record<string, string>;
}

interface ListPage {
  rows: Row[];
  nextCursor: string | null;
}

const display = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : value instanceof Date
      ? value.toISOString().slice(0, 10)
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);

/** Filters of a data list evaluated for this caller, "only rows I own" included. */
export async function listFilters(
  ctx: { handle: DbHandle; projectId: number; actor: Actor },
  props: PropsOf<'data_list'>,
  values: PageValues,
): Promise<Filter[] | null> {
  const filters: Filter[] = props.filters.map((f) => ({
    column: f.column,
    op: f.op,
    value: evaluateValue(f.value, values),
  }));
  if (props.onlyMine) {
    // Nobody signed in owns nothing; nor does a role previewed with no particular user (server/pages/preview.ts).
    if (ctx.actor.kind !== 'endUser' || ctx.actor.userId < 1) return null;
    const table = await getTable(ctx.handle.db, ctx.projectId, props.table);
    if (!table.ownerColumn) return null;
    filters.push({ column: table.ownerColumn, op: 'eq', value: ctx.actor.userId });
  }
  return filters;
}

/** The rows a data list shows this caller (its filters, "only rows I own", its sort and page size). */
async function listRows(
  ctx: RenderCtx,
  blockId: string,
  p: PropsOf<'data_list'>,
  values: PageValues,
): Promise<ListPage> {
  const filters = await listFilters(ctx, p, values);
  if (!filters) return { rows: [], nextCursor: null };
  // Keyset pages of the list's page size: the cursor says where this page starts (data-model checks it).
  return queryRows(ctx.handle.db, ctx.projectId, ctx.actor, p.table, {
    filters,
    sort: p.sort ? [p.sort] : [{ column: 'id', direction: 'desc' }],
    limit: p.pageSize,
    after: ctx.cursors[blockId] ?? null,
    prepare: true, // the same query on every render and live refresh of this page
  });
}

/** The row a record view shows (its row id binding, read as the caller), or null. */
async function recordRow(ctx: RenderCtx, p: PropsOf<'record_view'>, values: PageValues): Promise<Row | null> {
  const id = Number(evaluateValue(p.rowId, values));
  return Number.isInteger(id) && id > 0 ? getRow(ctx.handle.db, ctx.projectId, ctx.actor, p.table, id) : null;
}

// Each block's props parsed once: a list's item blocks are drawn once per row, and a published page's blocks are
// the same objects on every render (store.ts keeps each published version), so they are parsed once per version.
const parsedProps = new WeakMap<Block, Record<string, unknown>>();

function propsOf(block: Block): Record<string, unknown> | null {
  let props = parsedProps.get(block);
  if (!props) {
    const type = getBlockType(block.kind);
    if (!type) return null;
    props = type.props.parse(block.props) as Record<string, unknown>;
    parsedProps.set(block, props);
  }
  return props;
}

/**
 * Starts reading the rows of every list and record that sits outside any item while the caller's account and
 * permissions are still being read, so a render costs one wait on the database instead of three in a row.
 * Only blocks whose query names no `user` binding (the one value not known before those reads); the others, and
 * everything inside an item, are read when drawn. A read that fails fails when its block is drawn (inline error).
 */
function prefetch(blocks: Block[] | undefined, values: PageValues, ctx: RenderCtx) {
  for (const block of blocks ?? []) {
    if (block.kind !== 'data_list' && block.kind !== 'record_view') {
      prefetch(block.children, values, ctx);
      continue;
    }
    if (JSON.stringify(block.props).includes('user')) continue;
    let props: Record<string, unknown> | null;
    try {
      props = propsOf(block);
    } catch {
      continue; // drawn as an inline error
    }
    if (!props) continue;
    const read =
      block.kind === 'data_list'
        ? listRows(ctx, block.id, props as PropsOf<'data_list'>, values)
        : recordRow(ctx, props as PropsOf<'record_view'>, values);
    read.catch(() => {}); // awaited (and its error shown) when the block is drawn; never an unhandled rejection
    ctx.prefetched.set(block, read);
  }
}

async function renderBlock(block: Block, values: PageValues, ctx: RenderCtx): Promise<ViewNode | null> {
  try {
    return await renderBlockUnsafe(block, values, ctx);
  } catch (error) {
    // One block failing shows a small inline error; the rest of the page still renders.
    const message =
      error instanceof DataAccessError && error.code === 'FORBIDDEN'
        ? 'You cannot see this.'
        : 'This part of the page could not be shown.';
    return { id: block.id, kind: 'error', message };
  }
}

async function renderChildren(blocks: Block[] | undefined, values: PageValues, ctx: RenderCtx) {
  const out: ViewNode[] = [];
  for (const child of blocks ?? []) {
    const node = await renderBlock(child, values, ctx);
    if (node) out.push(node);
  }
  return out;
}

async function renderBlockUnsafe(block: Block, values: PageValues, ctx: RenderCtx): Promise<ViewNode | null> {
  const props = propsOf(block);
  if (!props) return { id: block.id, kind: 'error', message: 'This part of the page could not be shown.' };
  const text = (field: string) => evaluateText(String(props[field] ?? ''), values);
  switch (block.kind) {
    case 'stack':
    case 'row':
      return {
        id: block.id,
        kind: block.kind,
        gap: String(props.gap),
        align: String(props.align),
        children: await renderChildren(block.children, values, ctx),
      };
    case 'grid':
      return {
        id: block.id,
        kind: 'grid',
        gap: String(props.gap),
        columns: Number(props.columns),
        children: await renderChildren(block.children, values, ctx),
      };
    case 'heading':
      return { id: block.id, kind: 'heading', text: text('text'), level: Number(props.level) as 1 | 2 | 3 };
    case 'text':
      return { id: block.id, kind: 'text', text: text('text'), tone: String(props.tone) };
    case 'money': {
      const p = props as PropsOf<'money'>;
      const currency = (evaluateText(p.currency, values) || 'usd').toLowerCase();
      const raw = evaluateValue(p.amount, values);
      let minor: number | null = raw === null || raw === '' ? null : Number(raw);
      if (minor !== null && p.unit === 'major') {
        const parsed = tryParseMoney(
          String(raw)
            .replace(/(\.\d*?)0+$/, '$1')
            .replace(/\.$/, ''),
          currency,
        );
        minor = parsed.ok ? parsed.amount : null;
      }
      return {
        id: block.id,
        kind: 'money',
        text: minor === null || Number.isNaN(minor) ? '' : formatMoney(minor, currency),
      };
    }
    case 'image':
      return { id: block.id, kind: 'image', src: safeImage(text('src')), alt: text('alt') };
    case 'badge': {
      const value = text('text');
      const colors = props.colors as Record<string, string>;
      // A status value reads as words (PENDING → Pending), never as a raw code.
      return { id: block.id, kind: 'badge', text: statusLabel(value) || value, color: colors[value] ?? 'grey' };
    }
    case 'divider':
      return { id: block.id, kind: 'divider' };
    case 'data_list': {
      const p = props as PropsOf<'data_list'>;
      ctx.tables.add(p.table);
      const { rows, nextCursor } = await ((ctx.prefetched.get(block) as Promise<ListPage> | undefined) ??
        listRows(ctx, block.id, p, values));
      const items = [];
      for (const row of rows) {
        const itemValues = { ...values, item: row };
        items.push({
          rowId: row.id,
          cells: p.layout === 'table' ? p.columns.map((c) => display(row[c])) : [],
          children: await renderChildren(block.children, itemValues, { ...ctx }),
        });
      }
      return {
        id: block.id,
        kind: 'data_list',
        table: p.table,
        layout: p.layout,
        columns: p.columns,
        items: items.map((item) => ({ ...item, children: withItem(item.children, item.rowId) })),
        emptyText: p.emptyText,
        nextCursor,
      };
    }
    case 'record_view': {
      const p = props as PropsOf<'record_view'>;
      ctx.tables.add(p.table);
      const row = await ((ctx.prefetched.get(block) as Promise<Row | null> | undefined) ?? recordRow(ctx, p, values));
      return {
        id: block.id,
        kind: 'record_view',
        found: row !== null,
        notFoundText: p.notFoundText,
        children: row ? withItem(await renderChildren(block.children, { ...values, item: row }, ctx), row.id) : [],
      };
    }
    case 'form': {
      const p = props as PropsOf<'form'>;
      const onSubmit = {
        ...p.onSubmit,
        steps: [
          {
            type: p.mode === 'insert' ? 'create_row' : 'update_row',
            table: p.table,
            rowId: p.rowId,
            values: {},
          } as never,
          ...p.onSubmit.steps,
        ],
      };
      if (!(await ctx.may)(onSubmit)) return null;
      const table = await getTable(ctx.handle.db, ctx.projectId, p.table);
      let current: Row | null = null;
      if (p.mode === 'update') {
        const id = Number(evaluateValue(p.rowId, values));
        current =
          Number.isInteger(id) && id > 0 ? await getRow(ctx.handle.db, ctx.projectId, ctx.actor, p.table, id) : null;
      }
      return {
        id: block.id,
        kind: 'form',
        submitLabel: p.submitLabel,
        itemId: null,
        fields: p.fields.map((f) => {
          const column = table.columns.find((c) => c.name === f.column);
          return {
            column: f.column,
            label: f.label || f.column.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
            type: column?.type ?? 'text',
            required: column?.required ?? false,
            options: column?.enumOptions ?? null,
            value: current ? display(current[f.column]) : '',
          };
        }),
      };
    }
    case 'button': {
      const p = props as PropsOf<'button'>;
      // A role that may not do every step never sees the button (the server refuses it anyway).
      if (!(await ctx.may)(p.onClick)) return null;
      return { id: block.id, kind: 'button', label: text('label'), style: p.style, itemId: null };
    }
    case 'condition': {
      const holds = evaluateValue(String(props.when), values);
      if (!holds) return null;
      return {
        id: block.id,
        kind: 'stack',
        gap: 'medium',
        align: 'stretch',
        children: await renderChildren(block.children, values, ctx),
      };
    }
    case 'nav_bar': {
      const p = props as PropsOf<'nav_bar'>;
      return {
        id: block.id,
        kind: 'nav_bar',
        links: p.links.map((l) => {
          const to = fillPath(
            l.to,
            Object.fromEntries(Object.entries(l.params).map(([k, v]) => [k, evaluateValue(v, values)])),
          );
          return { label: l.label, href: `/app/${ctx.slug}${to === '/' ? '' : to}` };
        }),
        showAccount: p.showAccount,
      };
    }
    case 'sign_in':
    case 'sign_up':
      return { id: block.id, kind: block.kind, next: String(props.next) };
    case 'account':
      return { id: block.id, kind: 'account' };
  }
  return { id: block.id, kind: 'error', message: 'This part of the page could not be shown.' };
}

/** Buttons and forms inside a list item or record carry that row's id, so the action knows its item. */
function withItem(nodes: ViewNode[], rowId: number): ViewNode[] {
  return nodes.map((n) => {
    if ((n.kind === 'button' || n.kind === 'form') && n.itemId === null) return { ...n, itemId: rowId };
    if (n.kind === 'stack' || n.kind === 'row' || n.kind === 'grid')
      return { ...n, children: withItem(n.children, rowId) };
    return n;
  });
}

/** Only http(s) and same-site images; a javascript: or data: address is dropped. */
function safeImage(src: string): string {
  return /^https?:\/\//i.test(src) || src.startsWith('/') ? src : '';
}

/** The values every binding on this page reads for this caller. */
export async function pageValues(
  handle: DbHandle,
  projectId: number,
  actor: Actor,
  definition: PageDefinition,
  params: Record<string, string>,
  path: string,
  /** Read the caller's account even if no binding names `user` (an actionflow call passes their email on). */
  alwaysUser = false,
): Promise<PageValues> {
  let user: PageValues['user'] = null;
  // A render reads the account only for a page whose bindings name `user` (nothing else there reads it).
  if (actor.kind === 'endUser' && actor.userId > 0 && (alwaysUser || mentionsUser(definition))) {
    const row = await getRow(handle.db, projectId, { kind: 'backend' }, 'end_user', actor.userId);
    if (row) user = { id: row.id, email: String(row.email), role: String(row.role) };
  }
  return { page: { params, path }, user };
}

const mentionsUserCache = new WeakMap<PageDefinition, boolean>();
/** Whether any binding of the page may read `user` (a plain text search: a false yes only costs one read). */
function mentionsUser(definition: PageDefinition): boolean {
  let yes = mentionsUserCache.get(definition);
  if (yes === undefined) {
    yes = /\buser\b/.test(JSON.stringify(definition.blocks));
    mentionsUserCache.set(definition, yes);
  }
  return yes;
}

export const roleOfActor = (actor: Actor) =>
  actor.kind === 'endUser' ? actor.role : actor.kind === 'anonymous' ? 'anonymous' : null;

/** Whether the caller may run every server step of a chain (builders and backends may). */
export async function chainPermission(handle: DbHandle, projectId: number, actor: Actor) {
  const role = roleOfActor(actor);
  if (role === null) return () => true;
  const [matrix, callable] = await Promise.all([
    cachedPermissionMatrix(handle.db, projectId),
    listAppCallableFlows(handle.db, projectId),
  ]);
  const ctx = { ...matrix, flows: callable.map((f) => ({ ...f, inputs: {}, outputs: {} })) };
  return (chain: ActionChain) => chain.steps.filter(isServerAction).every((step) => roleMay(role, step, ctx));
}

/** Renders a live page for the caller (server-side first paint, and every live refresh). */
export async function renderPage(
  handle: DbHandle,
  project: { id: number; slug: string },
  actor: Actor,
  definition: PageDefinition,
  params: Record<string, string>,
  path: string,
  /** Which page each data list shows (block id → cursor from its `nextCursor`); absent lists show their first. */
  cursors: Record<string, string> = {},
): Promise<PageView> {
  // One render reads the project's table descriptions at one metadata version: the version is checked once, not
  // before every read (a table changed meanwhile is seen by the next render, as if it had changed a moment later).
  const db = Object.create(handle.db) as DbHandle['db'];
  pinMetadata(db);
  const reader: DbHandle = { ...handle, db };
  const may = chainPermission(reader, project.id, actor);
  may.catch(() => {}); // awaited by the first button or form drawn
  const ctx: RenderCtx = {
    handle: reader,
    projectId: project.id,
    slug: project.slug,
    actor,
    role: roleOfActor(actor) ?? 'builder',
    may,
    tables: new Set(),
    prefetched: new Map(),
    cursors,
  };
  prefetch(definition.blocks, { page: { params, path }, user: null }, ctx);
  const values = await pageValues(reader, project.id, actor, definition, params, path);
  const blocks = await renderChildren(definition.blocks, values, ctx);
  return { title: definition.title, tables: [...ctx.tables], blocks };
}

/** Whether the caller may open the page at all. */
export function mayOpen(definition: PageDefinition, actor: Actor): 'ok' | 'sign_in' | 'forbidden' {
  if (definition.access.kind === 'public') return 'ok';
  if (actor.kind === 'builder' || actor.kind === 'backend') return 'ok';
  if (actor.kind !== 'endUser') return 'sign_in';
  if (definition.access.kind === 'signed_in') return 'ok';
  return definition.access.roles.includes(actor.role) ? 'ok' : 'forbidden';
}
