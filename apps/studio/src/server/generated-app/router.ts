import { publicOrigin, setting, TillflowError } from '@tillflow/core';
import { type Actor, checkActionPermission, getRow } from '@tillflow/data-model';
import {
  cancelRecurringAction,
  changePlanAction,
  loadPaymentSettings,
  portalSessionAction,
  refundAction,
  refundInput,
  refuseChargeFields,
  toPublicSettings,
} from '@tillflow/payments';
import { getChangeHub } from '@tillflow/realtime';
import { z } from 'zod';
import { trackedChanges } from '../api/tracked-changes';
import { createTRPCRouter } from '../api/trpc';
import { clientAddress } from '../http/client-address';
import { runPageAction, runPageActionInput } from '../pages/actions';
import { mayOpen, renderPage } from '../pages/render';
import { findPublishedPage } from '../pages/store';
import { actorFromToken, credentialsInput, sessionCookie, signInEndUser, signOutEndUser, signUpEndUser } from './auth';
import { listCatalog, loadAppSettings } from './catalog';
import { buyItem, myOrders, mySubscriptions, paymentsForAdmin, payOrderAgain } from './orders';
import { appProcedure, endUserProcedure } from './procedure';

/** Where Checkout sends the buyer back: the studio's public origin, never one a request names. */
function appUrl(slug: string, page: string): string {
  return `${publicOrigin()}/app/${slug}/${page}`;
}

function setCookie(resHeaders: Headers | undefined, value: string) {
  // Outside the app's own endpoint (e.g. the studio's /api/trpc) the cookie could not be scoped to the app.
  if (!resHeaders) throw new TillflowError('VALIDATION', 'Sign in through the app at /app/<slug>.');
  resHeaders.append('set-cookie', value);
}

const sameActor = (a: Actor, b: Actor) =>
  a.kind === b.kind && (a.kind !== 'endUser' || (b.kind === 'endUser' && a.userId === b.userId && a.role === b.role));

/** How often a live stream re-checks its session (TILLFLOW_REALTIME_REVALIDATE_MS, default a minute). */
const revalidateMs = () => setting('TILLFLOW_REALTIME_REVALIDATE_MS');

// The generated app's end-user API, served only at /app/:projectSlug/api/trpc (see http.ts). Its procedures
// never look at builder sessions; the studio's App settings live in api/routers/app-settings.ts.
export const generatedAppRouter = createTRPCRouter({
  info: appProcedure.query(async ({ ctx }) => {
    const settings = await loadAppSettings(ctx.db.db, ctx.project.id);
    const payments = toPublicSettings(await loadPaymentSettings(ctx.db.db, ctx.project.id));
    let me: { id: number; email: string; role: string } | null = null;
    if (ctx.actor.kind === 'endUser') {
      const row = await getRow(ctx.db.db, ctx.project.id, { kind: 'backend' }, 'end_user', ctx.actor.userId);
      if (row) me = { id: row.id, email: String(row.email), role: String(row.role) };
    }
    // "My subscriptions" is shown only to shops that sell something recurring (asks Stripe only when prices are listed).
    const sellsSubscriptions = settings.catalog.priceIds?.length
      ? (await listCatalog(ctx.services, ctx.project.id).catch(() => [])).some((item) => item.recurring)
      : false;
    const can = async (action: string) =>
      ctx.actor.kind !== 'anonymous' && (await checkActionPermission(ctx.db.db, ctx.project.id, ctx.actor, action));
    return {
      project: { name: ctx.project.name, slug: ctx.project.slug },
      title: settings.title ?? ctx.project.name,
      me,
      sellsSubscriptions,
      payments: {
        activated: payments.activatedAt !== null,
        usesSandbox: payments.usesSandbox,
        // Public by design: Stripe.js (or the sandbox's stand-in) needs it for the embedded card form.
        publishableKey: payments.publishableKey,
        stripeJsUrl: payments.stripeJsUrl,
        brandName: payments.brandName,
        brandLogo: payments.brandLogo,
        brandSlogan: payments.brandSlogan,
      },
      can: {
        pay: await can('stripe.payment'),
        recurring: await can('stripe.recurring'),
        refund: await can('stripe.refund'),
      },
    };
  }),

  signUp: appProcedure.input(credentialsInput).mutation(async ({ ctx, input }) => {
    const session = await signUpEndUser(ctx.db, ctx.project.id, input, clientAddress(ctx.headers));
    setCookie(ctx.resHeaders, sessionCookie(ctx.project.slug, session));
    return { user: session.user };
  }),

  signIn: appProcedure
    .input(z.object({ email: z.string().max(320), password: z.string().max(200) }))
    .mutation(async ({ ctx, input }) => {
      const session = await signInEndUser(ctx.db, ctx.project.id, input, clientAddress(ctx.headers));
      setCookie(ctx.resHeaders, sessionCookie(ctx.project.slug, session));
      return { user: session.user };
    }),

  signOut: appProcedure.mutation(async ({ ctx }) => {
    await signOutEndUser(ctx.db, ctx.project.id, ctx.sessionToken);
    ctx.resHeaders?.append('set-cookie', sessionCookie(ctx.project.slug, null));
    return { ok: true };
  }),

  /**
   * A builder-made page at this address, rendered for the caller (bindings evaluated and rows read here, as
   * them); `missing` when no live page answers, `sign_in`/`forbidden` when its access says so.
   */
  page: appProcedure
    .input(
      z.object({
        path: z.string().max(500),
        /** Which page of each data list to show: block id → the `nextCursor` the list gave. */
        cursors: z.record(z.string().max(100), z.string().max(2000)).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const found = await findPublishedPage(ctx.db.db, ctx.project.id, input.path);
      if (!found) return { status: 'missing' as const };
      const access = mayOpen(found.definition, ctx.actor);
      if (access !== 'ok') return { status: access, title: found.definition.title };
      const view = await renderPage(
        ctx.db,
        ctx.project,
        ctx.actor,
        found.definition,
        found.params,
        input.path,
        input.cursors ?? {},
      );
      return { status: 'ok' as const, pageId: found.pageId, version: found.version, view };
    }),

  /** Runs a button's or form's actions on the server as the caller (see server/pages/actions.ts). */
  runAction: appProcedure
    .input(runPageActionInput)
    .mutation(({ ctx, input }) => runPageAction(ctx.services, ctx.project, ctx.actor, input)),

  catalog: appProcedure.query(({ ctx }) => listCatalog(ctx.services, ctx.project.id)),

  buy: endUserProcedure
    .input(
      z
        .object({
          /** One item (with its quantity), or `items` for several in one checkout. */
          itemKey: z.string().min(1).max(300).optional(),
          quantity: z.number().int().min(1).max(99).default(1),
          items: z
            .array(
              z.object({ itemKey: z.string().min(1).max(300), quantity: z.number().int().min(1).max(99).default(1) }),
            )
            .min(1)
            .max(20)
            .optional(),
          method: z.enum(['checkout', 'payment_intent']).default('checkout'),
        })
        .passthrough()
        .refine((i) => Boolean(i.itemKey) !== Boolean(i.items), {
          message: 'Name one item with itemKey, or several with items.',
          path: ['itemKey'],
        }),
    )
    .mutation(({ ctx, input }) => {
      // What is charged comes from the shop's catalog, never the buyer's request (payments' one rule).
      refuseChargeFields(ctx.actor, input, 'item');
      const lines = input.items ?? [{ itemKey: input.itemKey as string, quantity: input.quantity }];
      return buyItem(ctx.services, ctx.project.id, ctx.actor, {
        lines,
        method: input.method,
        returnUrl: (kind) => appUrl(ctx.project.slug, kind === 'subscription' ? 'subscriptions' : 'orders'),
      });
    }),

  /** "Try again" after a decline: a new checkout for the same order, at what the shop charged before. */
  payAgain: endUserProcedure.input(z.object({ orderId: z.number().int().positive() })).mutation(({ ctx, input }) =>
    payOrderAgain(ctx.services, ctx.project.id, ctx.actor, {
      orderId: input.orderId,
      returnUrl: appUrl(ctx.project.slug, 'orders'),
    }),
  ),

  myOrders: endUserProcedure.query(({ ctx }) => myOrders(ctx.db, ctx.project.id, ctx.actor)),

  mySubscriptions: endUserProcedure.query(({ ctx }) => mySubscriptions(ctx.db, ctx.project.id, ctx.actor)),

  cancelSubscription: endUserProcedure
    .input(z.object({ recurringPaymentId: z.number().int().positive(), atPeriodEnd: z.boolean() }))
    .mutation(({ ctx, input }) =>
      cancelRecurringAction(ctx.services, ctx.project.id, ctx.actor, {
        recurringPaymentId: input.recurringPaymentId,
        atPeriodEnd: input.atPeriodEnd,
      }),
    ),

  /** A switch to another offered plan: without `confirm` only what it would charge now (the proration). */
  changePlan: endUserProcedure
    .input(
      z.object({
        recurringPaymentId: z.number().int().positive(),
        plan: z.string().min(1).max(200),
        confirm: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => changePlanAction(ctx.services, ctx.project.id, ctx.actor, input)),

  /** "Manage subscription": Stripe's customer portal, coming back to My subscriptions. */
  manageSubscription: endUserProcedure.mutation(({ ctx }) =>
    portalSessionAction(ctx.services, ctx.project.id, ctx.actor, {
      returnUrl: appUrl(ctx.project.slug, 'subscriptions'),
    }),
  ),

  adminPayments: endUserProcedure.query(({ ctx }) => paymentsForAdmin(ctx.db, ctx.project.id, ctx.actor)),

  // The same input as REST: the payment by our id or Stripe's (pi_…), no amount for all that remains.
  refund: endUserProcedure
    .input(refundInput)
    .mutation(({ ctx, input }) => refundAction(ctx.services, ctx.project.id, ctx.actor, input)),

  /**
   * Live changes to the project's tables as this caller may read them. Each
   * event's id is its change-log position: httpSubscriptionLink sends it back
   * as lastEventId on reconnect, and the missed changes are replayed.
   */
  changes: appProcedure
    .input(
      z.object({
        tables: z.array(z.string().max(100)).max(20).optional(),
        lastEventId: z.string().regex(/^\d+$/).nullish(),
      }),
    )
    .subscription(({ ctx, input, signal }) => {
      const hub = getChangeHub(ctx.db);
      const events = hub.subscribe({
        project: { id: ctx.project.id, schemaName: ctx.project.schemaName },
        actor: ctx.actor,
        tables: input.tables,
        after: input.lastEventId ? Number(input.lastEventId) : null,
        signal,
        // Signed out, expired or given another role since subscribing: the stream closes and the client
        // reconnects as whoever it is now.
        stillValid: async () => sameActor(await actorFromToken(ctx.db, ctx.project.id, ctx.sessionToken), ctx.actor),
        revalidateMs: revalidateMs(),
      });
      return trackedChanges(events);
    }),
});
