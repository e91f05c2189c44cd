import { type Filter, listTables, queryRows } from '@tillflow/data-model';
import {
  activatePayments,
  checkAgainstStripe,
  endpointHealth,
  ensureSystemEndpoints,
  lastCheckReport,
  loadPaymentSettings,
  PAYMENT_TABLE,
  paymentTotals,
  RECURRING_PAYMENT_TABLE,
  REFUND_TABLE,
  refundableAmount,
  refundFromStudio,
  revenueByDay,
  saveBranding,
  saveReturnOrigins,
  saveStripeKeys,
  toPublicSettings,
} from '@tillflow/payments';
import { z } from 'zod';
import { createTRPCRouter, projectProcedure } from '../trpc';

const BUILDER = { kind: 'builder' } as const;

export const paymentsRouter = createTRPCRouter({
  /** Settings as the browser may see them: the secret key only masked. */
  settings: projectProcedure.query(async ({ ctx }) => {
    const settings = toPublicSettings(await loadPaymentSettings(ctx.db.db, ctx.project.id));
    const tables = await listTables(ctx.db.db, ctx.project.id);
    const orderTable = tables.find((t) => t.id === settings.orderTableId)?.name ?? null;
    return {
      ...settings,
      orderTable,
      bindableTables: tables.filter((t) => !t.isSystem).map((t) => t.name),
    };
  }),

  activate: projectProcedure
    .input(
      z.object({
        orderTable: z.string().min(1, 'Pick the order table.'),
        confirmPermanent: z.boolean(),
        setupDefaults: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) => activatePayments(ctx.db, ctx.project.id, input)),

  saveKeys: projectProcedure
    .input(
      z.object({
        publishableKey: z.string(),
        secretKey: z.string(),
        apiBase: z.enum(['stripe', 'sandbox']).default('stripe'),
      }),
    )
    .mutation(({ ctx, input }) => saveStripeKeys(ctx.db, ctx.project.id, input)),

  saveBranding: projectProcedure
    .input(
      z.object({
        brandName: z.string().nullable(),
        brandSlogan: z.string().nullable(),
        brandLogo: z.string().nullable(),
      }),
    )
    .mutation(({ ctx, input }) => saveBranding(ctx.db, ctx.project.id, input)),

  /** Sites besides the studio's own that Checkout may send buyers back to. */
  saveReturnOrigins: projectProcedure
    .input(z.object({ origins: z.array(z.string()) }))
    .mutation(({ ctx, input }) => saveReturnOrigins(ctx.db, ctx.project.id, input)),

  /** The dashboard's tables: newest first, keyset-paginated through the data-access layer. */
  /** The dashboard's tables, newest first, 50 a page (`cursor` = the previous page's nextCursor). */
  rows: projectProcedure
    .input(
      z.object({
        table: z.enum([PAYMENT_TABLE, REFUND_TABLE, RECURRING_PAYMENT_TABLE]),
        status: z.string().max(40).optional(),
        currency: z
          .string()
          .trim()
          .regex(/^[A-Za-z]{3}$/, 'A currency is a three-letter code such as usd.')
          .optional(),
        /** The order (payments, subscriptions) or payment (refunds) the rows belong to. */
        parentId: z.number().int().positive().optional(),
        cursor: z.string().nullish(),
      }),
    )
    .query(({ ctx, input }) => {
      const filters: Filter[] = [];
      if (input.status) filters.push({ column: 'status', op: 'eq', value: input.status });
      if (input.currency) filters.push({ column: 'currency', op: 'eq', value: input.currency.toLowerCase() });
      if (input.parentId)
        filters.push({
          column: input.table === REFUND_TABLE ? 'payment_id' : 'order_id',
          op: 'eq',
          value: input.parentId,
        });
      return queryRows(ctx.db.db, ctx.project.id, BUILDER, input.table, {
        filters,
        sort: [{ column: 'id', direction: 'desc' }],
        limit: 50,
        after: input.cursor ?? null,
      });
    }),

  totals: projectProcedure.query(({ ctx }) => paymentTotals(ctx.db.db, ctx.project.id)),
  revenue: projectProcedure
    .input(z.object({ days: z.number().int().min(1).max(365).default(30) }))
    .query(({ ctx, input }) => revenueByDay(ctx.db.db, ctx.project.id, input.days)),

  endpoints: projectProcedure.query(({ ctx }) => endpointHealth(ctx.db, ctx.project.id)),
  /** Re-registers endpoints deleted or edited in Stripe; reuses the rest. */
  repairEndpoints: projectProcedure.mutation(({ ctx }) => ensureSystemEndpoints(ctx.db, ctx.project.id)),
  /** "Check against Stripe": missed events fetched and run, every non-final row compared and repaired. */
  reconcile: projectProcedure.mutation(({ ctx }) => checkAgainstStripe(ctx.db, ctx.project.id)),
  /** The last check's report (button or maintenance), for the dashboard. */
  /** What remains refundable of a payment, or of an order's paid payment (the Refund dialog's figures). */
  refundable: projectProcedure
    .input(
      z.object({ paymentId: z.number().int().positive().optional(), orderId: z.number().int().positive().optional() }),
    )
    .query(({ ctx, input }) => refundableAmount(ctx.db, ctx.project.id, input)),

  /**
   * Refund from the studio: the amount as the builder typed it in the payment's currency ("2.00"), or
   * none for everything that remains; the same action (locks, limits, Stripe call) as the app's refund.
   */
  refund: projectProcedure
    .input(
      z.object({
        paymentId: z.number().int().positive().optional(),
        orderId: z.number().int().positive().optional(),
        amount: z.string().max(40).nullish(),
        reason: z.string().trim().max(500).optional(),
      }),
    )
    .mutation(({ ctx, input }) => refundFromStudio(ctx.db, ctx.project.id, input)),

  lastCheck: projectProcedure.query(({ ctx }) => lastCheckReport(ctx.db.db, ctx.project.id)),
});
