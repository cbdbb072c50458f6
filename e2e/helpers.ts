import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type Page } from "@playwright/test";
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
export async function adminPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
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
