DROP INDEX "vendors_workspace_tier_idx";--> statement-breakpoint
DROP INDEX "vendors_workspace_status_idx";--> statement-breakpoint
DROP INDEX "vendors_workspace_review_idx";--> statement-breakpoint
DROP INDEX "vendors_workspace_updated_idx";--> statement-breakpoint
CREATE INDEX "vendors_sort_name_idx" ON "vendors" USING btree ("workspace_id",lower("name"),"id");--> statement-breakpoint
CREATE INDEX "vendors_sort_tier_idx" ON "vendors" USING btree ("workspace_id","tier","id");--> statement-breakpoint
CREATE INDEX "vendors_sort_status_idx" ON "vendors" USING btree ("workspace_id","status","id");--> statement-breakpoint
CREATE INDEX "vendors_sort_review_idx" ON "vendors" USING btree ("workspace_id","next_review_due","id");--> statement-breakpoint
CREATE INDEX "vendors_sort_updated_idx" ON "vendors" USING btree ("workspace_id","updated_at","id");