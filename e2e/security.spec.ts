import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { buildCondaPackage, buildPythonDistributions } from "../src/test/package-fixtures";
import { adminPage, newAccount, signIn, signOut, signUp } from "./helpers";

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

/**
 * Serves `html` from another port of this host: another origin, yet the same site as far as the browser's
 * cookies care (the session cookie's SameSite=Lax lets it go along), as another local web app would be.
 */
async function serveAttackPage(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/attack.html`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("pages, the API, static files and protocol answers carry the security headers", async ({ page, request }) => {
  const account = newAccount("headers");
  await signUp(page, account);
  const answers = {
    page: await request.get("/sign-in"),
    dashboard: await page.goto("/dashboard"),
    notFound: await request.get("/no-such-owner/no-such-package"),
    api: await request.get("/api/trpc/site.settings"),
    protocol: await request.get(`/${account.username}/noarch/repodata.json`),
    protocolError: await request.get("/no-such-owner/noarch/repodata.json"),
  };
  const script = (await page.locator("script[src]").first().getAttribute("src"))!;
  const staticFile = await request.get(script);
  for (const [name, answer] of Object.entries({ ...answers, staticFile })) {
    const headers = answer!.headers();
    expect(headers["content-security-policy"], name).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"], name).toBe("nosniff");
    expect(headers["referrer-policy"], name).toBe("same-origin");
    // Served over plain HTTP here: no HSTS (PUBLIC_URL https or a trusted proxy's X-Forwarded-Proto turn it on).
    expect(headers["strict-transport-security"], name).toBeUndefined();
  }
  expect(answers.page.headers()["content-security-policy"]).toContain("img-src 'self' data: https://www.gravatar.com");
  expect(answers.protocol.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
});

test("another site cannot frame the admin pages", async ({ browser, baseURL }) => {
  const admin = await adminPage(browser);
  const attack = await serveAttackPage(`<title>waiting</title><iframe src="${baseURL}/admin/users" onload="document.title = 'framed'"></iframe>`);
  const framedResponse = admin.waitForResponse((response) => response.url().endsWith("/admin/users"));
  await admin.goto(attack.url);
  // The page itself was sent (to the signed-in administrator) and the frame finished loading, yet it shows nothing of it.
  expect((await framedResponse).status()).toBe(200);
  await expect(admin).toHaveTitle("framed");
  await expect(admin.frameLocator("iframe").getByRole("button", { name: /Deactivate/ })).toHaveCount(0);
  await expect(admin.frameLocator("iframe").getByRole("heading", { name: "Users" })).toHaveCount(0);
  await attack.close();
});

test("another site's page cannot sign the user out or change anything through the API", async ({ page, baseURL }) => {
  const account = newAccount("csrf");
  await signUp(page, account);
  const signOutUrl = `${baseURL}/api/trpc/account.signOut`;
  const attack = await serveAttackPage(
    `<form id="multipart" method="post" enctype="multipart/form-data" action="${signOutUrl}"><input name="x" value="1"></form>
     <form id="plain" method="post" enctype="text/plain" action="${signOutUrl}"><input name='{"json":null,"x":"' value='"}'></form>
     <script>
       window.sendNoCors = () => fetch(${JSON.stringify(signOutUrl)}, { method: "POST", mode: "no-cors", credentials: "include", body: "{}" });
       window.sendJson = () => fetch(${JSON.stringify(signOutUrl)}, { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: "{}" }).then(() => "sent", () => "refused");
     </script>`,
  );
  // Each reaches the server, which refuses it (its Origin is not the site's) before the body is even read.
  for (const form of ["multipart", "plain"]) {
    await page.goto(attack.url);
    const answer = page.waitForResponse((response) => response.url() === signOutUrl && response.request().method() === "POST");
    await page.locator(`#${form}`).evaluate((element) => (element as HTMLFormElement).submit());
    expect((await answer).status(), form).toBe(403);
    await page.waitForURL(signOutUrl);
  }
  await page.goto(attack.url);
  const noCors = page.waitForResponse((response) => response.url() === signOutUrl && response.request().method() === "POST");
  await page.evaluate(() => (window as unknown as { sendNoCors: () => Promise<unknown> }).sendNoCors());
  expect((await noCors).status()).toBe(403);
  // JSON from another origin needs a CORS preflight, which is never granted: the browser does not send it.
  expect(await page.evaluate(() => (window as unknown as { sendJson: () => Promise<string> }).sendJson())).toBe("refused");

  await attack.close();

  await page.goto("/dashboard");
  await expect(page.getByTestId("dashboard-heading")).toContainText(account.username);
});

test("a copied session cookie stops working when its session signs out: pages, the API and downloads", async ({ page, browser }) => {
  const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-security-"));
  const conda = buildCondaPackage({ name: "cookie-tools", version: "1.0.0" }, fixtures);
  const account = newAccount("cookie");
  await signUp(page, account);
  await page.goto("/upload");
  await page.getByLabel("Choose files").setInputFiles([conda]);
  await page.getByLabel("Make the packages private").check();
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page.locator('[data-testid="upload-item"][data-status="done"]')).toHaveCount(1, { timeout: 30_000 });
  const download = `/${account.username}/noarch/${path.basename(conda)}`;

  // Someone copies the session cookie into another browser.
  const thief = await browser.newContext();
  await thief.addCookies(await page.context().cookies());
  const thiefPage = await thief.newPage();
  const whoami = `/api/trpc/account.whoami`;
  await thiefPage.goto("/dashboard");
  await expect(thiefPage.getByTestId("dashboard-heading")).toContainText(account.username);
  expect((await thief.request.get(whoami)).status()).toBe(200);
  expect((await thief.request.get(download)).status()).toBe(200);

  await signOut(page, account.username);

  await thiefPage.goto("/dashboard");
  await expect(thiefPage).toHaveURL(/\/sign-in\?next=%2Fdashboard/);
  expect((await thief.request.get(whoami)).status()).toBe(401);
  expect([401, 404]).toContain((await thief.request.get(download)).status());
  fs.rmSync(fixtures, { recursive: true, force: true });
});

test("Settings → Security lists the account's sessions and signs out everywhere", async ({ page, browser }) => {
  const account = newAccount("everywhere");
  await signUp(page, account);
  const other = await (await browser.newContext()).newPage();
  await signIn(other, account.username, account.password);
  await expect(other).toHaveURL(/\/dashboard$/);

  await page.goto("/settings/security");
  await expect(page.getByTestId("session-row")).toHaveCount(2);
  await expect(page.locator('[data-testid="session-row"][data-current]')).toContainText("This browser");
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  await other.goto("/dashboard");
  await expect(other).toHaveURL(/\/sign-in/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);

  await signIn(page, account.username, account.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/settings/security");
  await expect(page.getByTestId("session-row")).toHaveCount(1);
  await expect(page.getByRole("cell", { name: "Signed out everywhere" })).toBeVisible();
});

test("a description's remote images are links, and the page asks their host for nothing", async ({ page }) => {
  const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-images-"));
  const python = buildPythonDistributions(
    { name: "pixel-demo", version: "1.0", readme: "# pixel-demo\n\n![build status](http://tracker.example/pixel.gif?reader=1)\n\n<img src=\"https://tracker.example/raw.png\" alt=\"raw\">\n" },
    fixtures,
  );
  const account = newAccount("pixel");
  await signUp(page, account);
  await page.goto("/upload");
  await page.getByLabel("Choose files").setInputFiles([python.wheel]);
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page.locator('[data-testid="upload-item"][data-status="done"]')).toHaveCount(1, { timeout: 30_000 });

  const asked: string[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).hostname === "tracker.example") asked.push(request.url());
  });
  await page.goto(`/${account.username}/pixel-demo`);
  const description = page.locator(".package-description");
  await expect(description.getByRole("link", { name: "Image: build status" })).toHaveAttribute("href", "http://tracker.example/pixel.gif?reader=1");
  await expect(description.getByRole("link", { name: "Image: raw" })).toBeVisible();
  await expect(description.locator("img")).toHaveCount(0);
  await page.waitForLoadState("networkidle");
  expect(asked).toEqual([]);
  fs.rmSync(fixtures, { recursive: true, force: true });
});

test("malformed paths and queries are the client's mistake, never a server error", async ({ request }) => {
  const answers: Record<string, number> = {};
  for (const target of ["/%E0%A4%A", "/%ZZ", "/siteadmin/a%25ZZ", "/siteadmin/pkg%00", "/search?q=%00", "/siteadmin/noarch/x%00.conda", "/siteadmin/simple/?x=%00"]) {
    answers[target] = (await request.get(target)).status();
  }
  expect(answers).toEqual({
    "/%E0%A4%A": 400,
    "/%ZZ": 400,
    "/siteadmin/a%25ZZ": 404,
    "/siteadmin/pkg%00": 400,
    "/search?q=%00": 200,
    "/siteadmin/noarch/x%00.conda": 400,
    "/siteadmin/simple/?x=%00": 400,
  });
});
