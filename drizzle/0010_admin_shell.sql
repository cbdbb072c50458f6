ALTER TABLE "exceptions" ADD COLUMN "read_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "exceptions_unread_idx" ON "exceptions" USING btree ("created_at") WHERE "exceptions"."read_at" is null;--> statement-breakpoint
CREATE INDEX "sessions_live_seen_idx" ON "sessions" USING btree ("last_seen_at","user_id") WHERE "sessions"."revoked_at" is null;