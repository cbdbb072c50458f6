import { expect, test, type Page } from "@playwright/test";
import { newAccount, signUp } from "./helpers";

/** Fails the test if the page ever asks another host for anything; such requests are answered with nothing. */
async function recordRequestsElsewhere(page: Page, host: string): Promise<string[]> {
  const requests: string[] = [];
  await page.context().route(`**://${host}/**`, (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  return requests;
}

test("a signed-in browser sent to sign in with a crafted next= stays on the site", async ({ page, baseURL }) => {
  const account = newAccount("redirect");
  await signUp(page, account);
  const elsewhere = await recordRequestsElsewhere(page, "evil.example");
  const site = new URL(baseURL!).host;
  for (const next of ["/%09/evil.example/x", "/%0a/evil.example/x", "//evil.example/x", "/%5Cevil.example/x", "/\\evil.example", "/%2F%2Fevil.example", "https:evil.example", "javascript:alert(1)", "/.//evil.example"]) {
    const response = await page.goto(`/sign-in?next=${next}`);
    expect(response?.status(), next).toBeLessThan(400);
    expect(new URL(page.url()).host, next).toBe(site);
  }
  // A safe path is followed.
  await page.goto(`/sign-in?next=${encodeURIComponent("/settings/account")}`);
  await expect(page).toHaveURL(/\/settings\/account$/);
  expect(elsewhere).toEqual([]);
});
