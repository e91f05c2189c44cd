import { listTables, queryRows } from '@tillflow/data-model';
import {
  activatePayments,
  endpointHealth,
  ensureSystemEndpoints,
  loadPaymentSettings,
  PAYMENT_TABLE,
  paymentTotals,
  RECURRING_PAYMENT_TABLE,
  REFUND_TABLE,
  reconcileFromStripe,
  revenueByDay,
  saveBranding,
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
    .input(z.object({ orderTable: z.string().min(1, 'Pick the order table.'), confirmPermanent: z.boolean() }))
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

  /** The dashboard's tables: newest first, keyset-paginated through the data-access layer. */
  rows: projectProcedure
    .input(
      z.object({
        table: z.enum([PAYMENT_TABLE, REFUND_TABLE, RECURRING_PAYMENT_TABLE]),
        status: z.string().optional(),
        after: z.string().nullish(),
      }),
    )
    .query(({ ctx, input }) =>
      queryRows(ctx.db.db, ctx.project.id, BUILDER, input.table, {
        filters: input.status ? [{ column: 'status', op: 'eq', value: input.status }] : [],
        sort: [{ column: 'id', direction: 'desc' }],
        limit: 50,
        after: input.after ?? null,
      }),
    ),

  totals: projectProcedure.query(({ ctx }) => paymentTotals(ctx.db.db, ctx.project.id)),
  revenue: projectProcedure
    .input(z.object({ days: z.number().int().min(1).max(365).default(30) }))
    .query(({ ctx, input }) => revenueByDay(ctx.db.db, ctx.project.id, input.days)),

  endpoints: projectProcedure.query(({ ctx }) => endpointHealth(ctx.db, ctx.project.id)),
  /** Re-registers endpoints deleted or edited in Stripe; reuses the rest. */
  repairEndpoints: projectProcedure.mutation(({ ctx }) => ensureSystemEndpoints(ctx.db, ctx.project.id)),
  /** Fetches events Stripe has that never reached us (missed webhooks) and runs them. */
  reconcile: projectProcedure.mutation(({ ctx }) => reconcileFromStripe(ctx.db, ctx.project.id)),
});
