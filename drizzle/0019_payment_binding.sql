ALTER TABLE "data_column" ADD COLUMN "system_managed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "payment_settings" ADD COLUMN "amount_column_id" integer;--> statement-breakpoint
ALTER TABLE "payment_settings" ADD COLUMN "currency_column_id" integer;--> statement-breakpoint
ALTER TABLE "payment_settings" ADD COLUMN "currency" text DEFAULT 'usd' NOT NULL;--> statement-breakpoint
UPDATE "payment_settings" s SET "amount_column_id" = c.id FROM "data_column" c
  WHERE c.table_id = s.order_table_id AND c.name = 'amount' AND c.type = 'integer';--> statement-breakpoint
UPDATE "payment_settings" s SET "currency_column_id" = c.id FROM "data_column" c
  WHERE c.table_id = s.order_table_id AND c.name = 'currency' AND c.type = 'text';--> statement-breakpoint
UPDATE "data_column" c SET "system_managed" = true FROM "payment_settings" s
  WHERE s.activated_at IS NOT NULL AND c.table_id = s.order_table_id
    AND (c.id = s.amount_column_id OR c.id = s.currency_column_id OR c.name = 'status');
