CREATE TABLE "installed_licenses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"license_id" uuid NOT NULL,
	"document" text NOT NULL,
	"fields" jsonb NOT NULL,
	"installed_by_id" uuid,
	"installed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "license_notices" (
	"license_id" uuid NOT NULL,
	"notice" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "license_notices_license_id_notice_pk" PRIMARY KEY("license_id","notice")
);
--> statement-breakpoint
ALTER TABLE "installed_licenses" ADD CONSTRAINT "installed_licenses_installed_by_id_users_id_fk" FOREIGN KEY ("installed_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "installed_licenses_installed_idx" ON "installed_licenses" USING btree ("installed_at");