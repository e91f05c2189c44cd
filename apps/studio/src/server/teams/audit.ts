import { type AuditEvent, auditEvents, type DbHandle, type Executor } from '@tillflow/db';
import { loadPaymentSettings } from '@tillflow/payments';
import { getProjectFlow } from '@tillflow/runtime';
import { and, desc, eq, ilike, lt, or, type SQL } from 'drizzle-orm';
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
  load?: (args: { db: DbHandle; projectId: number; input: Any }) => Promise<unknown>;
  describe: (args: AuditContext) => AuditEntry | null;
}

const str = (value: unknown) => String(value ?? '');
const keysMode = async ({ db, projectId }: { db: DbHandle; projectId: number }) => ({
  keys: (await loadPaymentSettings(db.db, projectId))?.mode ?? 'sandbox',
});
const flowName = async ({ db, projectId, input }: { db: DbHandle; projectId: number; input: Any }) => {
  try {
    return (await getProjectFlow(db.db, projectId, str(input?.flowId))).name;
  } catch {
    return 'an automation';
  }
};
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
    describe: ({ input }) => ({
      area: 'permissions',
      action: '',
      target: `App user #${str(input?.userId)}`,
      summary: `Gave app user #${str(input?.userId)} the role ${str(input?.role)}`,
      after: { role: input?.role },
    }),
  },
  'payments.activate': {
    describe: ({ input }) => ({
      area: 'payments',
      action: '',
      target: str(input?.orderTable),
      summary: `Turned on payments with ${str(input?.orderTable)} as the order table`,
    }),
  },
  'payments.saveKeys': {
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
    describe: () => ({
      area: 'endpoints',
      action: '',
      target: 'Webhook endpoints',
      summary: 'Repaired the webhook endpoints',
    }),
  },
  'payments.reconcile': {
    describe: ({ result }) => ({
      area: 'payments',
      action: '',
      target: 'Check against Stripe',
      summary: 'Checked against Stripe',
      after: result && typeof result === 'object' ? { checked: result.checked, fixed: result.fixed?.length } : null,
    }),
  },
  'payments.refund': {
    describe: ({ input, result }) => ({
      area: 'refunds',
      action: '',
      target: `Refund #${str(result?.refundId)}`,
      summary: `Refunded ${str(result?.refundDisplay)} of ${input?.paymentId ? `payment #${input.paymentId}` : `order #${str(input?.orderId)}`}${input?.reason ? ` (${input.reason})` : ''}`,
      after: { amount: result?.refundAmount, status: result?.status },
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
    describe: ({ input }) => ({
      area: 'keys',
      action: '',
      target: `API key #${str(input?.id)}`,
      summary: `Revoked API key #${str(input?.id)}`,
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
    describe: ({ input }) => ({
      area: 'flows',
      action: '',
      target: `Run ${str(input?.runId).slice(0, 8)}`,
      summary: 'Retried a failed run',
    }),
  },
  'events.replay': {
    describe: () => ({ area: 'flows', action: '', target: 'Event', summary: 'Replayed a webhook event' }),
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
    describe: ({ input }) => ({
      area: 'pages',
      action: '',
      target: `Page #${str(input?.pageId)}`,
      summary: `Published page #${str(input?.pageId)}`,
    }),
  },
  'pages.rollback': {
    describe: ({ input }) => ({
      area: 'pages',
      action: '',
      target: `Page #${str(input?.pageId)}`,
      summary: `Rolled page #${str(input?.pageId)} back to version ${str(input?.version)}`,
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
  'pages.delete': {
    describe: ({ input }) => ({
      area: 'pages',
      action: '',
      target: `Page #${str(input?.pageId)}`,
      summary: `Deleted page #${str(input?.pageId)}`,
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
