import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, expect, it } from "vitest";
import { clearStorageAlarm, StorageFullError } from "@/server/storage";
import { raiseStorageAlarm } from "@/server/storage/storage-full";
import { StorageFullBanner } from "./storage-full-banner";

afterEach(() => clearStorageAlarm());

async function banner(): Promise<string | null> {
  const element = await StorageFullBanner();
  return element ? renderToStaticMarkup(element) : null;
}

it("shows administrators which storage is full while the alarm is up, and nothing otherwise", async () => {
  expect(await banner()).toBeNull();
  expect(await raiseStorageAlarm(new StorageFullError("database"), null)).toBe(true);
  // The same storage filling again is the same episode.
  expect(await raiseStorageAlarm(new StorageFullError("database"), null)).toBe(false);
  const html = await banner();
  expect(html).toContain('data-testid="storage-full-banner"');
  expect(html).toContain("<strong>Storage is full.</strong> The database&#x27;s disk ran out of space");
  expect(html).toContain("refused with 507 Insufficient Storage");
  clearStorageAlarm();
  expect(await banner()).toBeNull();
});
