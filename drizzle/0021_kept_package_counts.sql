ALTER TABLE "users" ADD COLUMN "package_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-written from here to the index: users.package_count follows the packages table. Inserts and deletes are
-- counted once per statement (a bulk insert or an account's cascade updates each owner once), a transfer per row.
CREATE FUNCTION "granary_count_inserted_packages"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "users" SET "package_count" = "users"."package_count" + added.n
    FROM (SELECT "owner_id", count(*)::int AS n FROM inserted_packages GROUP BY "owner_id") AS added
    WHERE "users"."id" = added."owner_id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "granary_count_deleted_packages"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "users" SET "package_count" = greatest(0, "users"."package_count" - removed.n)
    FROM (SELECT "owner_id", count(*)::int AS n FROM deleted_packages GROUP BY "owner_id") AS removed
    WHERE "users"."id" = removed."owner_id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "granary_count_transferred_package"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "users" SET "package_count" = greatest(0, "package_count" - 1) WHERE "id" = OLD."owner_id";
  UPDATE "users" SET "package_count" = "package_count" + 1 WHERE "id" = NEW."owner_id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "packages_count_inserted" AFTER INSERT ON "packages"
  REFERENCING NEW TABLE AS inserted_packages FOR EACH STATEMENT EXECUTE FUNCTION "granary_count_inserted_packages"();
--> statement-breakpoint
CREATE TRIGGER "packages_count_deleted" AFTER DELETE ON "packages"
  REFERENCING OLD TABLE AS deleted_packages FOR EACH STATEMENT EXECUTE FUNCTION "granary_count_deleted_packages"();
--> statement-breakpoint
CREATE TRIGGER "packages_count_transferred" AFTER UPDATE OF "owner_id" ON "packages"
  FOR EACH ROW WHEN (OLD."owner_id" IS DISTINCT FROM NEW."owner_id") EXECUTE FUNCTION "granary_count_transferred_package"();
--> statement-breakpoint
UPDATE "users" SET "package_count" = counted.n
  FROM (SELECT "owner_id", count(*)::int AS n FROM "packages" GROUP BY "owner_id") AS counted
  WHERE "users"."id" = counted."owner_id";
--> statement-breakpoint
CREATE INDEX "users_people_package_count_idx" ON "users" USING btree ("package_count" DESC NULLS LAST,lower("username")) WHERE "users"."kind" = 'user';
