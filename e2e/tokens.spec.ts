import { expect, test } from "@playwright/test";
import { expectNoSeriousAccessibilityViolations, newAccount, signUp } from "./helpers";

test("create a token, copy it, see it listed without its secret, use it, revoke it", async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const page = await context.newPage();
  const account = newAccount("tok");
  await signUp(page, account);

  await page.getByRole("button", { name: `Account menu for ${account.username}` }).click();
  await page.getByRole("link", { name: "Access tokens" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Access tokens" })).toBeVisible();
  await expectNoSeriousAccessibilityViolations(page);

  await page.getByLabel("Name", { exact: true }).fill("laptop-pip");
  await page.getByRole("checkbox", { name: /^pypi:download/ }).check();
  await page.getByRole("checkbox", { name: /^conda:download/ }).check();
  await page.getByLabel("Expires after").selectOption("90");
  await page.getByRole("button", { name: "Create token" }).click();

  const panel = page.getByTestId("new-token");
  await expect(panel).toBeVisible();
  const secret = (await panel.locator("code").first().textContent()) ?? "";
  expect(secret).toMatch(/^granary-[A-Za-z0-9]+$/);
  await panel.getByRole("button", { name: "Copy: Token" }).click();
  await expect(panel.getByText("Copied to the clipboard.").first()).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  await panel.getByRole("button", { name: "I have stored it" }).click();
  const row = page.locator('[data-testid="token-row"][data-token-name="laptop-pip"]');
  await expect(row).toContainText("conda:download");
  await expect(row).toContainText("active");
  await page.reload();
  expect(await page.content()).not.toContain(secret);

  // The token reads the account's index; after revocation it is refused on the very next request.
  const index = await page.request.get(`/${account.username}/simple/`, { headers: { Authorization: `Bearer ${secret}` } });
  expect(index.status()).toBe(200);
  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: "Revoke laptop-pip" }).click();
  await expect(row).toContainText("revoked");
  const refused = await page.request.get(`/${account.username}/simple/`, { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  await context.close();
});
