/**
 * "I forgot my password / username" does the same database work whether or not the account exists: without one, the
 * writes are rehearsed in a savepoint and undone. Nothing of a rehearsal may be left behind.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createDeactivatedUser, createUser, recordedAuditEvents, sentEmails } from "@/test/factories";
import { rehearse } from "../db/rehearse";
import { accountTokens, exceptions, jobRuns } from "../db/schema";

const db = setUpTestDatabase();

async function queuedJobs(): Promise<number> {
  const [row] = await db.execute<{ count: number }>(sql`select count(*)::int as count from pgboss.job`);
  return row!.count;
}

describe("recovery for an account that does not exist", () => {
  it("leaves no link, no job and no mail, only the audit event", async () => {
    await createUser(db, { username: "ada" });
    await callerFor(anonymous()).account.requestPasswordReset({ login: "nobody-here" });
    await callerFor(anonymous()).account.remindUsername({ email: "nobody@example.test" });
    await callerFor(anonymous()).account.requestPasswordReset({ login: (await createDeactivatedUser(db)).username });
    expect(await db.$count(accountTokens)).toBe(0);
    expect(await db.$count(jobRuns)).toBe(0);
    expect(await queuedJobs()).toBe(0);
    expect(await sentEmails(db)).toEqual([]);
    expect((await recordedAuditEvents(db)).map((event) => [event.action, event.details.accountFound])).toEqual([
      ["account.password_reset_requested", false],
      ["account.username_reminder_sent", false],
      ["account.password_reset_requested", true],
    ]);
  });

  it("is rehearsed the way the real one is written: an existing account gets its link and one queued mail", async () => {
    const ada = await createUser(db, { username: "ada" });
    await callerFor(anonymous()).account.requestPasswordReset({ login: "ada" });
    await callerFor(anonymous()).account.remindUsername({ email: ada.email });
    expect(await db.$count(accountTokens)).toBe(1);
    expect(await db.$count(jobRuns)).toBe(2);
    expect(await queuedJobs()).toBe(2);
    expect((await sentEmails(db, { to: ada.email })).map((mail) => mail.template).sort()).toEqual(["passwordReset", "usernameReminder"]);
  });
});

describe("rehearse", () => {
  it("undoes what the work wrote, keeps what the transaction wrote otherwise, and never fails its caller", async () => {
    await db.transaction(async (tx) => {
      await tx.insert(exceptions).values({ message: "kept" });
      await rehearse(tx, async (savepoint) => {
        await savepoint.insert(exceptions).values({ message: "undone" });
      });
      await rehearse(tx, async () => {
        throw new Error("a rehearsal that breaks");
      });
    });
    expect((await db.select({ message: exceptions.message }).from(exceptions)).map((row) => row.message)).toEqual(["kept"]);
  });
});
