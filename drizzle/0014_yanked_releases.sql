CREATE TABLE "yanked_releases" (
	"package_id" uuid NOT NULL,
	"version" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"yanked_by_id" uuid,
	"yanked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "yanked_releases_package_id_version_pk" PRIMARY KEY("package_id","version")
);
--> statement-breakpoint
ALTER TABLE "yanked_releases" ADD CONSTRAINT "yanked_releases_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "yanked_releases" ADD CONSTRAINT "yanked_releases_yanked_by_id_users_id_fk" FOREIGN KEY ("yanked_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;