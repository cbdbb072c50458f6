import { expect, test, type Page } from "@playwright/test";
import { adminPage, e2eAdmin, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling } from "./helpers";

/**
 * Admin → General, Accounts, Config and Stats at desktop and phone widths: each page passes axe and fits the
 * screen; the General form refuses bad addresses on their fields and saves good ones; the effective configuration
 * never shows a secret; Stats takes a snapshot now, charts it and switches periods through the URL.
 */
const viewports = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

async function openFromMenu(admin: Page, phone: boolean, label: string) {
  const menu = admin.getByRole("navigation", { name: "Admin" });
  const toggle = menu.getByRole("button", { name: /Admin menu/ });
  if (phone) await toggle.click();
  await menu.getByRole("link", { name: label, exact: true }).click();
  // On a phone the menu folds again once the link is followed, naming the page it is on.
  if (phone) await expect(toggle).toHaveText(new RegExp(`^Admin menu: ${label}\\W*$`));
  else await expect(menu.getByRole("link", { name: label, exact: true })).toHaveAttribute("aria-current", "page");
}

async function checkPage(admin: Page) {
  await expectNoSeriousAccessibilityViolations(admin);
  await expectNoSidewaysScrolling(admin);
}

for (const viewport of viewports) {
  const phone = viewport.name === "phone";

  test(`General: addresses and default access, with field errors, and the effective configuration masked (${viewport.name})`, async ({ browser }) => {
    const admin = await adminPage(browser, { viewport: { width: viewport.width, height: viewport.height } });
    await admin.goto("/admin/users");
    await openFromMenu(admin, phone, "General");
    await expect(admin.getByRole("heading", { level: 1, name: "Site administration" })).toBeVisible();
    const form = admin.getByRole("form", { name: "General settings" });
    // The launcher's PUBLIC_URL wins, and the page says so.
    await expect(form.getByText(/Set by the environment/)).toBeVisible();
    await checkPage(admin);

    // Bad input: a field error on each field, and nothing saved.
    await form.getByLabel("Site URL").fill("ftp://packages.example.com");
    await form.getByLabel("Static URL").fill("not an address");
    await form.getByRole("button", { name: "Save settings" }).click();
    await expect(form.getByText("The site URL must be an http:// or https:// address, such as https://packages.example.com.")).toBeVisible();
    await expect(form.getByText("The static URL must be an http:// or https:// address, such as https://packages.example.com.")).toBeVisible();
    await expect(form.getByLabel("Static URL")).toHaveAttribute("aria-invalid", "true");
    await checkPage(admin);
    await admin.reload();
    await expect(form.getByLabel("Static URL")).toHaveValue("");

    // Good input is saved and shown as stored in the effective configuration.
    await form.getByLabel("Site URL").fill("https://packages.example.com/");
    await form.getByLabel("Static URL").fill("https://cdn.example.com");
    await form.getByLabel(/^Private:/).check();
    await form.getByRole("button", { name: "Save settings" }).click();
    await expect(form.getByText("Settings saved.")).toBeVisible();
    const stored = admin.getByTestId("effective-stored");
    await expect(stored.locator('tr[data-setting="staticUrl"]')).toContainText("https://cdn.example.com");
    await expect(stored.locator('tr[data-setting="staticUrl"]')).toHaveAttribute("data-source", "database");
    await expect(stored.locator('tr[data-setting="siteUrl"]')).toContainText("https://packages.example.com");
    await expect(stored.locator('tr[data-setting="defaultPackageAccess"]')).toContainText("private");

    // Every setting of the environment is listed with its source; no secret reaches the page's HTML.
    const environment = admin.getByTestId("effective-environment");
    await expect(environment.locator('tr[data-setting="PUBLIC_URL"]')).toHaveAttribute("data-source", "environment");
    await expect(environment.locator('tr[data-setting="MAX_UPLOAD_BYTES"]')).toHaveAttribute("data-source", "default");
    await expect(environment.locator('tr[data-setting="GRANARY_ADMIN_PASSWORD"]')).toContainText("******");
    await expect(environment.locator('tr[data-setting="AUTH_SECRET"]')).toContainText("******");
    expect(await admin.content()).not.toContain(e2eAdmin.password);
    await checkPage(admin);

    // Back to the defaults the other flows expect: files from Granary itself, new packages public.
    await form.getByLabel("Site URL").fill("");
    await form.getByLabel("Static URL").fill("");
    await form.getByLabel(/^Public:/).check();
    await form.getByRole("button", { name: "Save settings" }).click();
    await expect(form.getByText("Settings saved.")).toBeVisible();
    await admin.reload();
    await expect(form.getByLabel("Static URL")).toHaveValue("");
    await expect(form.getByLabel(/^Public:/)).toBeChecked();
    await admin.context().close();
  });

  test(`Accounts and Config (${viewport.name})`, async ({ browser }) => {
    const admin = await adminPage(browser, { viewport: { width: viewport.width, height: viewport.height } });
    await admin.goto("/admin");
    await openFromMenu(admin, phone, "Accounts");
    await expect(admin.getByRole("heading", { level: 1, name: "Accounts" })).toBeVisible();
    await expect(admin.getByLabel("Open registration")).toBeChecked();
    await expect(admin.getByLabel("Account pictures from Gravatar")).toBeVisible();
    await admin.getByRole("button", { name: "Save settings" }).click();
    await expect(admin.getByTestId("form-success")).toHaveText("Settings saved.");
    await checkPage(admin);

    await openFromMenu(admin, phone, "Config");
    await expect(admin.getByRole("heading", { level: 1, name: "Config" })).toBeVisible();
    await expect(admin.getByTestId("config-version")).toHaveText(/^\d+\.\d+\.\d+/);
    await expect(admin.getByTestId("config-commit")).toHaveText(/^([0-9a-f]{40}|unknown)$/);
    await expect(admin.getByTestId("config-node")).toHaveText(/^v\d+\./);
    await expect(admin.getByTestId("config-postgres")).toContainText("PostgreSQL");
    await expect(admin.getByTestId("config-database")).toContainText("Embedded PostgreSQL");
    await expect(admin.getByTestId("config-jobs")).toContainText("Embedded");
    await expect(admin.getByTestId("config-mail")).toContainText("Off");
    await expect(admin.getByTestId("config-database-folder")).toContainText("postgres");
    await expect(admin.getByTestId("config-uptime")).toContainText(/second|minute|hour|day/);
    expect(await admin.content()).not.toContain(e2eAdmin.password);
    await checkPage(admin);
    await admin.context().close();
  });

  test(`Stats: a snapshot taken now, charted, with a table and periods in the URL (${viewport.name})`, async ({ browser }) => {
    test.setTimeout(90_000);
    const admin = await adminPage(browser, { viewport: { width: viewport.width, height: viewport.height } });
    await admin.goto("/admin");
    await openFromMenu(admin, phone, "Stats");
    await expect(admin.getByRole("heading", { level: 1, name: "Stats" })).toBeVisible();
    await expect(admin.getByText(/The next snapshot is taken at/)).toBeVisible();
    await checkPage(admin);

    // Empty on a fresh site, or with the snapshot another flow took: either way one is taken now and charted.
    await admin.getByTestId("take-snapshot").click();
    await expect(admin.getByTestId("snapshot-status")).toContainText("Snapshot taken.", { timeout: 30_000 });
    await expect(admin.getByTestId("stats-charts")).toBeVisible();
    await expect(admin.getByTestId("stats-empty")).toHaveCount(0);
    for (const chart of ["users", "organizations", "packages", "files", "bytesStored", "downloadsOnDay"]) {
      await expect(admin.getByTestId(`stats-${chart}`).locator("svg[role=img]")).toHaveAttribute("aria-label", /: [\d,.]+( bytes| [KMGT]B)? on \d{4}-\d\d-\d\d/);
    }
    await expect(admin.getByTestId("stats-users-latest")).toHaveText(/^\d[\d,]*$/);

    await admin.getByText("Show the figures as a table").click();
    const today = new Date().toISOString().slice(0, 10);
    await expect(admin.getByTestId("stats-table").getByRole("rowheader", { name: today })).toBeVisible();
    await checkPage(admin);

    const periods = admin.getByRole("navigation", { name: "Period" });
    await expect(periods.getByRole("link", { name: "30 days" })).toHaveAttribute("aria-current", "page");
    await periods.getByRole("link", { name: "A year" }).click();
    await expect(admin).toHaveURL(/\/admin\/stats\?period=1y$/);
    await expect(periods.getByRole("link", { name: "A year" })).toHaveAttribute("aria-current", "page");
    await expect(admin.getByTestId("stats-charts")).toBeVisible();
    await admin.goto("/admin/stats?period=all");
    await expect(periods.getByRole("link", { name: "All" })).toHaveAttribute("aria-current", "page");
    // An unknown period is the default one, never an error.
    await admin.goto("/admin/stats?period=forever");
    await expect(periods.getByRole("link", { name: "30 days" })).toHaveAttribute("aria-current", "page");
    await checkPage(admin);
    await admin.context().close();
  });
}
