import { formatMoney, tryParseMoney } from '@tillflow/core/money';
import {
  type Actor,
  DataAccessError,
  type Filter,
  getPermissionMatrix,
  getRow,
  getTable,
  queryRows,
  type Row,
} from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import {
  type ActionChain,
  type Block,
  evaluateText,
  evaluateValue,
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
  may: (chain: ActionChain) => boolean;
  tables: Set<string>;
  /** Each block's props parsed once per render (a list's item blocks are drawn once per row). */
  parsed: Map<Block, Record<string, unknown>>;
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
    if (ctx.actor.kind !== 'endUser') return null; // nobody signed in owns nothing
    const table = await getTable(ctx.handle.db, ctx.projectId, props.table);
    if (!table.ownerColumn) return null;
    filters.push({ column: table.ownerColumn, op: 'eq', value: ctx.actor.userId });
  }
  return filters;
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
  const type = getBlockType(block.kind);
  if (!type) return { id: block.id, kind: 'error', message: 'This part of the page could not be shown.' };
  let props = ctx.parsed.get(block);
  if (!props) {
    props = type.props.parse(block.props) as Record<string, unknown>;
    ctx.parsed.set(block, props);
  }
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
      const filters = await listFilters(ctx, p, values);
      const rows: Row[] = filters
        ? (
            await queryRows(ctx.handle.db, ctx.projectId, ctx.actor, p.table, {
              filters,
              sort: p.sort ? [p.sort] : [{ column: 'id', direction: 'desc' }],
              limit: p.pageSize,
            })
          ).rows
        : [];
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
      };
    }
    case 'record_view': {
      const p = props as PropsOf<'record_view'>;
      ctx.tables.add(p.table);
      const id = Number(evaluateValue(p.rowId, values));
      const row =
        Number.isInteger(id) && id > 0 ? await getRow(ctx.handle.db, ctx.projectId, ctx.actor, p.table, id) : null;
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
      if (!ctx.may(onSubmit)) return null;
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
      if (!ctx.may(p.onClick)) return null;
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
        links: p.links.map((l) => ({ label: l.label, href: `/app/${ctx.slug}${l.to === '/' ? '' : l.to}` })),
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
): Promise<PageValues> {
  let user: PageValues['user'] = null;
  if (actor.kind === 'endUser') {
    const row = await getRow(handle.db, projectId, { kind: 'backend' }, 'end_user', actor.userId);
    if (row) user = { id: row.id, email: String(row.email), role: String(row.role) };
  }
  void definition;
  return { page: { params, path }, user };
}

export const roleOfActor = (actor: Actor) =>
  actor.kind === 'endUser' ? actor.role : actor.kind === 'anonymous' ? 'anonymous' : null;

/** Whether the caller may run every server step of a chain (builders and backends may). */
export async function chainPermission(handle: DbHandle, projectId: number, actor: Actor) {
  const role = roleOfActor(actor);
  if (role === null) return () => true;
  const [matrix, callable] = await Promise.all([
    getPermissionMatrix(handle.db, projectId),
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
): Promise<PageView> {
  const [values, may] = await Promise.all([
    pageValues(handle, project.id, actor, definition, params, path),
    chainPermission(handle, project.id, actor),
  ]);
  const ctx: RenderCtx = {
    handle,
    projectId: project.id,
    slug: project.slug,
    actor,
    role: roleOfActor(actor) ?? 'builder',
    may,
    tables: new Set(),
    parsed: new Map(),
  };
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
