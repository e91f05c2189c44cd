// Who may call what: the one policy table for the studio's tRPC procedures and the REST routes, read by the
// tRPC middleware (server/api/trpc.ts: projectProcedure / protectedProcedure) and the REST handler
// (server/rest/handler.ts). A procedure without an entry is refused for everybody (and fails
// test/teams-policy.test.ts, which calls every procedure of the router as every role).

import { MEMBER_ROLES, type MemberRole, ROLE_DESCRIPTIONS, ROLE_LABELS } from '../../lib/member-roles';

export { MEMBER_ROLES, type MemberRole, ROLE_DESCRIPTIONS, ROLE_LABELS };

/**
 * Access levels. Roles are not a ladder (finance may refund, an editor may not; an editor may publish, finance
 * may not), so each level lists the roles it admits. `signedIn`: any signed-in builder, no project needed.
 */
export const ACCESS = {
  signedIn: [] as readonly MemberRole[],
  view: ['owner', 'editor', 'finance', 'viewer'],
  build: ['owner', 'editor'],
  money: ['owner', 'finance'],
  owner: ['owner'],
} as const satisfies Record<string, readonly MemberRole[]>;
export type Access = keyof typeof ACCESS;

/** Every tRPC procedure of the studio router (`router.procedure`) → its access level. */
export const PROCEDURE_POLICY: Record<string, Access> = {
  // Projects
  'project.list': 'signedIn',
  'project.create': 'signedIn',
  'project.get': 'view',
  'project.setupGuide': 'view',
  'project.rename': 'owner',
  'project.delete': 'owner',
  // Members, invitations, activity, sessions (teams)
  'members.list': 'view',
  'members.setRole': 'owner',
  'members.remove': 'owner',
  'members.transferOwnership': 'owner',
  'members.leave': 'view',
  'members.invitations': 'owner',
  'members.invite': 'owner',
  'members.revokeInvitation': 'owner',
  'members.setPublishReview': 'owner',
  'invitations.peek': 'signedIn',
  'invitations.accept': 'signedIn',
  'activity.list': 'view',
  'activity.refundIssuers': 'view',
  'sessions.list': 'signedIn',
  'sessions.revoke': 'signedIn',
  // Data model, rows, roles and permissions, end users
  'dataModel.listTables': 'view',
  'dataModel.getTable': 'view',
  'dataModel.queryRows': 'view',
  'dataModel.getRow': 'view',
  'dataModel.createTable': 'build',
  'dataModel.renameTable': 'build',
  'dataModel.deleteTable': 'build',
  'dataModel.addColumn': 'build',
  'dataModel.updateColumn': 'build',
  'dataModel.removeColumn': 'build',
  'dataModel.setOwnerColumn': 'build',
  'dataModel.insertRow': 'build',
  'dataModel.updateRow': 'build',
  'dataModel.deleteRow': 'build',
  'permissions.matrix': 'view',
  'permissions.setTablePermission': 'build',
  'permissions.setActionPermission': 'build',
  'permissions.createRole': 'build',
  'permissions.deleteRole': 'build',
  'endUsers.list': 'view',
  'endUsers.create': 'build',
  'endUsers.setRole': 'build',
  // Payments: settings and keys are the owner's; money moves are finance's
  'payments.settings': 'view',
  'payments.activate': 'owner',
  'payments.saveKeys': 'owner',
  'payments.saveBranding': 'build',
  'payments.saveReturnOrigins': 'owner',
  'payments.rows': 'view',
  'payments.totals': 'view',
  'payments.revenue': 'view',
  'payments.endpoints': 'view',
  'payments.repairEndpoints': 'money',
  'payments.reconcile': 'money',
  'payments.refundable': 'view',
  'payments.refund': 'money',
  'payments.lastCheck': 'view',
  // Products, prices and coupons: the shop's setup, like the data model
  'payments.catalog': 'view',
  'payments.orderBinding': 'view',
  'payments.saveOrderBinding': 'build',
  'payments.coupons': 'view',
  'payments.createProduct': 'build',
  'payments.addPrice': 'build',
  'payments.archiveProduct': 'build',
  'payments.archivePrice': 'build',
  'payments.createCoupon': 'build',
  'payments.addPromotionCode': 'build',
  'payments.deleteCoupon': 'build',
  'apiKeys.list': 'owner',
  'apiKeys.create': 'owner',
  'apiKeys.revoke': 'owner',
  // Automations
  'flows.list': 'view',
  'flows.get': 'view',
  // Canvas presence (server/teams/presence.ts): anyone who may open a flow may say they have it open.
  'flows.present': 'view',
  'flows.presence': 'view',
  'flows.leaveCanvas': 'view',
  'flows.versions': 'view',
  'flows.templates': 'view',
  'flows.sampleEvent': 'view',
  'flows.runs': 'view',
  'flows.run': 'view',
  'flows.saveDraft': 'build',
  'flows.publish': 'build',
  // Review before publish: asking, approving (never one's own request) and turning down are build work.
  'flows.review': 'view',
  'flows.requestReview': 'build',
  'flows.approveReview': 'build',
  'flows.rejectReview': 'build',
  'flows.rollback': 'build',
  'flows.create': 'build',
  'flows.delete': 'build',
  'flows.testRun': 'build',
  'flows.retryRun': 'build',
  // Pages and the generated app's settings
  'pages.list': 'view',
  'pages.get': 'view',
  'pages.versions': 'view',
  'pages.preview': 'view',
  'pages.create': 'build',
  'pages.saveDraft': 'build',
  'pages.publish': 'build',
  'pages.rollback': 'build',
  'pages.rename': 'build',
  'pages.duplicate': 'build',
  'pages.delete': 'build',
  'pages.setHome': 'build',
  'appSettings.get': 'view',
  'appSettings.previewCatalog': 'view',
  'appSettings.save': 'build',
  // Events, operations, live tables, mail
  'events.list': 'view',
  'events.operations': 'view',
  'events.replay': 'build',
  'events.saveAlertSettings': 'owner',
  'realtime.changes': 'view',
  'mailbox.list': 'view',
  'mailbox.get': 'view',
  'mailbox.getSettings': 'view',
  'mailbox.sendTest': 'build',
  'mailbox.clear': 'owner',
  'mailbox.saveSettings': 'owner',
  'mailbox.deleteSettings': 'owner',
};

/** Who can call a REST route (`/api/v1/<slug>/...`): REST takes credentials, never a member's studio session. */
export type RestCaller = 'apiKey' | 'endUser';
export const REST_POLICY: Record<string, readonly RestCaller[]> = {
  // Reads go through the data-access layer as the caller (an end user sees what their role may read).
  'GET orders': ['apiKey', 'endUser'],
  'GET orders/:id': ['apiKey', 'endUser'],
  'GET payments': ['apiKey', 'endUser'],
  'GET payments/:id': ['apiKey', 'endUser'],
  'GET refunds': ['apiKey', 'endUser'],
  'GET refunds/:id': ['apiKey', 'endUser'],
  'GET subscriptions': ['apiKey', 'endUser'],
  'GET subscriptions/:id': ['apiKey', 'endUser'],
  'POST payments': ['apiKey', 'endUser'],
  'POST refunds': ['apiKey', 'endUser'],
  'POST subscriptions': ['apiKey', 'endUser'],
  'POST subscriptions/:id/cancel': ['apiKey', 'endUser'],
  'POST subscriptions/:id/amount': ['apiKey', 'endUser'],
  // An actionflow with the "A button on one of your pages" trigger runs as the signed-in end user (their role must
  // be one the flow lists): an API key has no user to run as.
  'POST flows/:id/call': ['endUser'],
  // Checking against Stripe runs for the whole project: the shop's backend only.
  'POST reconcile': ['apiKey'],
};

/** The REST route key of a request path after the slug (`['subscriptions', '12', 'cancel']` → `subscriptions/:id/cancel`). */
export function restRouteKey(method: string, rest: string[]): string {
  const [resource, id, verb] = rest;
  return [method, [resource, id === undefined ? undefined : ':id', verb].filter((p) => p !== undefined).join('/')].join(
    ' ',
  );
}

export function accessOf(path: string): Access | undefined {
  return Object.hasOwn(PROCEDURE_POLICY, path) ? PROCEDURE_POLICY[path] : undefined;
}

/** May a member with this role call this procedure? Unknown procedures: nobody. */
export function roleMayCall(path: string, role: MemberRole): boolean {
  const access = accessOf(path);
  if (!access || access === 'signedIn') return false;
  return (ACCESS[access] as readonly MemberRole[]).includes(role);
}

export function isMemberRole(value: unknown): value is MemberRole {
  return typeof value === 'string' && (MEMBER_ROLES as readonly string[]).includes(value);
}

/** What a refused member reads: who may do it, in words. */
export function deniedMessage(path: string, role: MemberRole): string {
  const access = accessOf(path);
  const who =
    access === 'owner'
      ? 'Only the project’s owners can do this.'
      : access === 'build'
        ? 'Only owners and editors can change this.'
        : access === 'money'
          ? 'Only owners and finance members can do this.'
          : 'This is not available to your role.';
  return `${who} Your role here is ${ROLE_LABELS[role]}; an owner can change it under Members.`;
}
