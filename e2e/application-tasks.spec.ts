import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { buildApplicationWheel, demoApplication, demoHelper } from "../src/test/applications";
import { adminPage, e2eAdmin, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling, uploadFiles } from "./helpers";

/**
 * Tools → Applications, end to end on the launcher: an application with work tasks is installed (CREATE APP, real pip),
 * then its task `report` is run from the form built from its JSON Schema: a missing required field is refused on
 * the field, and a good input leads to the run's page, whose progress bar and log follow the run in the worker until
 * its result JSON and its file (with their sha256) are there to download.
 */
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-application-tasks-"));
test.afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));

test("a user runs an application's task from its form and follows its progress to the result", async ({ browser }) => {
  test.setTimeout(240_000);
  // Names of their own: admin-applications.spec.ts publishes granary-demo-app 1.0 and granary-demo-helper 1.0.
  const helper = buildApplicationWheel(demoHelper("1.0", "granary-tasks-helper"), fixtures);
  const app = buildApplicationWheel(demoApplication("3.0", { workTasks: true, helper: "granary-tasks-helper" }), fixtures);
  const page = await adminPage(browser, { viewport: { width: 390, height: 844 } });
  await uploadFiles(page, [helper, app]);

  await page.goto("/admin/applications");
  const form = page.getByTestId("create-application-form");
  await form.getByLabel("Name").fill("E2E tasks");
  await form.getByLabel("A Python package on this Granary").check();
  await form.getByLabel("Package", { exact: true }).selectOption(`${e2eAdmin.username}/granary-demo-app`);
  await form.getByLabel("Version", { exact: true }).selectOption("3.0");
  await form.getByRole("button", { name: "Create and install" }).click();
  await expect(page).toHaveURL(/\/admin\/applications\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("latest-install")).toHaveAttribute("data-status", "succeeded", { timeout: 180_000 });
  await expect(page.getByTestId("task-settings-form")).toBeVisible();

  await page.goto("/dashboard");
  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Applications", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Applications" })).toBeVisible();
  const task = page.getByTestId("tools-task").and(page.locator('[data-task="report"]'));
  await expect(task).toContainText("Counts to n, reporting its progress, and writes the numbers to a file.");
  await task.getByText("Run report").click();
  const runForm = task.getByTestId("run-task-form");
  await expect(runForm.getByLabel("mode")).toBeVisible();
  await expectNoSeriousAccessibilityViolations(page);
  await expectNoSidewaysScrolling(page);

  // The server checks the input against the schema: the missing required field is named on its field.
  await runForm.getByLabel("label").fill("three");
  await runForm.getByRole("button", { name: "Run" }).click();
  await expect(runForm.getByTestId("field-error-n")).toHaveText("This field is required.");
  await runForm.getByLabel(/^n( \*)?$/).fill("3");
  await runForm.getByLabel("mode").selectOption("fast");
  await runForm.getByRole("button", { name: "Run" }).click();

  await expect(page).toHaveURL(/\/tools\/applications\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name: "E2E tasks: report" })).toBeVisible();
  const progress = page.getByRole("progressbar", { name: "report's progress" });
  await expect(progress).toBeVisible();
  await expect(page.getByTestId("task-run")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(progress).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByTestId("task-run-message")).toContainText("step 3 of 3");
  await expect(page.getByTestId("task-run-log")).toContainText("step 2");
  await expect(page.getByTestId("task-run-log")).toContainText("printed on stdout");
  await expect(page.getByTestId("task-run-result")).toContainText('"total": 3');
  await expect(page.getByTestId("task-run-result")).toContainText('"label": "three"');
  const files = page.getByTestId("task-run-files");
  await expect(files).toContainText("numbers.txt");
  await expect(files).toContainText("result.json");
  const download = await page.request.get((await files.getByRole("link", { name: "numbers.txt" }).getAttribute("href"))!);
  expect(download.status()).toBe(200);
  expect(await download.text()).toBe("0\n1\n2\n");
  await expectNoSeriousAccessibilityViolations(page);
  await expectNoSidewaysScrolling(page);

  await page.goto("/tools/applications/runs");
  await expect(page.getByTestId("task-run-row").first()).toContainText("E2E tasks: report");
  await page.context().close();
});
