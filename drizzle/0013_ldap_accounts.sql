CREATE TABLE "directory_group_mappings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"directory_group_dn" text NOT NULL,
	"group_id" uuid NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "directory_dn" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "keeps_local_password" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "directory_group_mappings" ADD CONSTRAINT "directory_group_mappings_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_group_mappings" ADD CONSTRAINT "directory_group_mappings_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "directory_group_mappings_unique" ON "directory_group_mappings" USING btree (lower("directory_group_dn"),"group_id");--> statement-breakpoint
CREATE INDEX "users_directory_dn_idx" ON "users" USING btree (lower("directory_dn")) WHERE "users"."directory_dn" is not null;--> statement-breakpoint
-- The administrator the launcher created at first start keeps a local password, so a broken directory never locks everyone out.
UPDATE "users" SET "keeps_local_password" = true WHERE "id" IN (SELECT "subject_user_id" FROM "audit_events" WHERE "action" = 'admin.first_admin_created');
