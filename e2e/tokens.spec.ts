import { expect, test } from "@playwright/test";
import { adminPage, expectNoSeriousAccessibilityViolations, newAccount, readLatestEmail, signUp } from "./helpers";

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
  await row.getByRole("button", { name: "Revoke laptop-pip" }).click();
  await page.getByRole("dialog", { name: "Revoke laptop-pip?" }).getByRole("button", { name: "Revoke laptop-pip" }).click();
  await expect(row).toContainText("revoked");
  const refused = await page.request.get(`/${account.username}/simple/`, { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  await context.close();
});

// The launcher renders mail in its own bundle, beside Next: a report of several live tokens once failed there on
// the first e-mail ("dispatcher.getOwner is not a function") with only the first token revoked.
test("a leak report of three live tokens revokes them all and tells their owner once", async ({ browser, request }) => {
  const page = await (await browser.newContext()).newPage();
  const account = newAccount("leak");
  await signUp(page, account);
  await page.goto(`/${account.username}/settings/access`);
  const secrets: string[] = [];
  for (const name of ["leak-ci", "leak-laptop", "leak-notebook"]) {
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByRole("checkbox", { name: /^pypi:download/ }).check();
    await page.getByRole("button", { name: "Create token" }).click();
    const panel = page.getByTestId("new-token");
    secrets.push((await panel.locator("code").first().textContent()) ?? "");
    await panel.getByRole("button", { name: "I have stored it" }).click();
    await expect(page.locator(`[data-testid="token-row"][data-token-name="${name}"]`)).toContainText("active");
  }
  const index = `/${account.username}/simple/`;
  for (const secret of secrets) expect((await request.get(index, { headers: { "X-API-Key": secret } })).status()).toBe(200);

  const report = await request.post("/api/tokens/leak-report", {
    data: secrets.map((secret) => ({ token: secret, url: "https://example.org/paste/42", source: "e2e" })),
  });
  expect(report.status()).toBe(200);
  expect(await report.json()).toMatchObject({ received: 3, revoked: 3 });
  for (const secret of secrets) expect((await request.get(index, { headers: { "X-API-Key": secret } })).status()).toBe(401);

  const admin = await adminPage(browser);
  const subject = "3 of your Granary access tokens were found in public and revoked";
  const text = await readLatestEmail(admin, account.email, subject);
  for (const name of ["leak-ci", "leak-laptop", "leak-notebook"]) expect(text).toContain(name);
  await admin.goto("/admin/outbox");
  await expect(admin.getByRole("row").filter({ hasText: account.email }).filter({ hasText: "found in public" })).toHaveCount(1);
  await page.context().close();
  await admin.context().close();
});
