import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type BrowserContextOptions, type Page } from "@playwright/test";
import { e2eAdmin } from "../playwright.config";

export { e2eAdmin };

let accountCounter = 0;

/** A fresh account's details; names stay unique within the run's fresh database. */
export function newAccount(prefix: string) {
  accountCounter += 1;
  const username = `${prefix}${accountCounter}${process.pid % 1000}`;
  return { username, email: `${username}@example.com`, password: `pw-${username}-secret` };
}

export async function signUp(page: Page, account: { username: string; email: string; password: string }) {
  await page.goto("/sign-up");
  await page.getByLabel("Username").fill(account.username);
  await page.getByLabel("E-mail").fill(account.email);
  await page.getByLabel("Password", { exact: true }).fill(account.password);
  await page.getByLabel("Confirm password").fill(account.password);
  await page.getByLabel(/I have read and accept/).check();
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

export async function signIn(page: Page, login: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Username or e-mail").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signOut(page: Page, displayName: string) {
  await page.getByRole("button", { name: `Account menu for ${displayName}` }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
}

/** A separate browser session signed in as the site administrator. */
export async function adminPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await browser.newContext(options)).newPage();
  await signIn(page, e2eAdmin.username, e2eAdmin.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  return page;
}

/**
 * Reads the newest outbox message to an address, as an administrator would, and returns its text. Mail is delivered
 * by a background job a moment after the request that sent it, so the outbox is reloaded until the message is there.
 */
export async function readLatestEmail(admin: Page, to: string, subject: string): Promise<string> {
  const row = admin.getByRole("row").filter({ hasText: to }).filter({ hasText: subject }).first();
  await expect(async () => {
    await admin.goto("/admin/outbox");
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await row.getByRole("link", { name: subject }).click();
  await expect(admin.getByTestId("email-to")).toHaveText(to);
  return (await admin.getByTestId("email-text").textContent()) ?? "";
}

export async function expectNoSeriousAccessibilityViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  expect(
    serious.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`),
  ).toEqual([]);
}

/** Uploads files through the upload page, under `owner` when given (the account itself otherwise), and waits for every one. */
export async function uploadFiles(page: Page, files: string[], options: { owner?: string; makePrivate?: boolean } = {}) {
  await page.goto(options.owner ? `/upload?owner=${encodeURIComponent(options.owner)}` : "/upload");
  if (options.owner) await expect(page.getByLabel("Publish under")).toHaveValue(options.owner);
  await page.getByLabel("Choose files").setInputFiles(files);
  if (options.makePrivate) await page.getByLabel("Make the packages private").check();
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page.locator('[data-testid="upload-item"][data-status="uploading"], [data-testid="upload-item"][data-status="waiting"]')).toHaveCount(0, {
    timeout: 30_000,
  });
}

/** Settings → Organizations → Create a new organization; lands on its dashboard. */
export async function createOrganization(page: Page, name: string, email = `${name}@example.com`) {
  await page.goto("/settings/organizations");
  await page.getByRole("link", { name: "Create a new organization" }).click();
  await page.getByLabel("Organization name").fill(name);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(new RegExp(`/${name}/dashboard`));
  await expect(page.getByTestId("organization-dashboard-heading")).toHaveText(name);
}

/** Admin → Plans → Assign a plan, as the site administrator. */
export async function assignPlan(admin: Page, owner: string, planLabel: string) {
  await admin.goto("/admin/plans");
  const form = admin.getByRole("region", { name: "Assign a plan" });
  await form.getByLabel("Account or organization").fill(owner);
  await form.getByLabel("Plan").selectOption({ label: planLabel });
  await form.getByRole("button", { name: "Assign plan" }).click();
  await expect(form.getByTestId("form-success")).toContainText(`${owner} now has the`);
}

/** Answers the confirmation dialog a destructive button opened. */
export async function confirmDialog(page: Page, button: string) {
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: button, exact: true }).click();
  await expect(dialog).toBeHidden();
}

/** Nothing spills sideways at the page's width. */
export async function expectNoSidewaysScrolling(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `sideways scrolling on ${new URL(page.url()).pathname}`).toBeLessThanOrEqual(0);
}
