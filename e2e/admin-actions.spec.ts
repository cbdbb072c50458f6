import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { buildCondaPackage } from "../src/test/package-fixtures";
import { adminPage, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling, newAccount, signUp, uploadFiles } from "./helpers";

/**
 * Admin → Actions: read-only mode (the banner on every page, an upload and a new token refused with the reason), the
 * platform restart answered by the launcher's server, and, in the danger zone, deleting all public objects: refused
 * with a wrong confirmation and while the site is open, then followed on its progress bar until done; the public
 * package is gone and the private one stays.
 */
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-actions-"));
test.afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));

/** Whatever happens in a test, the site is open again for the specs after it. */
test.afterEach(async ({ browser }) => {
  const admin = await adminPage(browser);
  await admin.goto("/admin/actions");
  const toggle = admin.getByTestId("toggle-read-only");
  if ((await toggle.textContent())?.includes("Turn off")) {
    await toggle.click();
    await expect(admin.getByTestId("read-only-state")).toContainText("The site is open");
  }
  await admin.context().close();
});

async function openActions(admin: Page, phone: boolean) {
  await admin.goto("/admin");
  const menu = admin.getByRole("navigation", { name: "Admin" });
  if (phone) await menu.getByRole("button", { name: /Admin menu/ }).click();
  await menu.getByRole("link", { name: "Actions" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Actions" })).toBeVisible();
}

for (const viewport of [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
]) {
  test(`an administrator makes the site read-only, restarts the platform and deletes all public objects (${viewport.name})`, async ({ browser }) => {
    test.setTimeout(180_000);
    const size = { viewport: { width: viewport.width, height: viewport.height } };
    const publicFile = buildCondaPackage({ name: `actions-public-${viewport.name}`, version: "1.0" }, fixtures);
    const privateFile = buildCondaPackage({ name: `actions-private-${viewport.name}`, version: "1.0" }, fixtures);
    const laterFile = buildCondaPackage({ name: `actions-later-${viewport.name}`, version: "1.0" }, fixtures);

    const publisher = await (await browser.newContext(size)).newPage();
    const account = newAccount("actions");
    await signUp(publisher, account);
    await uploadFiles(publisher, [publicFile]);
    await uploadFiles(publisher, [privateFile], { makePrivate: true });
    await expect(publisher.locator('[data-testid="upload-item"][data-status="done"]')).toHaveCount(1);

    const admin = await adminPage(browser, size);
    await openActions(admin, viewport.name === "phone");
    await expect(admin.getByTestId("read-only-state")).toContainText("The site is open");
    await expectNoSeriousAccessibilityViolations(admin);
    await expectNoSidewaysScrolling(admin);

    // The danger zone refuses a wrong confirmation on its field, and the right one while the site is open.
    const danger = admin.getByRole("region", { name: "Danger zone" });
    await expect(danger.getByTestId("deletion-needs-read-only")).toBeVisible();
    const confirmation = danger.getByLabel(/Type “delete all public objects” to confirm/);
    await confirmation.fill("delete everything");
    await danger.getByRole("button", { name: "Delete all public objects" }).click();
    await expect(danger.locator(".field-error")).toContainText("exactly to confirm");
    await expect(confirmation).toHaveAttribute("aria-invalid", "true");
    await confirmation.fill("delete all public objects");
    await danger.getByRole("button", { name: "Delete all public objects" }).click();
    await expect(danger.getByTestId("form-error")).toContainText("Put the site in read-only mode first");

    // Read-only: the banner everywhere, uploads and new tokens refused with the reason, browsing goes on.
    await admin.getByTestId("toggle-read-only").click();
    await expect(admin.getByTestId("read-only-state")).toContainText("The site is read-only");
    await expect(admin.getByTestId("read-only-banner")).toBeVisible();

    await publisher.goto(`/${account.username}/actions-public-${viewport.name}`);
    await expect(publisher.getByTestId("read-only-banner")).toBeVisible();
    await expect(publisher.getByRole("heading", { level: 1 })).toContainText(`actions-public-${viewport.name}`);
    await expectNoSeriousAccessibilityViolations(publisher);
    await expectNoSidewaysScrolling(publisher);
    await uploadFiles(publisher, [laterFile]);
    await expect(publisher.locator('[data-testid="upload-item"][data-status="failed"]')).toContainText("read-only mode");
    await publisher.goto(`/${account.username}/settings/access`);
    await publisher.getByLabel("Name", { exact: true }).fill("during-maintenance");
    await publisher.getByRole("checkbox", { name: /^conda:download/ }).check();
    await publisher.getByRole("button", { name: "Create token" }).click();
    await expect(publisher.getByTestId("form-error")).toContainText("read-only mode");

    // Restart: the launcher's server answers, and the page says when it reloaded.
    await admin.getByTestId("restart-platform").click();
    await expect(admin.getByText("Asked every server to reload.")).toBeVisible();
    await expect(admin.getByTestId("reloaded-server").first()).toContainText(/Server .+:\d+ reloaded at/, { timeout: 20_000 });

    // Delete all public objects, followed on the progress bar until done.
    const publicCount = Number(await danger.getByTestId("public-package-count").textContent());
    expect(publicCount).toBeGreaterThanOrEqual(1);
    await expect(danger.getByTestId("deletion-needs-read-only")).toHaveCount(0);
    await confirmation.fill("delete all public objects");
    await danger.getByRole("button", { name: "Delete all public objects" }).click();
    await expect(danger.getByTestId("form-success")).toContainText("public packages: the progress is shown below");
    const progress = danger.getByRole("progressbar", { name: "Deleting public objects" });
    await expect(progress).toBeVisible();
    await expectNoSeriousAccessibilityViolations(admin);
    await expect(danger.getByTestId("deletion-status")).toContainText("Done: deleted", { timeout: 60_000 });
    await expect(progress).toHaveAttribute("aria-valuenow", "100");
    await expect(danger.getByTestId("public-package-count")).toHaveText("0");
    await expectNoSeriousAccessibilityViolations(admin);
    await expectNoSidewaysScrolling(admin);

    const gone = await publisher.goto(`/${account.username}/actions-public-${viewport.name}`);
    expect(gone?.status()).toBe(404);
    const kept = await publisher.goto(`/${account.username}/actions-private-${viewport.name}`);
    expect(kept?.status()).toBe(200);

    // Open again: the banner goes, and uploads are taken.
    await admin.getByTestId("toggle-read-only").click();
    await expect(admin.getByTestId("read-only-state")).toContainText("The site is open");
    await expect(admin.getByTestId("read-only-banner")).toHaveCount(0);
    await uploadFiles(publisher, [laterFile]);
    await expect(publisher.locator('[data-testid="upload-item"][data-status="done"]')).toHaveCount(1);
    await expect(publisher.getByTestId("read-only-banner")).toHaveCount(0);

    await publisher.context().close();
    await admin.context().close();
  });
}
