CREATE TABLE "exception_groups" (
	"fingerprint" text PRIMARY KEY NOT NULL,
	"error_type" text NOT NULL,
	"message" text NOT NULL,
	"stack" text,
	"frames" text[] NOT NULL,
	"occurrences" integer DEFAULT 1 NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_exception_id" uuid,
	"resolved_at" timestamp with time zone,
	"resolved_by_id" uuid,
	"reopened_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "daily_report_subscriptions" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_sent_day" date
);
--> statement-breakpoint
ALTER TABLE "exceptions" ADD COLUMN "request_headers" jsonb;--> statement-breakpoint
ALTER TABLE "exceptions" ADD COLUMN "fingerprint" text;--> statement-breakpoint
ALTER TABLE "exception_groups" ADD CONSTRAINT "exception_groups_resolved_by_id_users_id_fk" FOREIGN KEY ("resolved_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "daily_report_subscriptions" ADD CONSTRAINT "daily_report_subscriptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "exception_groups_last_seen_idx" ON "exception_groups" USING btree ("last_seen_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "users_kind_created_idx" ON "users" USING btree ("kind","created_at");--> statement-breakpoint
CREATE INDEX "audit_events_created_action_idx" ON "audit_events" USING btree ("created_at","action");--> statement-breakpoint
CREATE INDEX "exceptions_fingerprint_idx" ON "exceptions" USING btree ("fingerprint","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "daily_downloads_day_idx" ON "daily_downloads" USING btree ("day");--> statement-breakpoint
CREATE INDEX "packages_created_idx" ON "packages" USING btree ("created_at");--> statement-breakpoint
-- Errors recorded before grouping: one group per type and message (their stacks were never normalised).
UPDATE "exceptions" SET "fingerprint" = md5('legacy ' || coalesce(substring("stack" from '^[A-Za-z]+'), 'Error') || ' ' || "message") WHERE "fingerprint" IS NULL;--> statement-breakpoint
INSERT INTO "exception_groups" ("fingerprint", "error_type", "message", "stack", "frames", "occurrences", "first_seen_at", "last_seen_at", "last_exception_id")
SELECT DISTINCT ON ("fingerprint") "fingerprint", coalesce(substring("stack" from '^[A-Za-z]+'), 'Error'), "message", "stack", '{}',
  count(*) OVER same_group, min("created_at") OVER same_group, max("created_at") OVER same_group, "id"
FROM "exceptions"
WINDOW same_group AS (PARTITION BY "fingerprint")
ORDER BY "fingerprint", "created_at" DESC
ON CONFLICT DO NOTHING;
