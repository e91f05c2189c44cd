ALTER TABLE "flow_step" ADD COLUMN "branch" text;--> statement-breakpoint
ALTER TABLE "flow_step" ADD COLUMN "stopped" boolean DEFAULT false NOT NULL;