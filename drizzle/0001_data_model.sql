CREATE TABLE "action_permission" (
	"id" serial PRIMARY KEY NOT NULL,
	"role_id" integer NOT NULL,
	"action" text NOT NULL,
	CONSTRAINT "action_permission_uq" UNIQUE("role_id","action")
);
--> statement-breakpoint
CREATE TABLE "data_column" (
	"id" serial PRIMARY KEY NOT NULL,
	"table_id" integer NOT NULL,
	"name" text NOT NULL,
	"physical_name" text NOT NULL,
	"type" text NOT NULL,
	"enum_options" jsonb,
	"relation_table_id" integer,
	"required" boolean DEFAULT false NOT NULL,
	"is_unique" boolean DEFAULT false NOT NULL,
	"default_value" jsonb,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "data_column_table_name_uq" UNIQUE("table_id","name")
);
--> statement-breakpoint
CREATE TABLE "data_role" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"name" text NOT NULL,
	"is_builtin" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "data_role_project_name_uq" UNIQUE("project_id","name")
);
--> statement-breakpoint
CREATE TABLE "data_table" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"name" text NOT NULL,
	"physical_name" text NOT NULL,
	"is_system" boolean DEFAULT false NOT NULL,
	"owner_column_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "data_table_project_name_uq" UNIQUE("project_id","name")
);
--> statement-breakpoint
CREATE TABLE "table_dependency" (
	"id" serial PRIMARY KEY NOT NULL,
	"table_id" integer NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "table_dependency_uq" UNIQUE("table_id","kind")
);
--> statement-breakpoint
CREATE TABLE "table_permission" (
	"id" serial PRIMARY KEY NOT NULL,
	"role_id" integer NOT NULL,
	"table_id" integer NOT NULL,
	"operation" text NOT NULL,
	"scope" text DEFAULT 'all' NOT NULL,
	CONSTRAINT "table_permission_uq" UNIQUE("role_id","table_id","operation")
);
--> statement-breakpoint
ALTER TABLE "action_permission" ADD CONSTRAINT "action_permission_role_id_data_role_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."data_role"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_column" ADD CONSTRAINT "data_column_table_id_data_table_id_fk" FOREIGN KEY ("table_id") REFERENCES "public"."data_table"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_column" ADD CONSTRAINT "data_column_relation_table_id_data_table_id_fk" FOREIGN KEY ("relation_table_id") REFERENCES "public"."data_table"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_role" ADD CONSTRAINT "data_role_project_id_project_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."project"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_table" ADD CONSTRAINT "data_table_project_id_project_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."project"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "table_dependency" ADD CONSTRAINT "table_dependency_table_id_data_table_id_fk" FOREIGN KEY ("table_id") REFERENCES "public"."data_table"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "table_permission" ADD CONSTRAINT "table_permission_role_id_data_role_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."data_role"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "table_permission" ADD CONSTRAINT "table_permission_table_id_data_table_id_fk" FOREIGN KEY ("table_id") REFERENCES "public"."data_table"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "data_column_relation_idx" ON "data_column" USING btree ("relation_table_id");--> statement-breakpoint
CREATE INDEX "data_table_project_idx" ON "data_table" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "table_permission_table_idx" ON "table_permission" USING btree ("table_id");