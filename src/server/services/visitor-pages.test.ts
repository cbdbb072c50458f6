/**
 * The visitor generation that visitors' cached pages are keyed by (visitor-pages.ts), on the real database with its
 * real notifications: it moves on every change, in this process at once and from other servers' commits through the
 * change listener, and there is none while changes could go unheard.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { actorFor, createSiteAdmin, createUser } from "@/test/factories";
import { ChangeListener, settingsChangesChannel } from "./change-listener";
import { bumpChannelRevision, forgetCachedChannel } from "./owners";
import { updateSiteSettings } from "./site-settings";
import { currentVisitorGeneration, VisitorPages } from "./visitor-pages";

const db = setUpTestDatabase();
let listener: ChangeListener;
let pages: VisitorPages;

beforeEach(async () => {
  listener = new ChangeListener(testDatabaseUrl(), { log: () => {} });
  pages = new VisitorPages(listener);
});
afterEach(async () => {
  pages.close();
  await listener.close();
});

describe("the visitor generation", () => {
  it("is absent until the listener listens, so that nothing is cached before", async () => {
    expect(currentVisitorGeneration()).toBeNull();
    pages.start();
    expect(currentVisitorGeneration()).toBeNull();
    await listener.start();
    expect(currentVisitorGeneration()).toEqual(expect.any(Number));
  });

  it("moves at once when a change in this process has committed", async () => {
    pages.start();
    await listener.start();
    const before = currentVisitorGeneration();
    forgetCachedChannel("any-owner");
    expect(currentVisitorGeneration()).not.toBe(before);
  });

  it("moves when another server's change is heard of", async () => {
    pages.start();
    await listener.start();
    const owner = await createUser(db);
    await listener.settle();
    const before = currentVisitorGeneration();
    // As another app server's upload would: the revision moves there, only the notification comes here.
    await db.transaction((tx) => bumpChannelRevision(tx, owner.id));
    await listener.settle();
    expect(currentVisitorGeneration()).not.toBe(before);
  });

  it("moves when a setting visitors' pages show changes, here at once and on every other server", async () => {
    pages.start();
    await listener.start();
    const admin = actorFor(await createSiteAdmin(db));
    const otherServer = new ChangeListener(testDatabaseUrl(), { log: () => {} });
    const heard: string[] = [];
    otherServer.subscribe({ changed: (channel) => heard.push(channel), reset: () => {} });
    await otherServer.start();
    try {
      const before = currentVisitorGeneration();
      await updateSiteSettings(db, admin, { openRegistration: false, gravatar: false });
      expect(currentVisitorGeneration()).not.toBe(before);
      await otherServer.settle();
      expect(heard).toContain(settingsChangesChannel);
    } finally {
      await otherServer.close();
    }
  });

  it("is gone once closed, and while the listener is down", async () => {
    pages.start();
    await listener.start();
    await listener.close();
    expect(currentVisitorGeneration()).toBeNull();
    pages.close();
    expect(currentVisitorGeneration()).toBeNull();
  });
});
