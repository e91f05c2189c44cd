CREATE TABLE "app_default_page" (
	"project_id" integer NOT NULL,
	"key" text NOT NULL,
	"page_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "app_default_page" ADD CONSTRAINT "app_default_page_project_id_project_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."project"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_default_page" ADD CONSTRAINT "app_default_page_page_id_app_page_id_fk" FOREIGN KEY ("page_id") REFERENCES "public"."app_page"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "app_default_page_uq" ON "app_default_page" USING btree ("project_id","key");
