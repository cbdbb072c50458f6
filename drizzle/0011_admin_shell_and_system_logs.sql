CREATE TABLE "system_logs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "system_logs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"level" text NOT NULL,
	"category" text NOT NULL,
	"message" text NOT NULL,
	"context" jsonb,
	"request_id" text,
	"logged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "audit_events_action_idx";--> statement-breakpoint
ALTER TABLE "exceptions" ADD COLUMN "read_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "system_logs_category_time_idx" ON "system_logs" USING btree ("category","logged_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "system_logs_time_idx" ON "system_logs" USING btree ("logged_at");--> statement-breakpoint
CREATE INDEX "audit_events_action_time_idx" ON "audit_events" USING btree ("action","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "exceptions_unread_idx" ON "exceptions" USING btree ("created_at") WHERE "exceptions"."read_at" is null;--> statement-breakpoint
CREATE INDEX "sessions_live_seen_idx" ON "sessions" USING btree ("last_seen_at","user_id") WHERE "sessions"."revoked_at" is null;