ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_workspace_id_workspaces_id_fk";
--> statement-breakpoint
ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_ingest_id_usage_ingests_id_fk";
