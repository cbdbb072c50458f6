import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { buildApplicationWheel, demoApplication, demoHelper } from "../src/test/applications";
import { adminPage, e2eAdmin, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling, uploadFiles } from "./helpers";

/**
 * Admin → Applications, end to end on the launcher: the administrator publishes an application wheel and its
 * dependency, creates the application with CREATE APP, follows the install's progress bar until the job (real pip
 * from this instance's own index) has installed it, then reads the failed task's traceback in Import Errors and
 * finds the dependency in Python packages; at phone width too.
 */
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-applications-"));
test.afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));

async function openFromMenu(admin: Page, label: string, phone: boolean) {
  const menu = admin.getByRole("navigation", { name: "Admin" });
  if (phone) await menu.getByRole("button", { name: /Admin menu/ }).click();
  await menu.getByRole("link", { name: label, exact: true }).click();
  await expect(admin.getByRole("heading", { level: 1, name: label })).toBeVisible();
}

test("an administrator installs an application with CREATE APP, follows its install, and reads its import errors and Python packages", async ({ browser }) => {
  test.setTimeout(240_000);
  const helper = buildApplicationWheel(demoHelper("1.0"), fixtures);
  const app = buildApplicationWheel(demoApplication("1.0"), fixtures);
  const admin = await adminPage(browser, { viewport: { width: 390, height: 844 } });
  await uploadFiles(admin, [helper, app]);

  await admin.goto("/admin");
  await openFromMenu(admin, "Applications", true);
  const form = admin.getByTestId("create-application-form");
  await form.getByLabel("Name").fill("E2E demo");
  await form.getByLabel("A Python package on this Granary").check();
  await form.getByLabel("Package", { exact: true }).selectOption(`${e2eAdmin.username}/granary-demo-app`);
  await expect(form.getByLabel("Version", { exact: true })).toHaveValue("1.0");
  await expectNoSeriousAccessibilityViolations(admin);
  await expectNoSidewaysScrolling(admin);
  await form.getByRole("button", { name: "Create and install" }).click();

  await expect(admin).toHaveURL(/\/admin\/applications\/[0-9a-f-]{36}$/);
  await expect(admin.getByRole("heading", { level: 1, name: "E2E demo" })).toBeVisible();
  const progress = admin.getByRole("progressbar", { name: "Installing 1.0" });
  await expect(progress).toBeVisible();
  await expect(admin.getByTestId("latest-install")).toHaveAttribute("data-status", "succeeded", { timeout: 180_000 });
  await expect(progress).toHaveAttribute("aria-valuenow", "100");
  await expect(admin.getByTestId("install-status")).toContainText("Installed: 2 task(s), 1 import error(s)");
  await expect(admin.getByTestId("running-version")).toHaveText("1.0");
  await expect(admin.getByTestId("application-task")).toHaveCount(2);
  await expect(admin.getByTestId("application-tasks")).toContainText("Greets someone by name");
  await admin.getByText("The install's log (pip and git output)").click();
  await expect(admin.getByTestId("install-log")).toContainText("Successfully installed granary-demo-app-1.0 granary-demo-helper-1.0");
  await expectNoSeriousAccessibilityViolations(admin);
  await expectNoSidewaysScrolling(admin);

  await openFromMenu(admin, "Import Errors", true);
  const error = admin.getByTestId("import-error").filter({ hasText: "broken" });
  await expect(error).toContainText("ModuleNotFoundError");
  await expect(error).toContainText("Running version 1.0");
  await expect(error.getByTestId("import-error-traceback")).toBeHidden();
  // The traceback opens from the keyboard: the summary is focusable and Enter toggles it.
  await error.locator("summary").focus();
  await admin.keyboard.press("Enter");
  await expect(error.getByTestId("import-error-traceback")).toContainText("Traceback (most recent call last)");
  await expect(error.getByTestId("import-error-traceback")).toContainText("granary_module_that_does_not_exist");
  await expectNoSeriousAccessibilityViolations(admin);
  await expectNoSidewaysScrolling(admin);

  await openFromMenu(admin, "Python packages", true);
  await admin.getByLabel("Search by name").fill("granary-demo-helper");
  await admin.getByLabel("Search by name").press("Enter");
  await expect(admin).toHaveURL(/q=granary-demo-helper/);
  const rows = admin.getByTestId("python-package");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("1.0");
  await expect(rows.first()).toContainText("E2E demo");
  await expect(rows.first()).toContainText("/applications/");
  await expectNoSeriousAccessibilityViolations(admin);
  await expectNoSidewaysScrolling(admin);
  await admin.context().close();
});
