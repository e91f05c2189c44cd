DROP INDEX "stripe_event_project_event_uq";--> statement-breakpoint
CREATE INDEX "stripe_event_event_idx" ON "stripe_event" USING btree ("project_id","event_id");--> statement-breakpoint
ALTER TABLE "stripe_event" ADD CONSTRAINT "stripe_event_endpoint_event_uq" UNIQUE NULLS NOT DISTINCT("project_id","endpoint_id","event_id");