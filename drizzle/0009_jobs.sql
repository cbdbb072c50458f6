CREATE TABLE "access_token_expiry_notices" (
	"token_id" uuid NOT NULL,
	"notice" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "access_token_expiry_notices_token_id_notice_pk" PRIMARY KEY("token_id","notice")
);
--> statement-breakpoint
CREATE TABLE "job_run_logs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_run_logs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"level" text NOT NULL,
	"message" text NOT NULL,
	"logged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_name" text NOT NULL,
	"priority" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"progress_message" text,
	"input" jsonb NOT NULL,
	"payload" jsonb NOT NULL,
	"result" jsonb,
	"error" text,
	"error_stack" text,
	"started_by_kind" text NOT NULL,
	"started_by_user_id" uuid,
	"started_by_label" text NOT NULL,
	"worker_id" uuid,
	"worker_label" text,
	"driver" text NOT NULL,
	"external_id" text,
	"dispatched_at" timestamp with time zone,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "job_workers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"queues" text[] NOT NULL,
	"concurrency" integer NOT NULL,
	"driver" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone,
	"lost_at" timestamp with time zone,
	"restart_requested_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "package_download_days" (
	"package_id" uuid NOT NULL,
	"day" date NOT NULL,
	"version" text NOT NULL,
	"platform" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "package_download_days_package_id_day_version_platform_pk" PRIMARY KEY("package_id","day","version","platform")
);
--> statement-breakpoint
CREATE TABLE "site_statistics" (
	"day" date PRIMARY KEY NOT NULL,
	"users" integer NOT NULL,
	"organizations" integer NOT NULL,
	"packages" integer NOT NULL,
	"files" integer NOT NULL,
	"bytes_stored" bigint NOT NULL,
	"downloads" bigint NOT NULL,
	"downloads_on_day" bigint NOT NULL,
	"taken_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "email_messages" ADD COLUMN "job_run_id" uuid;--> statement-breakpoint
ALTER TABLE "access_token_expiry_notices" ADD CONSTRAINT "access_token_expiry_notices_token_id_access_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."access_tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_run_logs" ADD CONSTRAINT "job_run_logs_run_id_job_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."job_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_runs" ADD CONSTRAINT "job_runs_started_by_user_id_users_id_fk" FOREIGN KEY ("started_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_runs" ADD CONSTRAINT "job_runs_worker_id_job_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."job_workers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_download_days" ADD CONSTRAINT "package_download_days_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_run_logs_run_idx" ON "job_run_logs" USING btree ("run_id","id");--> statement-breakpoint
CREATE INDEX "job_runs_queue_idx" ON "job_runs" USING btree ("priority","status","queued_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "job_runs_queue_all_idx" ON "job_runs" USING btree ("priority","queued_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "job_runs_job_idx" ON "job_runs" USING btree ("job_name","queued_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "job_runs_running_idx" ON "job_runs" USING btree ("worker_id") WHERE "job_runs"."status" = 'running';--> statement-breakpoint
CREATE INDEX "job_runs_undispatched_idx" ON "job_runs" USING btree ("queued_at") WHERE "job_runs"."driver" = 'inngest' and "job_runs"."dispatched_at" is null;--> statement-breakpoint
CREATE INDEX "job_workers_live_idx" ON "job_workers" USING btree ("last_heartbeat_at") WHERE "job_workers"."stopped_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "email_messages_job_run_unique" ON "email_messages" USING btree ("job_run_id");