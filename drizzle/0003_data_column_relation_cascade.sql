ALTER TABLE "data_column" DROP CONSTRAINT "data_column_relation_table_id_data_table_id_fk";
--> statement-breakpoint
ALTER TABLE "data_column" ADD CONSTRAINT "data_column_relation_table_id_data_table_id_fk" FOREIGN KEY ("relation_table_id") REFERENCES "public"."data_table"("id") ON DELETE cascade ON UPDATE no action;