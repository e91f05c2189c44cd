CREATE TABLE "app_page_version" (
	"id" serial PRIMARY KEY NOT NULL,
	"page_id" integer NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text
);
--> statement-breakpoint
CREATE TABLE "app_page" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"draft" jsonb NOT NULL,
	"draft_revision" integer DEFAULT 1 NOT NULL,
	"published_version" integer,
	"published_path" text,
	"is_home" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "app_page_version" ADD CONSTRAINT "app_page_version_page_id_app_page_id_fk" FOREIGN KEY ("page_id") REFERENCES "public"."app_page"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_page" ADD CONSTRAINT "app_page_project_id_project_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."project"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "app_page_version_uq" ON "app_page_version" USING btree ("page_id","version");--> statement-breakpoint
CREATE INDEX "app_page_project_idx" ON "app_page" USING btree ("project_id");