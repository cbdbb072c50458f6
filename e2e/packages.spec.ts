import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { buildCondaPackage, buildPythonDistributions, writeEnvironment, writeNotebook } from "../src/test/package-fixtures";
import { expectNoSeriousAccessibilityViolations, newAccount, signOut, signUp } from "./helpers";

const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-packages-"));
const conda = buildCondaPackage({ name: "e2e-tools", version: "1.2.0", summary: "Tools for the end-to-end tests" }, fixtures);
const python = buildPythonDistributions(
  { name: "e2e-demo", version: "0.3.0", summary: "A demo distribution", readme: "# e2e-demo\n\nRendered **Markdown** description.\n" },
  fixtures,
);
const notebook = writeNotebook(fixtures, "e2e-notebook.ipynb");
const environment = writeEnvironment(fixtures, "e2e-env", "e2e-env.yml");
const corrupt = path.join(fixtures, "broken-1.0-py3-none-any.whl");
fs.writeFileSync(corrupt, "this is not a zip archive");

async function upload(page: Page, files: string[], options: { label?: string; makePrivate?: boolean } = {}) {
  await page.goto("/upload");
  await page.getByLabel("Choose files").setInputFiles(files);
  if (options.label) await page.getByLabel("Label", { exact: true }).fill(options.label);
  if (options.makePrivate) await page.getByLabel("Make the packages private").check();
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page.locator('[data-testid="upload-item"][data-status="uploading"], [data-testid="upload-item"][data-status="waiting"]')).toHaveCount(0, {
    timeout: 30_000,
  });
}

test("upload several files at once, browse, search, star, label, make private and delete", async ({ page, browser, request }) => {
  const account = newAccount("pub");
  await signUp(page, account);

  await upload(page, [conda, python.wheel, python.sdist, notebook, environment, corrupt]);
  const items = page.getByTestId("upload-item");
  await expect(items).toHaveCount(6);
  await expect(page.locator('[data-testid="upload-item"][data-status="done"]')).toHaveCount(5);
  const failed = page.locator('[data-testid="upload-item"][data-status="failed"]');
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText("broken-1.0-py3-none-any.whl");
  await expect(failed.getByRole("alert")).toContainText(/not a valid|corrupt|zip/i);
  await expect(page.getByRole("progressbar", { name: `Upload of ${path.basename(conda)}` })).toHaveAttribute("aria-valuenow", "100");
  await expectNoSeriousAccessibilityViolations(page);

  // Browse: the Python package's page shows both files, the install command and the rendered description.
  await page.goto(`/${account.username}/e2e-demo`);
  await expect(page.getByTestId("package-name")).toHaveText("e2e-demo");
  await expect(page.getByTestId("file-row")).toHaveCount(2);
  await expect(page.getByText(`pip install --index-url`)).toContainText(`/${account.username}/simple/ e2e-demo`);
  await expect(page.locator(".package-description strong")).toHaveText("Markdown");
  const wheelRow = page.locator(`[data-testid="file-row"][data-filename="${path.basename(python.wheel)}"]`);
  await expect(wheelRow).toContainText("0.3.0");
  await expect(wheelRow.getByTestId("file-platform")).toHaveText("any");
  await expect(page.getByTestId("latest-version")).toHaveText("0.3.0");
  await expect(page.getByTestId("release-history")).toContainText("0.3.0");
  // Yanking (PEP 592) asks first, takes a reason, and marks the release; the simple index marks its files.
  await page.getByTestId("release-history").getByRole("button", { name: "Yank 0.3.0" }).click();
  const yankDialog = page.getByRole("dialog", { name: "Yank e2e-demo 0.3.0?" });
  await yankDialog.getByLabel("Reason (optional)").fill("Broken on Windows");
  await yankDialog.getByRole("button", { name: "Yank 0.3.0" }).click();
  await expect(page.getByTestId("release-history").getByTestId("yanked-mark")).toHaveText("yanked: Broken on Windows");
  await expect(page.getByRole("heading", { level: 3, name: /Version 0\.3\.0/ }).getByTestId("yanked-mark")).toBeVisible();
  expect((await page.request.get(`/${account.username}/simple/e2e-demo/`)).ok()).toBe(true);
  expect(await (await page.request.get(`/${account.username}/simple/e2e-demo/`)).text()).toContain('data-yanked="Broken on Windows"');
  await page.getByTestId("release-history").getByRole("button", { name: "Un-yank 0.3.0" }).click();
  await expect(page.getByTestId("yanked-mark")).toHaveCount(0);
  await expect(page.getByTestId("downloads-chart")).toContainText("in the last 30 days");
  // The install picker: one client at a time, poetry with the index as a source.
  const pythonInstall = page.getByRole("region", { name: "Install" });
  await pythonInstall.getByRole("button", { name: "poetry" }).click();
  await expect(pythonInstall).toContainText(`poetry source add --priority=supplemental granary http://127.0.0.1:${new URL(page.url()).port}/${account.username}/simple/`);

  await expectNoSeriousAccessibilityViolations(page);

  // A notebook is previewed read-only; an environment lists its dependencies.
  await page.goto(`/${account.username}/e2e-notebook`);
  const preview = page.getByTestId("notebook-preview");
  await expect(preview.getByRole("heading", { name: "Quarterly analysis" })).toBeVisible();
  await expect(preview.locator("pre code")).toContainText("print(1 + 1)");
  await expectNoSeriousAccessibilityViolations(page);
  await page.goto(`/${account.username}/e2e-env`);
  await expect(page.getByTestId("environment-dependencies")).toContainText("numpy");
  await expect(page.getByTestId("environment-dependencies")).toContainText("requests");

  // Dashboard views and the owner page list what was published.
  await page.goto("/dashboard/notebooks");
  await expect(page.getByRole("link", { name: `${account.username}/e2e-notebook` })).toBeVisible();
  await page.goto("/dashboard/environments");
  await expect(page.getByRole("link", { name: `${account.username}/e2e-env` })).toBeVisible();
  await page.goto("/dashboard/packages");
  await expect(page.getByTestId("package-list").getByRole("link")).toHaveCount(2);

  await page.goto(`/${account.username}`);
  await expect(page.getByTestId("package-list").getByRole("link")).toHaveCount(4);
  await expectNoSeriousAccessibilityViolations(page);

  // Search with a type filter.
  await page.goto("/search?q=e2e");
  await expectNoSeriousAccessibilityViolations(page);
  await expect(page.getByTestId("package-list").getByRole("link", { name: `${account.username}/e2e-tools` })).toBeVisible();
  await page.getByRole("navigation", { name: "Type" }).getByRole("link", { name: "Notebooks" }).click();
  await expect(page.getByTestId("package-list").getByRole("link")).toHaveCount(1);
  await expect(page.getByTestId("package-list")).toContainText("e2e-notebook");

  // Star, and find it among the favorites.
  await page.goto(`/${account.username}/e2e-tools`);
  await page.getByRole("button", { name: /Star/ }).click();
  await expect(page.getByRole("button", { name: /Starred · 1/ })).toBeVisible();
  await page.goto("/dashboard/favorites");
  await expect(page.getByRole("link", { name: `${account.username}/e2e-tools` })).toBeVisible();

  // Labels: add dev to the conda file; conda reads it at /<owner>/label/dev/.
  await page.goto(`/${account.username}/e2e-tools`);
  const condaFile = path.basename(conda);
  await page.getByLabel(`New label for ${condaFile}`).fill("dev");
  await page.getByRole("button", { name: `Add label to ${condaFile}` }).click();
  await expect(page.getByTestId("file-labels")).toHaveText("dev, main");
  const devIndex = await request.get(`/${account.username}/label/dev/noarch/repodata.json`);
  expect(devIndex.status()).toBe(200);
  expect(Object.keys((await devIndex.json()).packages)).toContain(condaFile);
  await page.goto("/dashboard/labels");
  await expect(page.getByRole("cell", { name: "dev", exact: true })).toBeVisible();
  await page.goto(`/${account.username}/e2e-tools`);
  await page.getByRole("button", { name: `Remove label dev from ${condaFile}` }).click();
  await expect(page.getByTestId("file-labels")).toHaveText("main");
  // The removal offers an undo rather than asking first.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByTestId("file-labels")).toHaveText("dev, main");
  await page.getByRole("button", { name: `Remove label dev from ${condaFile}` }).click();
  await expect(page.getByTestId("file-labels")).toHaveText("main");

  // Privacy: a private package disappears for visitors, pages and indexes alike.
  await page.getByRole("button", { name: "Make private" }).click();
  await expect(page.getByRole("button", { name: "Make public" })).toBeVisible();
  // Its page now recommends an access token, never a password in a URL.
  await page.reload();
  const install = page.getByRole("region", { name: "Install" });
  await expect(install.getByTestId("private-install-note").getByRole("link", { name: "your Access tokens page" })).toHaveAttribute(
    "href",
    `/${account.username}/settings/access`,
  );
  await expect(install.getByText(`conda install -c http://127.0.0.1:${new URL(page.url()).port}/t/<TOKEN>/${account.username} e2e-tools`)).toBeVisible();
  await expect(install).not.toContainText(/password in the URL|USER:PASSWORD/i);
  const visitor = await (await browser.newContext()).newPage();
  const hidden = await visitor.goto(`/${account.username}/e2e-tools`);
  expect(hidden?.status()).toBe(404);
  const publicIndex = await (await browser.newContext()).request.get(`/${account.username}/noarch/repodata.json`);
  expect(Object.keys((await publicIndex.json()).packages)).not.toContain(condaFile);
  // At once, and exactly as a file that does not exist (no challenge that would tell it does).
  const anonymousDownload = await (await browser.newContext()).request.get(`/${account.username}/noarch/${condaFile}`);
  expect(anonymousDownload.status()).toBe(404);
  expect(anonymousDownload.headers()["www-authenticate"]).toBeUndefined();

  // Deletion: one file, then the whole package after typing its name.
  await page.goto(`/${account.username}/e2e-demo`);
  await page.getByTestId("file-row").filter({ hasText: path.basename(python.sdist) }).getByRole("button", { name: "Delete file" }).click();
  await page.getByRole("dialog", { name: `Delete ${path.basename(python.sdist)}?` }).getByRole("button", { name: "Delete file" }).click();
  await expect(page.getByTestId("file-row")).toHaveCount(1);
  await page.getByLabel("Type e2e-demo to confirm").fill("e2e-demo");
  await page.getByRole("button", { name: "Delete package" }).click();
  await expect(page).toHaveURL(new RegExp(`/${account.username}$`));
  await expect(page.getByTestId("package-list")).not.toContainText("e2e-demo");
  const gone = await request.get(`/${account.username}/simple/e2e-demo/`);
  expect(gone.status()).toBe(404);

  await signOut(page, account.username);
});
