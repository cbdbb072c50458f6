CREATE TABLE "application_import_errors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"install_id" uuid NOT NULL,
	"application_id" uuid NOT NULL,
	"task" text NOT NULL,
	"module" text NOT NULL,
	"error_type" text NOT NULL,
	"message" text NOT NULL,
	"traceback" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "application_installs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"application_id" uuid NOT NULL,
	"job_run_id" uuid,
	"status" text DEFAULT 'queued' NOT NULL,
	"version" text,
	"git_commit" text,
	"environment_path" text NOT NULL,
	"output" text DEFAULT '' NOT NULL,
	"error" text,
	"requested_by_id" uuid,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "application_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"install_id" uuid NOT NULL,
	"application_id" uuid NOT NULL,
	"name" text NOT NULL,
	"entry_point" text NOT NULL,
	"description" text,
	"input_schema" jsonb
);
--> statement-breakpoint
CREATE TABLE "applications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"source_kind" text NOT NULL,
	"index_owner" text NOT NULL,
	"package_name" text,
	"package_version" text,
	"git_url" text,
	"git_branch" text,
	"git_commit" text,
	"active" boolean DEFAULT true NOT NULL,
	"state" text DEFAULT 'installing' NOT NULL,
	"current_install_id" uuid,
	"installed_version" text,
	"installed_commit" text,
	"environment_path" text,
	"installed_at" timestamp with time zone,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "installed_distributions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"install_id" uuid NOT NULL,
	"application_id" uuid NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"path" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "application_import_errors" ADD CONSTRAINT "application_import_errors_install_id_application_installs_id_fk" FOREIGN KEY ("install_id") REFERENCES "public"."application_installs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_import_errors" ADD CONSTRAINT "application_import_errors_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_installs" ADD CONSTRAINT "application_installs_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_installs" ADD CONSTRAINT "application_installs_job_run_id_job_runs_id_fk" FOREIGN KEY ("job_run_id") REFERENCES "public"."job_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_installs" ADD CONSTRAINT "application_installs_requested_by_id_users_id_fk" FOREIGN KEY ("requested_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_tasks" ADD CONSTRAINT "application_tasks_install_id_application_installs_id_fk" FOREIGN KEY ("install_id") REFERENCES "public"."application_installs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_tasks" ADD CONSTRAINT "application_tasks_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_current_install_id_application_installs_id_fk" FOREIGN KEY ("current_install_id") REFERENCES "public"."application_installs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "installed_distributions" ADD CONSTRAINT "installed_distributions_install_id_application_installs_id_fk" FOREIGN KEY ("install_id") REFERENCES "public"."application_installs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "installed_distributions" ADD CONSTRAINT "installed_distributions_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "application_import_errors_application_idx" ON "application_import_errors" USING btree ("application_id","task");--> statement-breakpoint
CREATE INDEX "application_installs_application_idx" ON "application_installs" USING btree ("application_id","queued_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "application_tasks_install_name_unique" ON "application_tasks" USING btree ("install_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "applications_name_unique" ON "applications" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "installed_distributions_install_idx" ON "installed_distributions" USING btree ("install_id","name");--> statement-breakpoint
CREATE INDEX "installed_distributions_name_idx" ON "installed_distributions" USING btree (lower("name"));