import { listTables } from '@tillflow/data-model';
import {
  activatePayments,
  addCatalogPrice,
  addPromotionCode,
  archiveCatalogPrice,
  archiveCatalogProduct,
  checkAgainstStripe,
  createCatalogProduct,
  createCoupon,
  DASHBOARD_TABLES,
  dashboardRows,
  deleteCoupon,
  endpointHealth,
  ensureSystemEndpoints,
  lastCheckReport,
  listCatalog,
  listCoupons,
  loadPaymentSettings,
  orderBindingView,
  paymentTotals,
  refundableAmount,
  refundFromStudio,
  revenueByDay,
  saveBranding,
  saveOrderBinding,
  saveReturnOrigins,
  saveStripeKeys,
  toPublicSettings,
} from '@tillflow/payments';
import { z } from 'zod';
import { ensureDefaultPages } from '../../pages/defaults';
import { createTRPCRouter, projectProcedure } from '../trpc';

const BUILDER = { kind: 'builder' } as const;
/** Live keys (real money) or test keys / the sandbox; absent: both. */
const paymentMode = z.enum(['live', 'test']).optional();

const priceInput = z.object({
  amount: z.string(),
  currency: z.string(),
  interval: z.enum(['day', 'week', 'month', 'year']).nullable(),
  intervalCount: z.number().int().optional(),
  trialDays: z.number().int().nullable().optional(),
  taxBehavior: z.enum(['inclusive', 'exclusive', 'unspecified']).optional(),
});

export const paymentsRouter = createTRPCRouter({
  /** Products and prices on the project's Stripe account (sandbox or real), archived ones left out. */
  catalog: projectProcedure.query(({ ctx }) => listCatalog(ctx.services, ctx.project.id)),
  createProduct: projectProcedure
    .input(
      z.object({
        name: z.string(),
        description: z.string().nullable().optional(),
        image: z.string().nullable().optional(),
        price: priceInput,
      }),
    )
    .mutation(({ ctx, input }) => createCatalogProduct(ctx.services, ctx.project.id, input)),
  addPrice: projectProcedure
    .input(z.object({ productId: z.string().min(1), price: priceInput }))
    .mutation(({ ctx, input }) => addCatalogPrice(ctx.services, ctx.project.id, input)),
  archiveProduct: projectProcedure
    .input(z.object({ productId: z.string().min(1) }))
    .mutation(({ ctx, input }) => archiveCatalogProduct(ctx.services, ctx.project.id, input.productId)),
  archivePrice: projectProcedure
    .input(z.object({ priceId: z.string().min(1) }))
    .mutation(({ ctx, input }) => archiveCatalogPrice(ctx.services, ctx.project.id, input.priceId)),
  /** Coupons and their promotion codes on the project's Stripe account. */
  coupons: projectProcedure.query(({ ctx }) => listCoupons(ctx.services, ctx.project.id)),
  createCoupon: projectProcedure
    .input(
      z.object({
        name: z.string().nullable().optional(),
        percentOff: z.string().nullable().optional(),
        amountOff: z.string().nullable().optional(),
        currency: z.string().nullable().optional(),
        duration: z.enum(['once', 'repeating', 'forever']),
        durationInMonths: z.number().int().nullable().optional(),
        code: z.string().nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) => createCoupon(ctx.services, ctx.project.id, input)),
  addPromotionCode: projectProcedure
    .input(z.object({ couponId: z.string().min(1), code: z.string() }))
    .mutation(({ ctx, input }) => addPromotionCode(ctx.services, ctx.project.id, input)),
  deleteCoupon: projectProcedure
    .input(z.object({ couponId: z.string().min(1) }))
    .mutation(({ ctx, input }) => deleteCoupon(ctx.services, ctx.project.id, input.couponId)),

  /** Settings as the browser may see them: the secret key only masked. */
  settings: projectProcedure.query(async ({ ctx }) => {
    const settings = toPublicSettings(await loadPaymentSettings(ctx.db.db, ctx.project.id));
    const tables = await listTables(ctx.db.db, ctx.project.id);
    const orderTable = tables.find((t) => t.id === settings.orderTableId)?.name ?? null;
    // The masked secret key is the owners' to see (Stripe keys are owner-only in server/teams/policy.ts).
    const ownsProject = ctx.role === 'owner';
    return {
      ...settings,
      secretKeyMasked: ownsProject ? settings.secretKeyMasked : null,
      hasSecretKey: settings.secretKeyMasked !== null,
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
        amountColumn: z.string().max(100).nullish(),
        currencyColumn: z.string().max(100).nullish(),
        currency: z.string().trim().max(3).nullish(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const activated = await activatePayments(ctx.services, ctx.project.id, input);
      // The shop's default pages as drafts (studio → Pages); start-up makes any that fail here.
      await ensureDefaultPages(ctx.services, ctx.project.id).catch(() => []);
      return activated;
    }),

  /** Which order columns say what an order costs, the shop's currency, and the columns only the server writes. */
  orderBinding: projectProcedure.query(({ ctx }) => orderBindingView(ctx.db.db, ctx.project.id)),

  saveOrderBinding: projectProcedure
    .input(
      z.object({
        amountColumn: z.string().max(100).nullish(),
        currencyColumn: z.string().max(100).nullish(),
        currency: z.string().trim().max(3).nullish(),
      }),
    )
    .mutation(({ ctx, input }) => saveOrderBinding(ctx.services, ctx.project.id, input)),

  saveKeys: projectProcedure
    .input(
      z.object({
        publishableKey: z.string(),
        secretKey: z.string(),
        apiBase: z.enum(['stripe', 'sandbox']).default('stripe'),
      }),
    )
    .mutation(({ ctx, input }) => saveStripeKeys(ctx.services, ctx.project.id, input)),

  saveBranding: projectProcedure
    .input(
      z.object({
        brandName: z.string().nullable(),
        brandSlogan: z.string().nullable(),
        brandLogo: z.string().nullable(),
      }),
    )
    .mutation(({ ctx, input }) => saveBranding(ctx.services, ctx.project.id, input)),

  /** Sites besides the studio's own that Checkout may send buyers back to. */
  saveReturnOrigins: projectProcedure
    .input(z.object({ origins: z.array(z.string()) }))
    .mutation(({ ctx, input }) => saveReturnOrigins(ctx.db, ctx.project.id, input)),

  /** The dashboard's tables, newest first, 50 a page (`cursor` = the previous page's nextCursor). */
  rows: projectProcedure
    .input(
      z.object({
        table: z.enum(DASHBOARD_TABLES),
        status: z.string().max(40).optional(),
        currency: z
          .string()
          .trim()
          .regex(/^[A-Za-z]{3}$/, 'A currency is a three-letter code such as usd.')
          .optional(),
        parentId: z.number().int().positive().optional(),
        mode: paymentMode,
        cursor: z.string().nullish(),
      }),
    )
    .query(({ ctx, input }) => dashboardRows(ctx.db.db, ctx.project.id, BUILDER, input)),

  totals: projectProcedure
    .input(z.object({ mode: paymentMode }))
    .query(({ ctx, input }) => paymentTotals(ctx.db.db, ctx.project.id, { mode: input.mode })),
  revenue: projectProcedure
    .input(z.object({ days: z.number().int().min(1).max(365).default(30), mode: paymentMode }))
    .query(({ ctx, input }) => revenueByDay(ctx.db.db, ctx.project.id, input.days, { mode: input.mode })),

  endpoints: projectProcedure.query(({ ctx }) => endpointHealth(ctx.services, ctx.project.id)),
  /** Re-registers endpoints deleted or edited in Stripe; reuses the rest. */
  repairEndpoints: projectProcedure.mutation(({ ctx }) => ensureSystemEndpoints(ctx.services, ctx.project.id)),
  /** "Check against Stripe": missed events fetched and run, every non-final row compared and repaired. */
  reconcile: projectProcedure.mutation(({ ctx }) => checkAgainstStripe(ctx.services, ctx.project.id)),
  /** The last check's report (button or maintenance), for the dashboard. */
  /** What remains refundable of a payment, or of an order's paid payment (the Refund dialog's figures). */
  refundable: projectProcedure
    .input(
      z.object({ paymentId: z.number().int().positive().optional(), orderId: z.number().int().positive().optional() }),
    )
    .query(({ ctx, input }) => refundableAmount(ctx.services, ctx.project.id, input)),

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
    .mutation(({ ctx, input }) => refundFromStudio(ctx.services, ctx.project.id, input)),

  lastCheck: projectProcedure.query(({ ctx }) => lastCheckReport(ctx.db.db, ctx.project.id)),
});
