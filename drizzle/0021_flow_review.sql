CREATE TABLE "flow_review" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"flow_id" uuid NOT NULL,
	"draft_revision" integer NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"requested_by" text,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_note" text DEFAULT '' NOT NULL,
	CONSTRAINT "flow_review_status_check" CHECK ("flow_review"."status" in ('pending', 'approved', 'rejected', 'withdrawn'))
);
--> statement-breakpoint
ALTER TABLE "project" ADD COLUMN "review_payment_publish" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "flow_review" ADD CONSTRAINT "flow_review_project_id_project_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."project"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_review" ADD CONSTRAINT "flow_review_flow_id_flow_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flow"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_review" ADD CONSTRAINT "flow_review_requested_by_auth_user_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."auth_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_review" ADD CONSTRAINT "flow_review_decided_by_auth_user_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."auth_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "flow_review_flow_idx" ON "flow_review" USING btree ("flow_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "flow_review_pending_uq" ON "flow_review" USING btree ("flow_id") WHERE "flow_review"."status" = 'pending';