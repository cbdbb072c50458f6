CREATE TABLE "channel_revisions" (
	"owner_id" uuid PRIMARY KEY NOT NULL,
	"revision" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "daily_downloads" (
	"file_id" uuid NOT NULL,
	"day" date NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "daily_downloads_file_id_day_pk" PRIMARY KEY("file_id","day")
);
--> statement-breakpoint
CREATE TABLE "file_labels" (
	"file_id" uuid NOT NULL,
	"label" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "file_labels_file_id_label_pk" PRIMARY KEY("file_id","label")
);
--> statement-breakpoint
CREATE TABLE "package_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"package_id" uuid NOT NULL,
	"owner_id" uuid NOT NULL,
	"file_type" text NOT NULL,
	"subdir" text NOT NULL,
	"filename" text NOT NULL,
	"version" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"md5" text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"core_metadata" text,
	"core_metadata_sha256" text,
	"requires_python" text,
	"uploaded_by_id" uuid,
	"download_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "package_stars" (
	"user_id" uuid NOT NULL,
	"package_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "package_stars_user_id_package_id_pk" PRIMARY KEY("user_id","package_id")
);
--> statement-breakpoint
CREATE TABLE "packages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"normalized_name" text NOT NULL,
	"summary" text,
	"description" text,
	"description_content_type" text,
	"homepage" text,
	"license" text,
	"latest_version" text,
	"is_private" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "channel_revisions" ADD CONSTRAINT "channel_revisions_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "daily_downloads" ADD CONSTRAINT "daily_downloads_file_id_package_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."package_files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_labels" ADD CONSTRAINT "file_labels_file_id_package_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."package_files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_files" ADD CONSTRAINT "package_files_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_files" ADD CONSTRAINT "package_files_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_files" ADD CONSTRAINT "package_files_uploaded_by_id_users_id_fk" FOREIGN KEY ("uploaded_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_stars" ADD CONSTRAINT "package_stars_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_stars" ADD CONSTRAINT "package_stars_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "file_labels_label_idx" ON "file_labels" USING btree ("label");--> statement-breakpoint
CREATE UNIQUE INDEX "package_files_owner_subdir_filename_unique" ON "package_files" USING btree ("owner_id","subdir","filename");--> statement-breakpoint
CREATE INDEX "package_files_package_idx" ON "package_files" USING btree ("package_id");--> statement-breakpoint
CREATE INDEX "package_files_sha256_idx" ON "package_files" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "package_stars_package_idx" ON "package_stars" USING btree ("package_id");--> statement-breakpoint
CREATE UNIQUE INDEX "packages_owner_name_unique" ON "packages" USING btree ("owner_id","normalized_name");--> statement-breakpoint
CREATE INDEX "packages_search_idx" ON "packages" USING gin (to_tsvector('simple', "name" || ' ' || coalesce("summary", '')));