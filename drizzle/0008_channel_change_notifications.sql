-- Processes that remember owners' channel revisions (src/server/protocols/channel-directory.ts) hear of every move
-- of one: a file uploaded, deleted or relabelled, a package made private or public. The payload is the owner's id.
-- Account changes (deactivation, deletion, renaming) reach them through granary_credential_changes (migration 0003).
CREATE FUNCTION "granary_notify_channel_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('granary_channel_changes', NEW."owner_id"::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "channel_revisions_notify_change"
  AFTER INSERT OR UPDATE OF "revision" ON "channel_revisions"
  FOR EACH ROW EXECUTE FUNCTION "granary_notify_channel_change"();
