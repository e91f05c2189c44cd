import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { projects } from './projects';

// Per-project Stripe settings. The secret key is stored only encrypted
// (AES-256-GCM, see runtime's secret box) and leaves the server only masked.
export const paymentSettings = pgTable('payment_settings', {
  projectId: integer('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  // 'sandbox' = the embedded Stripe sandbox; 'test'/'live' follow the key prefix.
  mode: text('mode').notNull().default('sandbox'),
  // Where the Stripe SDK points: the embedded sandbox URL or https://api.stripe.com.
  apiBase: text('api_base'),
  publishableKey: text('publishable_key'),
  secretKeyEncrypted: text('secret_key_encrypted'),
  secretKeyMasked: text('secret_key_masked'),
  brandName: text('brand_name'),
  brandLogo: text('brand_logo'),
  brandSlogan: text('brand_slogan'),
  // The builder's order table (data-model table id); permanent once set.
  orderTableId: integer('order_table_id'),
  // The order table's columns that say what an order owes (data-model column ids, so a rename keeps the binding).
  // Bound at activation (by the names amount / currency when present); no currency column → `currency` below.
  amountColumnId: integer('amount_column_id'),
  currencyColumnId: integer('currency_column_id'),
  // The shop's currency (lowercase ISO code): what orders are charged in when the order table has no currency column.
  currency: text('currency').notNull().default('usd'),
  // Sites besides the studio's PUBLIC_URL that Checkout may send buyers back to (origins, e.g. https://shop.example).
  returnOrigins: jsonb('return_origins').$type<string[]>().notNull().default([]),
  activatedAt: timestamp('activated_at', { withTimezone: true }),
  // The last "Check against Stripe" report (button, REST or maintenance), shown on the dashboard later.
  lastCheck: jsonb('last_check'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

// One Stripe customer per end user of a generated app.
export const stripeCustomers = pgTable(
  'stripe_customer',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    endUserId: integer('end_user_id').notNull(),
    customerId: text('customer_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('stripe_customer_user_uq').on(t.projectId, t.endUserId),
    index('stripe_customer_customer_idx').on(t.customerId),
  ],
);
