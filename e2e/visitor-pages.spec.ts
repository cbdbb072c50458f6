import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { buildCondaPackage } from "../src/test/package-fixtures";
import { newAccount, signUp, uploadFiles } from "./helpers";

/**
 * Visitors' pages are answered from Next's cache (src/server/visitor-page-routes.ts, services/visitor-pages.ts):
 * they must change on the very next view after a change, and never show one person's data to another.
 */

const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-visitor-pages-"));

async function visitorPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

/** A page view as a visitor without a session, checked to have come from the cached visitor page. */
async function visit(page: Page, address: string): Promise<number> {
  const response = await page.goto(address);
  const status = response?.status() ?? 0;
  if (status === 200) expect(response?.headers()["x-nextjs-cache"], `${address} answered by the cached visitor page`).toBeDefined();
  expect(response?.headers()["cache-control"]).toContain("private");
  return status;
}

test("a visitor's cached pages show an upload, a privacy change and a deletion on the next view", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const owner = newAccount("cached");
  await signUp(page, owner);
  const first = buildCondaPackage({ name: "cached-first", version: "1.0.0", summary: "Seen by visitors" }, fs.mkdtempSync(path.join(fixtures, "a-")));
  await uploadFiles(page, [first]);

  const visitor = await visitorPage(browser);
  // Each page seen once before each change, so that a forgotten revalidation would show the old page.
  expect(await visit(visitor, `/${owner.username}`)).toBe(200);
  await expect(visitor.getByTestId("package-list")).toContainText("cached-first");
  expect(await visit(visitor, `/${owner.username}/cached-first`)).toBe(200);
  await visit(visitor, "/");
  await expect(visitor.getByRole("main")).toContainText("cached-first");
  await visit(visitor, "/search?q=cached");
  await expect(visitor.getByTestId("package-list")).toContainText("cached-first");

  // An upload.
  const second = buildCondaPackage({ name: "cached-second", version: "2.0.0", summary: "Uploaded later" }, fs.mkdtempSync(path.join(fixtures, "b-")));
  await uploadFiles(page, [second]);
  await visit(visitor, `/${owner.username}`);
  await expect(visitor.getByTestId("package-list")).toContainText("cached-second");
  await visit(visitor, "/");
  await expect(visitor.getByRole("main")).toContainText("cached-second");
  await visit(visitor, "/search?q=cached");
  await expect(visitor.getByTestId("package-list")).toContainText("cached-second");

  // A privacy change.
  await page.goto(`/${owner.username}/cached-first`);
  await page.getByRole("button", { name: "Make private" }).click();
  await expect(page.getByRole("button", { name: "Make public" })).toBeVisible();
  expect(await visit(visitor, `/${owner.username}/cached-first`)).toBe(404);
  await visit(visitor, `/${owner.username}`);
  await expect(visitor.getByTestId("package-list")).not.toContainText("cached-first");
  await expect(visitor.getByTestId("package-list")).toContainText("cached-second");
  await visit(visitor, "/");
  await expect(visitor.getByRole("main")).not.toContainText("cached-first");
  await visit(visitor, "/search?q=cached");
  await expect(visitor.getByTestId("package-list")).not.toContainText("cached-first");

  // A deletion.
  expect(await visit(visitor, `/${owner.username}/cached-second`)).toBe(200);
  await page.goto(`/${owner.username}/cached-second`);
  await page.getByLabel("Type cached-second to confirm").fill("cached-second");
  await page.getByRole("button", { name: "Delete package" }).click();
  await expect(page).toHaveURL(new RegExp(`/${owner.username}$`));
  expect(await visit(visitor, `/${owner.username}/cached-second`)).toBe(404);
  await visit(visitor, `/${owner.username}`);
  await expect(visitor.getByRole("main")).not.toContainText("cached-second");
  await visitor.context().close();
});

test("cached pages never show one person's private packages or account to another", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const alice = newAccount("alice");
  await signUp(page, alice);
  const secret = buildCondaPackage({ name: "alice-secret", version: "1.0.0", summary: "Only Alice" }, fs.mkdtempSync(path.join(fixtures, "c-")));
  const open = buildCondaPackage({ name: "alice-open", version: "1.0.0", summary: "Anyone" }, fs.mkdtempSync(path.join(fixtures, "d-")));
  await uploadFiles(page, [secret], { makePrivate: true });
  await uploadFiles(page, [open]);
  // Alice's own views, signed in, are the dynamic pages: her private package and her account are on them.
  for (const address of ["/", `/${alice.username}`, "/search?q=alice", "/terms"]) {
    const response = await page.goto(address);
    expect(response?.headers()["x-nextjs-cache"], `${address} is not the visitor page for a signed-in person`).toBeUndefined();
    await expect(page.getByTestId("user-menu-name")).toHaveText(alice.username);
  }
  await page.goto(`/${alice.username}`);
  await expect(page.getByTestId("package-list")).toContainText("alice-secret");
  await page.goto("/search?q=alice");
  await expect(page.getByTestId("package-list")).toContainText("alice-secret");
  await page.goto(`/${alice.username}/alice-secret`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("alice-secret");

  const visitor = await visitorPage(browser);
  const bob = await visitorPage(browser);
  await signUp(bob, newAccount("bob"));
  for (const viewer of [visitor, bob]) {
    for (const address of ["/", `/${alice.username}`, `/${alice.username}/alice-open`, "/search?q=alice", "/terms", "/sign-in"]) {
      await viewer.goto(address);
      await expect(viewer.getByRole("navigation", { name: "Main" })).not.toContainText(alice.username);
      await expect(viewer.getByRole("main")).not.toContainText("alice-secret");
    }
    expect((await viewer.goto(`/${alice.username}/alice-secret`))?.status()).toBe(404);
  }
  await expect(visitor.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(bob.getByTestId("user-menu-name")).not.toHaveText(alice.username);

  // The cached pages are reached only through their public addresses.
  expect((await visitor.request.get("/visitor-pages/0")).status()).toBe(404);
  expect((await visitor.request.get(`/visitor-pages/0/${alice.username}`)).status()).toBe(404);
  // A visitor's page stays the visitor's: no shared cache in between may keep it for someone else.
  const response = await visitor.request.get(`/${alice.username}`);
  expect(response.headers()["cache-control"]).toMatch(/private/);
  await visitor.context().close();
  await bob.context().close();
});
