CREATE TABLE "operations_alert" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"kind" text NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"runs" integer DEFAULT 0 NOT NULL,
	"detail" text NOT NULL,
	"mail_message_id" integer
);
--> statement-breakpoint
ALTER TABLE "operations_alert" ADD CONSTRAINT "operations_alert_project_id_project_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."project"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "operations_alert_open_idx" ON "operations_alert" USING btree ("project_id","kind") WHERE resolved_at is null;