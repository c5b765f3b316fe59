CREATE TABLE "ai_integrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"vendor_id" uuid NOT NULL,
	"name" text NOT NULL,
	"product_feature" text,
	"service" text,
	"models" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"deployment" text,
	"data_classes" text[],
	"processing_regions" text[] DEFAULT '{}'::text[] NOT NULL,
	"retention_days" integer,
	"training_use" text,
	"customer_facing" boolean,
	"decision_critical" boolean,
	"domain" text,
	"human_oversight" text,
	"owner" text,
	"ai_act_use_cases" text[],
	"ai_act_role" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vendors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"website" text,
	"category" text NOT NULL,
	"owner" text,
	"status" text DEFAULT 'proposed' NOT NULL,
	"trust_portal_url" text,
	"headquarters_country" text,
	"subprocessors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"catalog_slug" text,
	"tier_override" jsonb,
	"computed_tier" smallint DEFAULT 2 NOT NULL,
	"tier" smallint DEFAULT 2 NOT NULL,
	"next_review_due" date NOT NULL,
	"last_reviewed_on" date,
	"integration_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ai_integrations" ADD CONSTRAINT "ai_integrations_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_integrations" ADD CONSTRAINT "ai_integrations_vendor_id_vendors_id_fk" FOREIGN KEY ("vendor_id") REFERENCES "public"."vendors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ai_integrations_vendor_idx" ON "ai_integrations" USING btree ("vendor_id");--> statement-breakpoint
CREATE INDEX "ai_integrations_workspace_idx" ON "ai_integrations" USING btree ("workspace_id");--> statement-breakpoint
CREATE UNIQUE INDEX "vendors_workspace_name_key" ON "vendors" USING btree ("workspace_id",lower("name"));--> statement-breakpoint
CREATE INDEX "vendors_workspace_tier_idx" ON "vendors" USING btree ("workspace_id","tier");--> statement-breakpoint
CREATE INDEX "vendors_workspace_status_idx" ON "vendors" USING btree ("workspace_id","status");--> statement-breakpoint
CREATE INDEX "vendors_workspace_category_idx" ON "vendors" USING btree ("workspace_id","category");--> statement-breakpoint
CREATE INDEX "vendors_workspace_review_idx" ON "vendors" USING btree ("workspace_id","next_review_due");--> statement-breakpoint
CREATE INDEX "vendors_workspace_updated_idx" ON "vendors" USING btree ("workspace_id","updated_at");