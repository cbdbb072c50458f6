-- Processes that remember verified access tokens (src/server/services/token-cache.ts) hear of every change that
-- can make one invalid or change what its actor carries: a token revoked, changed or deleted, an account
-- deactivated, deleted, renamed or made (or no longer) a site administrator. The payload is the user's id.
-- Bookkeeping updates (last use, seen addresses, sign-in times) send nothing.
CREATE FUNCTION "granary_notify_token_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('granary_credential_changes', (CASE WHEN TG_OP = 'DELETE' THEN OLD."user_id" ELSE NEW."user_id" END)::text);
  IF TG_OP = 'UPDATE' AND NEW."user_id" IS DISTINCT FROM OLD."user_id" THEN
    PERFORM pg_notify('granary_credential_changes', OLD."user_id"::text);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "granary_notify_account_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('granary_credential_changes', (CASE WHEN TG_OP = 'DELETE' THEN OLD."id" ELSE NEW."id" END)::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "access_tokens_notify_change"
  AFTER UPDATE OF "user_id", "secret_hash", "scopes", "channel_owner_id", "expires_at", "revoked_at" OR DELETE ON "access_tokens"
  FOR EACH ROW EXECUTE FUNCTION "granary_notify_token_change"();
--> statement-breakpoint
CREATE TRIGGER "users_notify_change"
  AFTER UPDATE OF "id", "username", "email", "name", "is_site_admin", "is_active" OR DELETE ON "users"
  FOR EACH ROW EXECUTE FUNCTION "granary_notify_account_change"();
