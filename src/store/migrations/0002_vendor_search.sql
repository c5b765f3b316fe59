-- Trigram search over vendor name and owner, so a search box stays fast with tens of thousands of
-- vendors. pg_trgm ships with PostgreSQL (a trusted extension since 13) and with PGlite.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "vendors_search_trgm_idx" ON "vendors" USING gin ((lower("name" || ' ' || coalesce("owner", ''))) gin_trgm_ops);
