import { TillflowError } from '@tillflow/core';
import { getPermissionMatrix, listTables } from '@tillflow/data-model';
import { appPages, appPageVersions, type Executor, paymentSettings } from '@tillflow/db';
import {
  blockingIssues,
  matchPath,
  type PageContext,
  type PageDefinition,
  type PageIssue,
  pageDefinitionSchema,
  pageRefusedMessage,
  validatePage,
} from '@tillflow/page-model';
import { listAppCallableFlows } from '@tillflow/runtime';
import { and, desc, eq, isNotNull, ne, or, sql } from 'drizzle-orm';

/** A save based on a revision someone else already replaced. */
export class PageConflictError extends TillflowError {
  constructor(readonly currentRevision: number) {
    super(
      'CONFLICT',
      'Someone else saved this page since you opened it. Reload to see their changes; your last edit was not saved.',
    );
    this.name = 'PageConflictError';
  }
}

/** A publish refused because the page is not valid; every issue travels with it. */
export class PageValidationError extends TillflowError {
  constructor(readonly issues: PageIssue[]) {
    super('VALIDATION', pageRefusedMessage(issues));
    this.name = 'PageValidationError';
  }
}

const notFound = () => new TillflowError('NOT_FOUND', 'This page does not exist (it may have been deleted).');

/** What a page's validation checks against: the project's tables, roles, permissions, callable flows and pages. */
export async function loadPageContext(db: Executor, projectId: number): Promise<PageContext> {
  const [tables, matrix, pages, flows, settings] = await Promise.all([
    listTables(db, projectId),
    getPermissionMatrix(db, projectId),
    db.select({ draft: appPages.draft }).from(appPages).where(eq(appPages.projectId, projectId)),
    listAppCallableFlows(db, projectId),
    db
      .select({ currency: paymentSettings.currency })
      .from(paymentSettings)
      .where(eq(paymentSettings.projectId, projectId)),
  ]);
  return {
    tables: tables.map((table) => ({
      name: table.name,
      ownerColumn: table.ownerColumn,
      columns: table.columns.map((c) => ({
        name: c.name,
        type: c.type,
        enumOptions: c.enumOptions,
        required: c.required,
        systemManaged: c.systemManaged,
      })),
    })),
    roles: matrix.roles.map((r) => r.name),
    tablePermissions: matrix.tablePermissions,
    actionPermissions: matrix.actionPermissions,
    flows: flows.map((flow) => ({
      id: flow.id,
      name: flow.name,
      inputs: Object.fromEntries(flow.inputs.map((f) => [f.name, f.type])),
      outputs: Object.fromEntries(flow.outputs.map((f) => [f.name, f.type])),
      roles: flow.roles,
    })),
    paths: pages.map((p) => (p.draft as PageDefinition).path),
    pages: pages.map((p) => ({ title: (p.draft as PageDefinition).title, path: (p.draft as PageDefinition).path })),
    currency: settings[0]?.currency ?? 'usd',
  };
}

export type StoredPage = typeof appPages.$inferSelect;

export async function getPage(db: Executor, projectId: number, pageId: number): Promise<StoredPage> {
  const [page] = await db
    .select()
    .from(appPages)
    .where(and(eq(appPages.id, pageId), eq(appPages.projectId, projectId)));
  if (!page) throw notFound();
  return page;
}

/** The page list: each page's draft title and path, whether it is live and whether the draft changed since. */
export async function listPages(db: Executor, projectId: number) {
  const rows = await db
    .select({
      id: appPages.id,
      draft: appPages.draft,
      isHome: appPages.isHome,
      publishedVersion: appPages.publishedVersion,
      publishedPath: appPages.publishedPath,
      updatedAt: appPages.updatedAt,
      published: appPageVersions.definition,
    })
    .from(appPages)
    .leftJoin(
      appPageVersions,
      and(eq(appPageVersions.pageId, appPages.id), eq(appPageVersions.version, appPages.publishedVersion)),
    )
    .where(eq(appPages.projectId, projectId))
    .orderBy(desc(appPages.isHome), appPages.id);
  return rows.map((r) => {
    const draft = r.draft as PageDefinition;
    return {
      id: r.id,
      title: draft.title,
      path: draft.path,
      access: draft.access,
      isHome: r.isHome,
      publishedVersion: r.publishedVersion,
      publishedPath: r.publishedPath,
      status: !r.published
        ? ('draft' as const)
        : JSON.stringify(r.published) === JSON.stringify(draft)
          ? ('published' as const)
          : ('changed' as const),
      updatedAt: r.updatedAt,
    };
  });
}

function slugPath(title: string): string {
  const words = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `/${words || 'page'}`;
}

async function freePath(db: Executor, projectId: number, wanted: string): Promise<string> {
  const taken = new Set((await loadPageContext(db, projectId)).paths);
  if (!taken.has(wanted)) return wanted;
  for (let i = 2; ; i++)
    if (!taken.has(`${wanted === '/' ? '/page' : wanted}-${i}`)) return `${wanted === '/' ? '/page' : wanted}-${i}`;
}

/** A new empty page (or one with the blocks given); its path comes from the title and never collides. */
export async function createPage(
  db: Executor,
  projectId: number,
  input: { title: string; path?: string; blocks?: PageDefinition['blocks']; access?: PageDefinition['access'] },
) {
  const path = await freePath(db, projectId, input.path ?? slugPath(input.title));
  const draft = pageDefinitionSchema.parse({
    title: input.title,
    path,
    access: input.access ?? { kind: 'public' },
    blocks: input.blocks ?? [],
  });
  const existing = await db.select({ id: appPages.id }).from(appPages).where(eq(appPages.projectId, projectId));
  const [page] = await db
    .insert(appPages)
    .values({ projectId, draft, isHome: existing.length === 0 })
    .returning();
  return page;
}

/**
 * Autosave: the draft replaces the stored one only if nobody saved since `expectedRevision` (else CONFLICT,
 * never a silent overwrite). Returns the new revision and the page's issues (shown while editing).
 */
export async function savePageDraft(
  db: Executor,
  projectId: number,
  input: { pageId: number; definition: unknown; expectedRevision: number },
) {
  const parsed = pageDefinitionSchema.safeParse(input.definition);
  if (!parsed.success)
    throw new TillflowError('VALIDATION', `This page cannot be saved: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const draft = parsed.data;
  const others = await db
    .select({ draft: appPages.draft })
    .from(appPages)
    .where(and(eq(appPages.projectId, projectId), ne(appPages.id, input.pageId)));
  if (others.some((o) => (o.draft as PageDefinition).path === draft.path))
    throw new TillflowError('CONFLICT', `Another page already lives at ${draft.path}. Pick another address.`, {
      fieldErrors: { path: 'Taken by another page.' },
    });
  const [row] = await db
    .update(appPages)
    .set({ draft, draftRevision: sql`${appPages.draftRevision} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(appPages.id, input.pageId),
        eq(appPages.projectId, projectId),
        eq(appPages.draftRevision, input.expectedRevision),
      ),
    )
    .returning({ revision: appPages.draftRevision });
  if (!row) {
    const current = await getPage(db, projectId, input.pageId);
    throw new PageConflictError(current.draftRevision);
  }
  return { revision: row.revision, issues: validatePage(draft, await loadPageContext(db, projectId)) };
}

/** The issues of the stored draft, against the project as it is now. */
export async function pageIssues(db: Executor, projectId: number, pageId: number): Promise<PageIssue[]> {
  const page = await getPage(db, projectId, pageId);
  return validatePage(page.draft, await loadPageContext(db, projectId));
}

async function freezeVersion(
  tx: Executor,
  page: StoredPage,
  definition: PageDefinition,
  createdBy: string | null,
): Promise<number> {
  const [last] = await tx
    .select({ version: appPageVersions.version })
    .from(appPageVersions)
    .where(eq(appPageVersions.pageId, page.id))
    .orderBy(desc(appPageVersions.version))
    .limit(1);
  const version = (last?.version ?? 0) + 1;
  await tx.insert(appPageVersions).values({ pageId: page.id, version, definition, createdBy });
  await tx
    .update(appPages)
    .set({ publishedVersion: version, publishedPath: definition.path, updatedAt: new Date() })
    .where(eq(appPages.id, page.id));
  return version;
}

/** Freezes the draft as the next version and serves it; refused (every issue listed) when the page is not valid. */
export async function publishPage(db: Executor, projectId: number, pageId: number, createdBy: string | null = null) {
  return db.transaction(async (tx) => {
    const [page] = await tx
      .select()
      .from(appPages)
      .where(and(eq(appPages.id, pageId), eq(appPages.projectId, projectId)))
      .for('update');
    if (!page) throw notFound();
    const definition = page.draft as PageDefinition;
    const issues = blockingIssues(validatePage(definition, await loadPageContext(tx, projectId)));
    if (issues.length) throw new PageValidationError(issues);
    const clash = await tx
      .select({ id: appPages.id })
      .from(appPages)
      .where(
        and(eq(appPages.projectId, projectId), ne(appPages.id, pageId), eq(appPages.publishedPath, definition.path)),
      );
    if (clash.length)
      throw new TillflowError(
        'CONFLICT',
        `Another live page already answers at ${definition.path}. Pick another address.`,
      );
    return { version: await freezeVersion(tx, page, definition, createdBy) };
  });
}

/**
 * Rollback: an older version becomes live again as a new version (history is never rewritten), and the draft
 * becomes that version so the editor shows what is live.
 */
export async function rollbackPage(
  db: Executor,
  projectId: number,
  input: { pageId: number; version: number },
  createdBy: string | null = null,
) {
  return db.transaction(async (tx) => {
    const page = await getPage(tx, projectId, input.pageId);
    const [old] = await tx
      .select()
      .from(appPageVersions)
      .where(and(eq(appPageVersions.pageId, page.id), eq(appPageVersions.version, input.version)));
    if (!old) throw new TillflowError('NOT_FOUND', 'That version of the page does not exist.');
    const definition = old.definition as PageDefinition;
    const version = await freezeVersion(tx, page, definition, createdBy);
    await tx
      .update(appPages)
      .set({ draft: definition, draftRevision: sql`${appPages.draftRevision} + 1` })
      .where(eq(appPages.id, page.id));
    return { version };
  });
}

export async function listPageVersions(db: Executor, projectId: number, pageId: number) {
  const page = await getPage(db, projectId, pageId);
  const rows = await db
    .select({
      version: appPageVersions.version,
      createdAt: appPageVersions.createdAt,
      definition: appPageVersions.definition,
    })
    .from(appPageVersions)
    .where(eq(appPageVersions.pageId, page.id))
    .orderBy(desc(appPageVersions.version));
  return rows.map((r) => ({
    version: r.version,
    createdAt: r.createdAt,
    title: (r.definition as PageDefinition).title,
    live: r.version === page.publishedVersion,
  }));
}

/** Renames a page (its draft title); the address stays until the builder changes it. */
export async function renamePage(db: Executor, projectId: number, pageId: number, title: string) {
  const page = await getPage(db, projectId, pageId);
  const draft = pageDefinitionSchema.parse({ ...(page.draft as PageDefinition), title });
  await db
    .update(appPages)
    .set({ draft, draftRevision: sql`${appPages.draftRevision} + 1`, updatedAt: new Date() })
    .where(eq(appPages.id, page.id));
}

/** A copy of the page's draft under a new title and a free address; not published. */
export async function duplicatePage(db: Executor, projectId: number, pageId: number) {
  const page = await getPage(db, projectId, pageId);
  const draft = page.draft as PageDefinition;
  return createPage(db, projectId, {
    title: `${draft.title} (copy)`,
    path: draft.path === '/' ? '/copy' : `${draft.path.replace(/\/:.*$/, '')}-copy`,
    blocks: draft.blocks,
    access: draft.access,
  });
}

export async function deletePage(db: Executor, projectId: number, pageId: number) {
  const page = await getPage(db, projectId, pageId);
  await db.delete(appPages).where(eq(appPages.id, page.id));
}

/** The page `/app/<slug>` opens on. */
export async function setHomePage(db: Executor, projectId: number, pageId: number) {
  const page = await getPage(db, projectId, pageId);
  await db.transaction(async (tx) => {
    await tx.update(appPages).set({ isHome: false }).where(eq(appPages.projectId, projectId));
    await tx.update(appPages).set({ isHome: true }).where(eq(appPages.id, page.id));
  });
}

export interface PublishedPage {
  pageId: number;
  version: number;
  definition: PageDefinition;
  params: Record<string, string>;
}

// A published version never changes (publish and rollback add a new one), so each is read and parsed once per
// database and kept: the same objects on every render, whose blocks' parsed props the renderer keeps too.
// Keyed by the database object first, so two databases in one process (tests) never share an entry.
const versionCache = new WeakMap<object, Map<string, PageDefinition>>();
const VERSION_CACHE_LIMIT = 500;

async function publishedDefinitions(
  db: Executor,
  wanted: { pageId: number; version: number }[],
): Promise<Map<string, PageDefinition>> {
  let cache = versionCache.get(db);
  if (!cache) {
    cache = new Map();
    versionCache.set(db, cache);
  }
  const key = (w: { pageId: number; version: number }) => `${w.pageId}:${w.version}`;
  const missing = wanted.filter((w) => !cache.has(key(w)));
  if (missing.length > 0) {
    const rows = await db
      .select({
        pageId: appPageVersions.pageId,
        version: appPageVersions.version,
        definition: appPageVersions.definition,
      })
      .from(appPageVersions)
      .where(
        or(...missing.map((w) => and(eq(appPageVersions.pageId, w.pageId), eq(appPageVersions.version, w.version)))),
      );
    if (cache.size + rows.length > VERSION_CACHE_LIMIT) cache.clear();
    for (const row of rows) cache.set(key(row), row.definition as PageDefinition);
  }
  return cache;
}

/**
 * The live page answering `path` (`/` is the home page when no page lives at /), with its address params.
 * `exact`: only a page whose address is exactly `path` (no params, no home fallback): how a fixed page of the app
 * (/, /orders, /subscriptions, /admin) finds the builder's page that replaces it.
 */
export async function findPublishedPage(
  db: Executor,
  projectId: number,
  path: string,
  exact = false,
): Promise<PublishedPage | null> {
  // Only each live page's address is read here; its definition comes from the version cache.
  const rows = await db
    .select({
      pageId: appPages.id,
      isHome: appPages.isHome,
      version: appPageVersions.version,
      path: sql<string>`${appPageVersions.definition}->>'path'`,
    })
    .from(appPages)
    .innerJoin(
      appPageVersions,
      and(eq(appPageVersions.pageId, appPages.id), eq(appPageVersions.version, appPages.publishedVersion)),
    )
    .where(and(eq(appPages.projectId, projectId), isNotNull(appPages.publishedVersion)));
  const normalized = `/${path.split('/').filter(Boolean).join('/')}`;
  // Literal addresses win over ones with params (/orders/new before /orders/:orderId).
  const ranked = [...rows].sort((a, b) => (a.path.includes(':') ? 1 : 0) - (b.path.includes(':') ? 1 : 0));
  let found: { pageId: number; version: number; params: Record<string, string> } | null = null;
  for (const row of ranked) {
    const params = exact ? (row.path === normalized ? {} : null) : matchPath(row.path, normalized);
    if (params) {
      found = { pageId: row.pageId, version: row.version as number, params };
      break;
    }
  }
  if (!found && !exact && normalized === '/') {
    const home = rows.find((r) => r.isHome);
    if (home) found = { pageId: home.pageId, version: home.version as number, params: {} };
  }
  if (!found) return null;
  const definition = (await publishedDefinitions(db, [found])).get(`${found.pageId}:${found.version}`);
  return definition ? { ...found, definition } : null;
}

/** One live page by id (the action executor reads the published definition, never one the browser sends). */
export async function getPublishedPage(db: Executor, projectId: number, pageId: number) {
  const page = await getPage(db, projectId, pageId);
  if (!page.publishedVersion) throw notFound();
  const wanted = { pageId: page.id, version: page.publishedVersion };
  const definition = (await publishedDefinitions(db, [wanted])).get(`${page.id}:${page.publishedVersion}`);
  if (!definition) throw notFound();
  return { pageId: page.id, version: page.publishedVersion, definition };
}
