import { BACKEND, END_USER_TABLE, getRow, queryRows } from '@tillflow/data-model';
import { type AuditEvent, auditEvents, type Database, type DbHandle, type Executor, executeRows } from '@tillflow/db';
import { flowTitle } from '@tillflow/flow-model';
import {
  formatMinorUnits,
  listCatalog,
  listCoupons,
  loadPaymentSettings,
  orderTableName,
  PAYMENT_TABLE,
  type Services,
} from '@tillflow/payments';
import { getProjectFlow } from '@tillflow/runtime';
import { and, desc, eq, ilike, lt, or, type SQL, sql } from 'drizzle-orm';
import { eventWords } from '../../lib/flow-words';
import { listApiKeys } from '../api-keys';
import { getPage } from '../pages/store';
import type { MemberChange } from './members';
import { ROLE_LABELS } from './policy';

// The audit trail: who changed what in a project, when, with a before/after summary. The tRPC middleware
// (projectProcedure in server/api/trpc.ts) records one entry after each successful call of a procedure listed in
// AUDITED below; `load` runs before the call for the "before" side. Secrets never enter an entry: key changes
// record the mode (sandbox, test, live), never a key; SMTP changes record the host, never the password.
// Retention: entries live as long as their project (deleted with it); an entry keeps the member's name and email
// as they were, so it still reads after they leave or delete their account.

export const AUDIT_AREAS = [
  'schema',
  'data',
  'permissions',
  'flows',
  'pages',
  'payments',
  'keys',
  'endpoints',
  'refunds',
  'members',
  'mail',
  'project',
] as const;
export type AuditArea = (typeof AUDIT_AREAS)[number];

export interface AuditEntry {
  area: AuditArea;
  action: string;
  target?: string;
  summary: string;
  before?: unknown;
  after?: unknown;
}

export interface Actor {
  id: string;
  name: string;
  email: string;
}

export async function recordAudit(db: Executor, projectId: number, actor: Actor, entry: AuditEntry) {
  const [row] = await db
    .insert(auditEvents)
    .values({
      projectId,
      actorId: actor.id,
      actorName: actor.name,
      actorEmail: actor.email,
      action: entry.action,
      area: entry.area,
      target: entry.target ?? '',
      summary: entry.summary,
      before: entry.before ?? null,
      after: entry.after ?? null,
    })
    .returning();
  return row;
}

/** The Activity page: newest first, 50 a page (`before` = the last id seen), filtered and searched. */
export async function listActivity(
  db: Executor,
  projectId: number,
  options: { search?: string; area?: AuditArea; actorId?: string; before?: number; limit?: number } = {},
) {
  const where: SQL[] = [eq(auditEvents.projectId, projectId)];
  if (options.area) where.push(eq(auditEvents.area, options.area));
  if (options.actorId) where.push(eq(auditEvents.actorId, options.actorId));
  if (options.before) where.push(lt(auditEvents.id, options.before));
  const search = options.search?.trim();
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const any = or(
      ilike(auditEvents.summary, pattern),
      ilike(auditEvents.target, pattern),
      ilike(auditEvents.actorName, pattern),
      ilike(auditEvents.actorEmail, pattern),
    );
    if (any) where.push(any);
  }
  const limit = options.limit ?? 50;
  const rows: AuditEvent[] = await db
    .select()
    .from(auditEvents)
    .where(and(...where))
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1);
  return { entries: rows.slice(0, limit), nextBefore: rows.length > limit ? rows[limit - 1].id : null };
}

/** Who issued each of these refunds from the studio (refund row id → member name), for the dashboard. */
export async function refundIssuers(db: Executor, projectId: number): Promise<Record<string, string>> {
  const rows = await db
    .select({ target: auditEvents.target, name: auditEvents.actorName })
    .from(auditEvents)
    .where(and(eq(auditEvents.projectId, projectId), eq(auditEvents.action, 'payments.refund')));
  return Object.fromEntries(rows.map((r) => [r.target.replace(/^Refund #/, ''), r.name]));
}

type Any = any;
interface AuditContext {
  db: DbHandle;
  projectId: number;
  input: Any;
  result: Any;
  before: Any;
}
interface Audited {
  /** Reads the "before" side first (in the change's transaction, unless `external`). */
  load?: (args: { db: DbHandle; services: Services; projectId: number; input: Any }) => Promise<unknown>;
  describe: (args: AuditContext) => AuditEntry | null;
  /**
   * Why this change cannot share a transaction with its entry (it happens at Stripe, which a rollback cannot
   * undo): the entry is written right after the call, and a failed write is logged, not turned into a failure.
   */
  external?: string;
}

/** A database handle whose queries run in `tx` (an audited change and its entry commit together). */
export function transactionHandle(handle: DbHandle, tx: Executor): DbHandle {
  return {
    ...handle,
    db: tx as Database,
    query: async <T>(text: string, params: unknown[] = []) => {
      const pieces = text.split(/\$(\d+)/);
      let query = sql.raw(pieces[0]);
      for (let i = 1; i < pieces.length; i += 2)
        query = sql`${query}${params[Number(pieces[i]) - 1]}${sql.raw(pieces[i + 1])}`;
      return executeRows<T>(tx, query);
    },
  };
}

/**
 * Mutations whose calls are not recorded, and why. Every mutation of the router is either in AUDITED or here
 * (projectProcedure refuses one in neither; test/teams-audit.test.ts checks the lists against the router).
 */
export const NOT_AUDITED: Record<string, string> = {
  'flows.saveDraft': 'autosave every few seconds: a draft changes nothing live; publishing it is recorded',
  'pages.saveDraft': 'autosave every few seconds: a draft changes nothing live; publishing it is recorded',
  'flows.testRun': 'a test run (its database effects rolled back by default) is kept in the run history',
  'flows.presence': 'a heartbeat saying the canvas is open; changes nothing',
  'flows.leaveCanvas': 'the canvas was closed; changes nothing',
  'mailbox.sendTest': 'a test email to the member themself; it is kept in the Mailbox',
  'project.delete': 'the project and its whole audit trail are deleted together',
};

/** Signed-in procedures outside any one project's procedure middleware, and how each is covered. */
export const AUDITED_ELSEWHERE: Record<string, string> = {
  'invitations.accept': 'recorded by the procedure itself, in the project joined, in the same transaction',
  'project.create': 'the project’s trail starts with it; nothing to record it in before',
  'sessions.revoke': 'the member’s own browser sessions, not a project’s',
};

const str = (value: unknown) => String(value ?? '');
const keysMode = async ({ db, projectId }: { db: DbHandle; projectId: number }) => ({
  keys: (await loadPaymentSettings(db.db, projectId))?.mode ?? 'sandbox',
});
const flowName = async ({ db, projectId, input }: { db: DbHandle; projectId: number; input: Any }) => {
  try {
    const flow = await getProjectFlow(db.db, projectId, str(input?.flowId));
    return flowTitle(flow.name, flow.systemKind);
  } catch {
    return 'an automation';
  }
};
const pageTitle = async ({ db, projectId, input }: { db: DbHandle; projectId: number; input: Any }) => {
  try {
    const page = await getPage(db.db, projectId, Number(input?.pageId));
    return (page.draft as { title?: string }).title ?? 'a page';
  } catch {
    return 'a page';
  }
};
type CatalogNames = { products: Map<string, string>; prices: Map<string, { display: string; product: string }> };
/** Names of the products and prices on the project's Stripe account (so entries never show a raw id). */
const catalogNames = async ({ services, projectId }: { services: Services; projectId: number }) => {
  const names: CatalogNames = { products: new Map(), prices: new Map() };
  try {
    for (const product of await listCatalog(services, projectId)) {
      names.products.set(product.id, product.name);
      for (const price of product.prices) names.prices.set(price.id, { display: price.display, product: product.name });
    }
  } catch {
    // Stripe unreachable: the call itself will say so; the entry falls back to words without the name.
  }
  return names;
};
const productName = (names: unknown, id: unknown) =>
  (names as CatalogNames | undefined)?.products.get(str(id)) ?? 'a product';
const couponNames = async ({ services, projectId }: { services: Services; projectId: number }) => {
  try {
    return new Map((await listCoupons(services, projectId)).map((c) => [c.id, c.name ?? c.offDisplay]));
  } catch {
    return new Map<string, string>();
  }
};
const couponName = (names: unknown, id: unknown) =>
  (names as Map<string, string> | undefined)?.get(str(id)) ?? 'a discount';
const memberChange = (verb: (c: MemberChange) => string) => (args: AuditContext) => {
  const change = args.result as MemberChange;
  return {
    area: 'members' as const,
    action: '',
    target: change.email,
    summary: verb(change),
    before: { role: change.before },
    after: { role: change.after },
  };
};
/** The automation a run belongs to, by its title, and the run's status before the retry. */
const runSubject = async ({ db, projectId, input }: { db: DbHandle; projectId: number; input: Any }) => {
  const [run] = await executeRows<{ name: string; system_kind: string | null; status: string }>(
    db.db,
    sql`select f.name, f.system_kind, r.status from flow_run r join flow f on f.id = r.flow_id
        where r.id = ${str(input?.runId)} and r.project_id = ${projectId}`,
  ).catch(() => []);
  return run
    ? { flow: flowTitle(run.name, run.system_kind as never), status: run.status }
    : { flow: 'an automation', status: 'unknown' };
};
/** What a received Stripe message was about, in words ("a payment succeeds"). */
const eventSubject = async ({ db, projectId, input }: { db: DbHandle; projectId: number; input: Any }) => {
  const [event] = await executeRows<{ type: string }>(
    db.db,
    sql`select type from stripe_event where id = ${str(input?.eventId)} and project_id = ${projectId}`,
  ).catch(() => []);
  return event ? eventWords(event.type) : 'was received';
};
type RefundSubject = { order: string; shopper: string | null };
/** The order a refund is about and who paid, in words: 'order “Mug”' (its first text value) and the payer's email. */
const refundSubject = async ({ db, projectId, input }: { db: DbHandle; projectId: number; input: Any }) => {
  const subject: RefundSubject = { order: 'an order', shopper: null };
  try {
    const payment = input?.paymentId
      ? await getRow(db.db, projectId, BACKEND, PAYMENT_TABLE, Number(input.paymentId))
      : (
          await queryRows(db.db, projectId, BACKEND, PAYMENT_TABLE, {
            filters: [{ column: 'order_id', op: 'eq', value: Number(input?.orderId) }],
            sort: [{ column: 'id', direction: 'desc' }],
            limit: 1,
          })
        ).rows[0];
    const orderId = Number(payment?.order_id ?? input?.orderId);
    const table = await orderTableName(db.db, projectId);
    const order = table && orderId ? await getRow(db.db, projectId, BACKEND, table, orderId) : null;
    const label = order
      ? Object.entries(order).find(
          ([key, value]) =>
            typeof value === 'string' &&
            value.trim() !== '' &&
            !/^(id|status|currency|created_at|updated_at)$|_id$|_at$/.test(key),
        )?.[1]
      : undefined;
    subject.order = label ? `order “${label}”` : orderId ? `order ${orderId}` : 'an order';
    if (payment?.payer) {
      const payer = await getRow(db.db, projectId, BACKEND, END_USER_TABLE, Number(payment.payer));
      subject.shopper = payer?.email ? String(payer.email) : null;
    }
  } catch {
    // The refund itself reports a missing payment; the entry falls back to words without the names.
  }
  return subject;
};
const roleWord = (role: string | null) => (role ? ROLE_LABELS[role as keyof typeof ROLE_LABELS] : 'none');

/** The procedures whose successful calls are recorded, and how each is described. */
export const AUDITED: Record<string, Audited> = {
  'project.rename': {
    describe: ({ input, result }) => ({
      area: 'project',
      action: '',
      summary: `Renamed the project to “${str(result?.name)}”`,
      after: { name: result?.name, slug: result?.slug },
      before: input?.before,
    }),
  },
  'dataModel.createTable': {
    describe: ({ input }) => ({
      area: 'schema',
      action: '',
      target: str(input?.name),
      summary: `Created table ${str(input?.name)}`,
      after: { columns: (input?.columns ?? []).map((c: Any) => `${c.name} (${c.type})`) },
    }),
  },
  'dataModel.renameTable': {
    describe: ({ input }) => ({
      area: 'schema',
      action: '',
      target: str(input?.name),
      summary: `Renamed table ${str(input?.table)} to ${str(input?.name)}`,
      before: { name: input?.table },
      after: { name: input?.name },
    }),
  },
  'dataModel.deleteTable': {
    describe: ({ input }) => ({
      area: 'schema',
      action: '',
      target: str(input?.table),
      summary: `Deleted table ${str(input?.table)}`,
      before: { name: input?.table },
    }),
  },
  'dataModel.addColumn': {
    describe: ({ input }) => ({
      area: 'schema',
      action: '',
      target: str(input?.table),
      summary: `Added column ${str(input?.column?.name)} (${str(input?.column?.type)}) to ${str(input?.table)}`,
      after: input?.column,
    }),
  },
  'dataModel.updateColumn': {
    describe: ({ input }) => ({
      area: 'schema',
      action: '',
      target: str(input?.table),
      summary: `Changed column ${str(input?.column)} of ${str(input?.table)}`,
      before: { name: input?.column },
      after: input?.change,
    }),
  },
  'dataModel.removeColumn': {
    describe: ({ input }) => ({
      area: 'schema',
      action: '',
      target: str(input?.table),
      summary: `Removed column ${str(input?.column)} from ${str(input?.table)}`,
      before: { name: input?.column },
    }),
  },
  'dataModel.setOwnerColumn': {
    describe: ({ input }) => ({
      area: 'schema',
      action: '',
      target: str(input?.table),
      summary: input?.column
        ? `Made ${str(input.column)} the owner column of ${str(input?.table)}`
        : `Took the owner column off ${str(input?.table)}`,
      after: { ownerColumn: input?.column ?? null },
    }),
  },
  'dataModel.insertRow': {
    describe: ({ input, result }) => ({
      area: 'data',
      action: '',
      target: str(input?.table),
      summary: `Added row ${result?.id ? `#${result.id} ` : ''}to ${str(input?.table)}`,
      after: { fields: Object.keys(input?.values ?? {}) },
    }),
  },
  'dataModel.updateRow': {
    describe: ({ input }) => ({
      area: 'data',
      action: '',
      target: str(input?.table),
      summary: `Changed row #${str(input?.id)} of ${str(input?.table)} (${Object.keys(input?.values ?? {}).join(', ')})`,
      after: { fields: Object.keys(input?.values ?? {}) },
    }),
  },
  'dataModel.deleteRow': {
    describe: ({ input }) => ({
      area: 'data',
      action: '',
      target: str(input?.table),
      summary: `Deleted row #${str(input?.id)} of ${str(input?.table)}`,
    }),
  },
  'permissions.setTablePermission': {
    describe: ({ input }) => ({
      area: 'permissions',
      action: '',
      target: str(input?.role),
      summary: `${input?.allowed ? 'Allowed' : 'Took away'} ${str(input?.operation)} on ${str(input?.table)} ${input?.allowed ? 'for' : 'from'} role ${str(input?.role)}${input?.allowed && input?.scope === 'own' ? ' (own rows)' : ''}`,
      after: { table: input?.table, operation: input?.operation, allowed: input?.allowed, scope: input?.scope },
    }),
  },
  'permissions.setActionPermission': {
    describe: ({ input }) => ({
      area: 'permissions',
      action: '',
      target: str(input?.role),
      summary: `${input?.allowed ? 'Allowed' : 'Took away'} ${str(input?.action)} ${input?.allowed ? 'for' : 'from'} role ${str(input?.role)}`,
      after: { action: input?.action, allowed: input?.allowed },
    }),
  },
  'permissions.createRole': {
    describe: ({ input }) => ({
      area: 'permissions',
      action: '',
      target: str(input?.name),
      summary: `Created role ${str(input?.name)}`,
    }),
  },
  'permissions.deleteRole': {
    describe: ({ input }) => ({
      area: 'permissions',
      action: '',
      target: str(input?.name),
      summary: `Deleted role ${str(input?.name)}`,
    }),
  },
  'endUsers.create': {
    describe: ({ input }) => ({
      area: 'permissions',
      action: '',
      target: str(input?.email),
      summary: `Added app user ${str(input?.email)}`,
    }),
  },
  'endUsers.setRole': {
    describe: ({ input, result }) => ({
      area: 'permissions',
      action: '',
      target: str(result?.email ?? 'An app user'),
      summary: `Gave app user ${str(result?.email ?? 'an app user')} the role ${str(input?.role)}`,
      after: { role: input?.role },
    }),
  },
  'payments.activate': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    describe: ({ input }) => ({
      area: 'payments',
      action: '',
      target: str(input?.orderTable),
      summary: `Turned on payments with ${str(input?.orderTable)} as the order table`,
    }),
  },
  'payments.saveKeys': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    load: keysMode,
    describe: ({ before, input }) => {
      const after =
        input?.apiBase === 'sandbox' ? 'sandbox' : /^sk_live_/.test(str(input?.secretKey)) ? 'live' : 'test';
      return {
        area: 'keys',
        action: '',
        target: 'Stripe keys',
        summary: `Changed the Stripe keys (${(before as Any)?.keys} → ${after})`,
        before,
        after: { keys: after },
      };
    },
  },
  'payments.saveBranding': {
    describe: ({ input }) => ({
      area: 'payments',
      action: '',
      target: 'Checkout branding',
      summary: 'Changed the checkout branding',
      after: { brandName: input?.brandName, brandSlogan: input?.brandSlogan, logo: input?.brandLogo ? 'set' : 'none' },
    }),
  },
  'payments.saveReturnOrigins': {
    describe: ({ input }) => ({
      area: 'payments',
      action: '',
      target: 'Return addresses',
      summary: 'Changed the return addresses',
      after: { origins: input?.origins },
    }),
  },
  'payments.repairEndpoints': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    describe: () => ({
      area: 'endpoints',
      action: '',
      target: 'Addresses Stripe calls',
      summary: 'Reconnected the addresses Stripe calls',
    }),
  },
  'payments.reconcile': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    describe: ({ result }) => ({
      area: 'payments',
      action: '',
      target: 'Check against Stripe',
      summary: 'Checked against Stripe',
      after: result && typeof result === 'object' ? { checked: result.checked, fixed: result.fixed?.length } : null,
    }),
  },
  'payments.refund': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    load: refundSubject,
    describe: ({ before, input, result }) => {
      const subject = before as RefundSubject;
      return {
        area: 'refunds',
        action: '',
        target: `Refund #${str(result?.refundId)}`,
        summary: `Refunded ${str(result?.refundDisplay)} of the ${str(result?.amountDisplay)} paid for ${subject.order}${subject.shopper ? ` by ${subject.shopper}` : ''}${input?.reason ? ` (${input.reason})` : ''}`,
        before: {
          paid: result?.amountDisplay,
          remaining: formatMinorUnits(
            Number(result?.remaining ?? 0) + Number(result?.refundAmount ?? 0),
            str(result?.currency),
          ),
        },
        after: {
          refunded: result?.refundDisplay,
          remaining: result?.remainingDisplay,
          status: result?.status === 'FAILED' ? 'failed' : 'sent to Stripe',
        },
      };
    },
  },
  'payments.createProduct': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    describe: ({ result }) => ({
      area: 'payments',
      action: '',
      target: str(result?.name),
      summary: `Added product ${str(result?.name)}${result?.prices?.[0] ? ` at ${result.prices[0].display}` : ''}`,
      after: { prices: (result?.prices ?? []).map((p: Any) => p.display) },
    }),
  },
  'payments.addPrice': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    load: catalogNames,
    describe: ({ before, input, result }) => ({
      area: 'payments',
      action: '',
      target: productName(before, input?.productId),
      summary: `Added the price ${str(result?.display)} to ${productName(before, input?.productId)}`,
      after: { price: result?.display },
    }),
  },
  'payments.archiveProduct': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    load: catalogNames,
    describe: ({ before, input }) => ({
      area: 'payments',
      action: '',
      target: productName(before, input?.productId),
      summary: `Archived product ${productName(before, input?.productId)}`,
    }),
  },
  'payments.archivePrice': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    load: catalogNames,
    describe: ({ before, input }) => {
      const price = (before as CatalogNames | undefined)?.prices.get(str(input?.priceId));
      return {
        area: 'payments',
        action: '',
        target: price?.product ?? 'A price',
        summary: price ? `Archived the price ${price.display} of ${price.product}` : 'Archived a price',
      };
    },
  },
  'payments.createCoupon': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    describe: ({ input, result }) => ({
      area: 'payments',
      action: '',
      target: str(result?.name ?? result?.offDisplay),
      summary: `Created discount ${str(result?.name ?? result?.offDisplay)} (${str(result?.offDisplay)}, ${str(result?.durationDisplay)})${input?.code ? ` with code ${str(input.code)}` : ''}`,
      after: { off: result?.offDisplay, duration: result?.durationDisplay, code: input?.code ?? null },
    }),
  },
  'payments.addPromotionCode': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    load: couponNames,
    describe: ({ before, input }) => ({
      area: 'payments',
      action: '',
      target: couponName(before, input?.couponId),
      summary: `Added the code ${str(input?.code)} to discount ${couponName(before, input?.couponId)}`,
    }),
  },
  'payments.deleteCoupon': {
    external: 'the change is made at Stripe, which a database rollback cannot undo',
    load: couponNames,
    describe: ({ before, input }) => ({
      area: 'payments',
      action: '',
      target: couponName(before, input?.couponId),
      summary: `Deleted discount ${couponName(before, input?.couponId)}`,
    }),
  },
  'payments.saveOrderBinding': {
    describe: ({ input }) => ({
      area: 'payments',
      action: '',
      target: 'What orders cost',
      summary: `Changed what orders cost (amount: ${input?.amountColumn ?? 'unchanged'}, currency: ${input?.currencyColumn ?? input?.currency ?? 'unchanged'})`,
      after: {
        amountColumn: input?.amountColumn ?? null,
        currencyColumn: input?.currencyColumn ?? null,
        currency: input?.currency ?? null,
      },
    }),
  },
  'apiKeys.create': {
    describe: ({ input }) => ({
      area: 'keys',
      action: '',
      target: str(input?.name),
      summary: `Made API key “${str(input?.name)}”`,
    }),
  },
  'apiKeys.revoke': {
    load: async ({ db, projectId, input }) =>
      (await listApiKeys(db, projectId)).find((k) => k.id === Number(input?.id))?.name ?? 'an API key',
    describe: ({ before }) => ({
      area: 'keys',
      action: '',
      target: str(before),
      summary: `Revoked API key “${str(before)}”`,
    }),
  },
  'flows.publish': {
    load: flowName,
    describe: ({ before, result }) => ({
      area: 'flows',
      action: '',
      target: str(before),
      summary: `Published ${str(before)} (version ${str(result?.version)})`,
      after: { version: result?.version },
    }),
  },
  'flows.requestReview': {
    describe: ({ input, result }) => ({
      area: 'flows',
      action: '',
      target: str(result?.flowName),
      summary: `Asked for a review of ${str(result?.flowName)} before it goes live${input?.note ? ` (“${str(input.note)}”)` : ''}`,
    }),
  },
  'flows.approveReview': {
    describe: ({ result }) => ({
      area: 'flows',
      action: '',
      target: str(result?.flowName),
      summary: `Approved ${str(result?.requestedBy)}’s change to ${str(result?.flowName)} and published it (version ${str(result?.version)})`,
      after: { version: result?.version },
    }),
  },
  'flows.rejectReview': {
    describe: ({ input, result }) => ({
      area: 'flows',
      action: '',
      target: str(result?.flowName),
      summary: `${result?.status === 'withdrawn' ? 'Withdrew the review request' : 'Turned down the review request'} for ${str(result?.flowName)}${input?.note ? ` (“${str(input.note)}”)` : ''}`,
    }),
  },
  'members.setPublishReview': {
    describe: ({ input }) => ({
      area: 'members',
      action: '',
      target: 'Review before publish',
      summary: input?.on
        ? 'Turned on: payment automations go live only once a second member approves'
        : 'Turned off review before publishing payment automations',
      after: { reviewPaymentPublish: Boolean(input?.on) },
    }),
  },
  'flows.rollback': {
    load: flowName,
    describe: ({ before, result }) => ({
      area: 'flows',
      action: '',
      target: str(before),
      summary: `Rolled ${str(before)} back to version ${str(result?.restored)} (now version ${str(result?.version)})`,
      before: { version: result?.restored },
      after: { version: result?.version },
    }),
  },
  'flows.create': {
    describe: ({ input }) => ({
      area: 'flows',
      action: '',
      target: str(input?.name),
      summary: `Created automation ${str(input?.name)}`,
    }),
  },
  'flows.delete': {
    load: flowName,
    describe: ({ before }) => ({ area: 'flows', action: '', target: str(before), summary: `Deleted ${str(before)}` }),
  },
  'flows.retryRun': {
    load: runSubject,
    describe: ({ before }) => {
      const run = before as { flow: string; status: string };
      return {
        area: 'flows',
        action: '',
        target: run.flow,
        summary: `Retried a failed run of ${run.flow}`,
        before: { status: run.status },
        after: { status: 'queued' },
      };
    },
  },
  'events.replay': {
    load: eventSubject,
    describe: ({ before, result }) => {
      const what = str(before);
      const runs = Array.isArray(result?.runIds) ? result.runIds.length : 0;
      return {
        area: 'flows',
        action: '',
        target: 'Message from Stripe',
        summary: `Replayed the message from Stripe that ${what} (${runs === 1 ? '1 automation' : `${runs} automations`} started again)`,
        after: { runsStarted: runs },
      };
    },
  },
  'events.saveAlertSettings': {
    describe: ({ input }) => ({
      area: 'project',
      action: '',
      target: 'Alerts',
      summary: `Changed operations alerts (email ${input?.email ? 'on' : 'off'})`,
      after: input,
    }),
  },
  'pages.publish': {
    load: pageTitle,
    describe: ({ before }) => ({
      area: 'pages',
      action: '',
      target: str(before),
      summary: `Published page ${str(before)}`,
    }),
  },
  'pages.rollback': {
    load: pageTitle,
    describe: ({ before, input }) => ({
      area: 'pages',
      action: '',
      target: str(before),
      summary: `Rolled page ${str(before)} back to version ${str(input?.version)}`,
      after: { version: input?.version },
    }),
  },
  'pages.create': {
    describe: ({ input }) => ({
      area: 'pages',
      action: '',
      target: str(input?.title),
      summary: `Created page ${str(input?.title)}`,
    }),
  },
  'pages.rename': {
    load: pageTitle,
    describe: ({ before, input }) => ({
      area: 'pages',
      action: '',
      target: str(input?.title),
      summary: `Renamed page ${str(before)} to ${str(input?.title)}`,
      before: { title: before },
      after: { title: input?.title },
    }),
  },
  'pages.duplicate': {
    load: pageTitle,
    describe: ({ before }) => ({
      area: 'pages',
      action: '',
      target: str(before),
      summary: `Duplicated page ${str(before)}`,
    }),
  },
  'pages.setHome': {
    load: pageTitle,
    describe: ({ before }) => ({
      area: 'pages',
      action: '',
      target: str(before),
      summary: `Made ${str(before)} the app’s home page`,
    }),
  },
  'pages.delete': {
    load: pageTitle,
    describe: ({ before }) => ({
      area: 'pages',
      action: '',
      target: str(before),
      summary: `Deleted page ${str(before)}`,
    }),
  },
  'appSettings.save': {
    describe: () => ({ area: 'pages', action: '', target: 'App', summary: 'Changed the app’s title and catalog' }),
  },
  'mailbox.saveSettings': {
    describe: ({ input }) => ({
      area: 'mail',
      action: '',
      target: 'Mail settings',
      summary: `Changed the mail settings (server ${str(input?.settings?.host)})`,
      after: { host: input?.settings?.host, from: input?.settings?.from },
    }),
  },
  'mailbox.deleteSettings': {
    describe: () => ({ area: 'mail', action: '', target: 'Mail settings', summary: 'Removed the mail settings' }),
  },
  'mailbox.clear': {
    describe: () => ({ area: 'mail', action: '', target: 'Mailbox', summary: 'Emptied the mailbox' }),
  },
  'members.setRole': {
    describe: memberChange((c) => `Changed ${c.name}’s role from ${roleWord(c.before)} to ${roleWord(c.after)}`),
  },
  'members.remove': { describe: memberChange((c) => `Removed ${c.name} (${roleWord(c.before)})`) },
  'members.leave': { describe: memberChange((c) => `${c.name} left the project`) },
  'members.transferOwnership': {
    describe: ({ result }) => {
      const [to, from] = result as MemberChange[];
      return {
        area: 'members',
        action: '',
        target: to.email,
        summary: `Handed the project over to ${to.name} (${from.name} is now an editor)`,
        before: { owner: from.email },
        after: { owner: to.email },
      };
    },
  },
  'members.invite': {
    describe: ({ input }) => ({
      area: 'members',
      action: '',
      target: str(input?.email),
      summary: `Invited ${str(input?.email)} as ${roleWord(input?.role)}`,
      after: { role: input?.role },
    }),
  },
  'members.revokeInvitation': {
    describe: ({ result }) => ({
      area: 'members',
      action: '',
      target: str(result?.email),
      summary: `Withdrew the invitation of ${str(result?.email)}`,
    }),
  },
};
