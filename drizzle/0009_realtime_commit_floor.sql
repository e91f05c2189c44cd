ALTER TABLE "realtime_change" ADD COLUMN "tx_id" bigint;--> statement-breakpoint
ALTER TABLE "realtime_change" ADD COLUMN "tx_floor" bigint;