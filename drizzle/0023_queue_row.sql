DROP INDEX "flow_run_claim_idx";--> statement-breakpoint
ALTER TABLE "flow_run" ALTER COLUMN "trigger_payload" DROP NOT NULL;--> statement-breakpoint
CREATE INDEX "flow_run_claim_idx" ON "flow_run" USING btree ("status","run_after") WHERE status in ('queued', 'running');--> statement-breakpoint
-- Room on every page for a run's later versions (claim, lease renewals, final status): a renewal changes no
-- indexed column, so with room on its page it is a HOT update (no index entries), and the others stay on the page.
ALTER TABLE "flow_run" SET (fillfactor = 80);
