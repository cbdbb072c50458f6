CREATE TABLE "request_limit_hits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"bucket" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "password_last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "password_last_used_ip" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "password_seen_ips" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
CREATE INDEX "request_limit_hits_bucket_idx" ON "request_limit_hits" USING btree ("bucket","created_at");--> statement-breakpoint
-- Failed sign-ins used to keep a name that matched no account as it was typed, and people type passwords into
-- that field: those counters go (they only ever throttled for a window of minutes), and the audit trail forgets
-- what was typed wherever it matched no account.
DELETE FROM "sign_in_failures" WHERE "login_key" LIKE 'login:%';--> statement-breakpoint
UPDATE "audit_events" SET "target_label" = NULL
  WHERE "action" IN ('auth.sign_in_failed', 'auth.sign_in_throttled', 'account.password_reset_requested') AND "target_id" IS NULL;
