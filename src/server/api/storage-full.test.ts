/**
 * A change through tRPC that PostgreSQL refuses for want of disk (its own SQLSTATE 53100, raised by a trigger) is
 * answered 507 with the reason, not as an internal error, and raises the administrators' alarm once.
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createUser } from "@/test/factories";
import { recordedExceptions, trpcHandler, trpcUrl } from "@/test/trpc-http";
import { clearStorageAlarm, currentStorageAlarm } from "../storage";

const db = setUpTestDatabase();

const databaseMessage = "Granary's database is out of disk space, so nothing was saved. Tell the site administrator; try again once space has been freed.";

beforeEach(async () => {
  clearStorageAlarm();
  await db.execute(sql`
    create or replace function storage_full_test_disk_full() returns trigger language plpgsql as $$
    begin
      raise exception 'could not extend file "base/16384/16402": No space left on device' using errcode = 'disk_full';
    end $$`);
  await db.execute(sql`create trigger storage_full_test before update on users for each statement execute function storage_full_test_disk_full()`);
});

afterEach(async () => {
  await db.execute(sql`drop trigger if exists storage_full_test on users`);
  await db.execute(sql`drop function if exists storage_full_test_disk_full()`);
  clearStorageAlarm();
});

it("answers a change the full database refuses with 507 and the reason, and raises the alarm once", async () => {
  const ada = await createUser(db, { username: "ada" });
  const handler = trpcHandler({ actor: ada.actor });
  const change = () =>
    handler(new Request(`${trpcUrl}/account.updateProfile`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { name: "Ada L." } }) }));
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await change();
    expect(response.status).toBe(507);
    const body = (await response.json()) as { error: { json: { message: string; data: { code: string } } } };
    expect(body.error.json.message).toBe(databaseMessage);
  }
  expect(await currentStorageAlarm()).toMatchObject({ storage: "database" });
  // One exception for the episode (recorded by the alarm), none as an internal error per call.
  expect((await recordedExceptions(db)).map((exception) => exception.message)).toEqual([databaseMessage]);
});
