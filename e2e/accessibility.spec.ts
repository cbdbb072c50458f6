import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { buildCondaPackage } from "../src/test/package-fixtures";
import { adminPage, createOrganization, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling, newAccount, signUp, uploadFiles } from "./helpers";

const publicPages = ["/", "/sign-up", "/sign-in", "/forgot-username", "/forgot-password", "/reset-password?token=example-token-for-layout-only", "/terms"];
const accountPages = [
  "/dashboard",
  "/dashboard/labels",
  "/dashboard/organizations",
  "/dashboard/groups",
  "/settings/account",
  "/settings/security",
  "/settings/organizations",
  "/settings/organizations/new",
  "/settings/billing",
  "/notifications",
  "/confirm-email?token=example-token-for-layout-only",
];
const adminPages = ["/admin", "/admin/accounts", "/admin/config", "/admin/stats", "/admin/users", "/admin/organizations", "/admin/plans", "/admin/outbox", "/admin/exceptions", "/admin/security-log", "/users", "/admin/task-queue", "/admin/task-queue/low", "/admin/periodic-tasks", "/admin/actions", "/admin/system-logs", "/admin/system-logs?category=api_errors", "/admin/logs", "/admin/logs?log=authentication"];

/** Each page: rendered, no serious or critical axe violation, nothing spilling sideways at this width. */
async function checkPages(page: Page, paths: string[]) {
  for (const target of paths) {
    await page.goto(target);
    await expect(page.locator("main h1").first(), target).toBeVisible();
    await expectNoSeriousAccessibilityViolations(page);
    await expectNoSidewaysScrolling(page);
  }
}

for (const viewport of [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
]) {
  test.describe(`at ${viewport.name} width`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test("public pages have no serious accessibility violations", async ({ page }) => {
      await checkPages(page, publicPages);
    });

    test("account pages have no serious accessibility violations", async ({ page }) => {
      await signUp(page, newAccount(`axe${viewport.name}`));
      await checkPages(page, accountPages);
    });

    test("organization, package settings and admin pages have no serious accessibility violations", async ({ page, browser }) => {
      test.setTimeout(180_000);
      const account = newAccount(`axeorg${viewport.name}`);
      await signUp(page, account);
      const organization = `axe-${viewport.name}-${process.pid % 1000}${Date.now() % 1000}`;
      await createOrganization(page, organization);
      const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-axe-"));
      const mine = buildCondaPackage({ name: "axe-mine", version: "1.0" }, fixtures);
      const theirs = buildCondaPackage({ name: "axe-theirs", version: "1.0" }, fs.mkdtempSync(path.join(fixtures, "org-")));
      await uploadFiles(page, [mine]);
      await uploadFiles(page, [theirs], { owner: organization });
      await checkPages(page, [
        `/${organization}`,
        `/${organization}/dashboard`,
        `/${organization}/settings`,
        `/${organization}/settings/members`,
        `/${organization}/settings/groups`,
        `/${organization}/settings/billing`,
        `/${account.username}/axe-mine`,
        `/${account.username}/axe-mine/settings/collaborators`,
        `/${account.username}/axe-mine/settings/admin`,
        `/${organization}/axe-theirs/settings/collaborators`,
        `/upload?owner=${organization}`,
      ]);
      // The dialogs that confirm destructive actions.
      await page.goto(`/${organization}/settings/groups`);
      await page.getByRole("button", { name: "+ New group" }).click();
      await page.getByLabel("Group name").fill("axe-group");
      await page.getByRole("button", { name: "Save group" }).click();
      await page.getByRole("button", { name: "Delete axe-group" }).click();
      await expect(page.getByRole("dialog")).toBeVisible();
      await expectNoSeriousAccessibilityViolations(page);
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      await expect(page.getByRole("dialog")).toBeHidden();

      const admin = await adminPage(browser, { viewport: { width: viewport.width, height: viewport.height } });
      await checkPages(admin, adminPages);
    });
  });
}
