import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { commitApplicationProject } from "../src/test/applications";
import { adminPage, e2eAdmin, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling } from "./helpers";

/**
 * Transfer, end to end on the launcher (the instance-to-instance copy itself is tested with two running instances in
 * services/application-transfer.test.ts): the administrator gets a transfer token under Actions, shown once with a
 * copy button; on Applications → Transfer a wrong token and an unreachable address are refused on their fields, and
 * this very instance's address with the token lists its applications, an existing name marked as such. Then the
 * application page's editing flows on a Git source: Edit lists the branch's commits, one is picked, the application
 * made inactive and updated (installed beside the running one), and Delete asks for the name.
 */
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-transfer-"));
test.afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));

test("an administrator gets a transfer token and lists another Granary's applications with it, with clear refusals", async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const repository = path.join(fixtures, "repository");
  const commit = commitApplicationProject({ name: "granary-e2e-transfer", version: "1.0", modules: {} }, repository, "main");
  const admin = await adminPage(browser, { viewport: { width: 390, height: 844 } });

  await admin.goto("/admin/applications");
  const form = admin.getByTestId("create-application-form");
  await form.getByLabel("Name").fill("E2E transfer");
  await form.getByLabel("A Git repository").check();
  await form.getByLabel("Repository URL").fill(`file://${repository}`);
  await form.getByLabel("Commit").fill(commit);
  await form.getByLabel("Dependencies from (owner)").fill(e2eAdmin.username);
  await form.getByRole("button", { name: "Create and install" }).click();
  await expect(admin).toHaveURL(/\/admin\/applications\/[0-9a-f-]{36}$/);

  await admin.goto("/admin/actions");
  // Restart workers says when each running worker loaded the applications (the launcher runs one).
  await expect(admin.getByTestId("worker-reload").first()).toContainText("loaded the applications at");
  await admin.getByTestId("get-transfer-token").click();
  const shown = admin.getByTestId("transfer-token");
  await expect(shown).toContainText("Valid until");
  await expect(shown.getByRole("button", { name: "Copy: Transfer token" })).toBeVisible();
  const token = (await shown.locator("code").textContent())!.trim();
  expect(token.split(".")).toHaveLength(3);
  await expectNoSeriousAccessibilityViolations(admin);
  await expectNoSidewaysScrolling(admin);

  await admin.goto("/admin/applications");
  await admin.getByRole("link", { name: "Transfer applications from another Granary" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Transfer applications" })).toBeVisible();
  const source = admin.getByTestId("transfer-source-form");
  const address = source.getByLabel("The other Granary's address");
  const tokenField = source.getByLabel("Transfer token");
  const list = source.getByRole("button", { name: "List its applications" });

  await address.fill(baseURL!);
  await tokenField.fill("not.a.token");
  await list.click();
  await expect(source.locator(".field-error")).toContainText("refused the token: The transfer token is not valid");

  await address.fill("http://127.0.0.1:1");
  await tokenField.fill(token);
  await list.click();
  await expect(source.locator(".field-error")).toContainText("Could not reach http://127.0.0.1:1");

  await address.fill(baseURL!);
  await list.click();
  const row = admin.getByTestId("transfer-application").filter({ hasText: "E2E transfer" });
  await expect(row).toContainText(commit.slice(0, 12));
  await expect(row).toContainText("An application of this name exists here already");
  await expect(row.getByRole("checkbox", { name: "Transfer E2E transfer" })).toBeDisabled();
  await expectNoSeriousAccessibilityViolations(admin);
  await expectNoSidewaysScrolling(admin);
  await admin.context().close();
});

test("an administrator switches a Git application to another commit of its branch with Edit, makes it inactive, updates and deletes it", async ({ browser }) => {
  test.setTimeout(180_000);
  const repository = path.join(fixtures, "edit-repository");
  const project = (version: string) => ({
    name: "granary-e2e-edit",
    version,
    modules: { "hello.py": `def hello(data):\n    return {"version": "${version}"}\n\nhello.description = "Says hello"\n` },
    tasks: { hello: "granary_e2e_edit.hello:hello" },
  });
  const first = commitApplicationProject(project("1.0"), repository, "main");
  const second = commitApplicationProject(project("1.1"), repository, "main");
  const admin = await adminPage(browser, { viewport: { width: 390, height: 844 } });

  await admin.goto("/admin/applications");
  const form = admin.getByTestId("create-application-form");
  await form.getByLabel("Name").fill("E2E edit");
  await form.getByLabel("A Git repository").check();
  await form.getByLabel("Repository URL").fill(`file://${repository}`);
  await form.getByLabel("Commit").fill(first);
  await form.getByLabel("Dependencies from (owner)").fill(e2eAdmin.username);
  await form.getByRole("button", { name: "Create and install" }).click();
  await expect(admin).toHaveURL(/\/admin\/applications\/[0-9a-f-]{36}$/);
  await expect(admin.getByTestId("latest-install")).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
  await expect(admin.getByTestId("running-version")).toHaveText(first);

  const update = admin.getByTestId("update-application-form");
  await update.getByRole("button", { name: "Edit: choose a commit of the branch" }).click();
  const commits = update.getByTestId("branch-commits");
  await expect(commits.getByRole("radio")).toHaveCount(2);
  await expect(commits).toContainText("granary-e2e-edit 1.1");
  await commits.getByRole("radio", { name: new RegExp(second.slice(0, 12)) }).check();
  await expect(update.getByLabel("Commit")).toHaveValue(second);
  await update.getByLabel("Active").uncheck();
  await expectNoSeriousAccessibilityViolations(admin);
  await expectNoSidewaysScrolling(admin);
  await update.getByRole("button", { name: "Update" }).click();
  await expect(update.getByTestId("form-success")).toContainText("being installed beside the running one");
  await expect(admin.getByTestId("running-version")).toHaveText(second, { timeout: 120_000 });
  await expect(admin.getByText("From a Git repository · Inactive")).toBeVisible();

  await admin.getByLabel("Type “E2E edit” to confirm").fill("E2E");
  await admin.getByRole("button", { name: "Delete the application" }).click();
  await expect(admin.getByText("Type the application's name, E2E edit, to confirm.")).toBeVisible();
  await admin.getByLabel("Type “E2E edit” to confirm").fill("E2E edit");
  await admin.getByRole("button", { name: "Delete the application" }).click();
  await expect(admin).toHaveURL(/\/admin\/applications$/);
  await expect(admin.getByTestId("application-row").filter({ hasText: "E2E edit" })).toHaveCount(0);
  await admin.context().close();
});
