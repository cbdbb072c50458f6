import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { dashboardViews } from "../src/shared/navigation";
import { buildCondaPackage, buildPythonDistributions } from "../src/test/package-fixtures";
import { adminPage, createOrganization, newAccount, signUp, uploadFiles } from "./helpers";

/**
 * Every page of the app at 390 px, signed out, signed in and as the site administrator: none may scroll sideways,
 * and none may have a serious or critical axe violation. The routes are read from src/app, so a new page is covered
 * without editing this test; a new dynamic route fails here until the table below gives it example parameters.
 */

const appDirectory = path.join(__dirname, "..", "src", "app");

/** Route patterns such as /[owner]/[package], from every page.tsx under src/app (route groups left out). */
function appRoutes(directory = appDirectory, prefix = ""): string[] {
  const routes: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    if (entry.isFile() && entry.name === "page.tsx") routes.push(prefix || "/");
    if (!entry.isDirectory() || entry.name.startsWith("_") || entry.name.startsWith("@")) continue;
    const segment = /^\(.*\)$/.test(entry.name) ? "" : `/${entry.name}`;
    routes.push(...appRoutes(path.join(directory, entry.name), `${prefix}${segment}`));
  }
  return routes.sort();
}

interface Examples {
  user: string;
  organization: string;
  condaPackage: string;
  pythonPackage: string;
  organizationPackage: string;
  outboxMessage: string;
  /** A job run, such as the sign-up's confirmation mail. */
  jobRun: string;
  /** An event of the security log (the sign-up's, for one). */
  securityEvent: string;
}

/** Example addresses for each dynamic route (and query strings pages need); each dynamic route must be here. */
const dynamicRoutes: Record<string, (examples: Examples) => string[]> = {
  "/[owner]": (e) => [`/${e.user}`, `/${e.organization}`],
  "/[owner]/[package]": (e) => [`/${e.user}/${e.condaPackage}`, `/${e.user}/${e.pythonPackage}`, `/${e.organization}/${e.organizationPackage}`],
  "/[owner]/[package]/settings": (e) => [`/${e.user}/${e.condaPackage}/settings`],
  "/[owner]/[package]/settings/admin": (e) => [`/${e.user}/${e.condaPackage}/settings/admin`],
  "/[owner]/[package]/settings/collaborators": (e) => [`/${e.user}/${e.condaPackage}/settings/collaborators`],
  "/[owner]/dashboard": (e) => [`/${e.organization}/dashboard`],
  "/[owner]/settings": (e) => [`/${e.organization}/settings`],
  "/[owner]/settings/access": (e) => [`/${e.user}/settings/access`],
  "/[owner]/settings/billing": (e) => [`/${e.organization}/settings/billing`],
  "/[owner]/settings/groups": (e) => [`/${e.organization}/settings/groups`],
  "/[owner]/settings/members": (e) => [`/${e.organization}/settings/members`],
  "/admin/exceptions/[fingerprint]": () => ["/admin/exceptions/00000000000000000000000000000000"],
  "/admin/outbox/[id]": (e) => [`/admin/outbox/${e.outboxMessage}`],
  "/admin/task-queue/[queue]": () => ["/admin/task-queue/high", "/admin/task-queue/default", "/admin/task-queue/low", "/admin/task-queue/user-tasks"],
  "/admin/task-queue/runs/[id]": (e) => [`/admin/task-queue/runs/${e.jobRun}`],
  "/admin/security-log/[id]": (e) => [`/admin/security-log/${e.securityEvent}`],
  // No application is installed in this spec: the page answers its not-found page.
  "/admin/applications/[id]": () => ["/admin/applications/00000000-0000-4000-8000-000000000000"],
  // No task has run in this spec: the page answers its not-found page.
  "/tools/applications/runs/[id]": () => ["/tools/applications/runs/00000000-0000-4000-8000-000000000000"],
  "/dashboard/[view]": () => dashboardViews.filter((view) => view.slug).map((view) => `/dashboard/${view.slug}`),
};
const withQuery: Record<string, string> = {
  "/reset-password": "/reset-password?token=example-token-for-layout-only",
  "/confirm-email": "/confirm-email?token=example-token-for-layout-only",
  "/search": "/search?q=wide",
};

function addresses(examples: Examples): string[] {
  return appRoutes().flatMap((route) => {
    if (!route.includes("[")) return [withQuery[route] ?? route];
    const examplesOf = dynamicRoutes[route];
    if (!examplesOf) throw new Error(`${route} is a new dynamic route: give it example parameters in e2e/every-route.spec.ts`);
    return examplesOf(examples);
  });
}

/** Every address checked, each problem reported softly: one run names every page that fails, not only the first. */
async function visitAll(page: Page, targets: string[]) {
  for (const target of targets) {
    const response = await page.goto(target);
    expect.soft(response?.status() ?? 0, target).toBeLessThan(500);
    await expect(page.locator("main"), target).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect.soft(overflow, `sideways scrolling on ${target}`).toBeLessThanOrEqual(0);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
    expect.soft(serious.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`), target).toEqual([]);
  }
}

test.describe("every route at 390 px", () => {
  const viewport = { width: 390, height: 844 };
  test.use({ viewport });
  let examples: Examples;
  let account: ReturnType<typeof newAccount>;

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000);
    const page = await (await browser.newContext({ viewport })).newPage();
    account = newAccount("wide");
    await signUp(page, account);
    const organization = `wide-org-${process.pid % 1000}${Date.now() % 1000}`;
    await createOrganization(page, organization);
    const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-wide-"));
    // Long names, hashes, tables and code: what used to push pages wider than a phone.
    const conda = buildCondaPackage({ name: "wide-conda-package-with-a-rather-long-name", version: "1.0.0", summary: "Wide" }, fixtures);
    const python = buildPythonDistributions(
      {
        name: "wide-python",
        version: "2.0.0",
        summary: "A wide description",
        readme: [
          "# wide-python",
          "",
          "| option | what it does | default value of the option |",
          "|---|---|---|",
          "| a_very_long_option_name_without_spaces | something rather long to explain here | another_long_default_value |",
          "",
          "```python",
          "def a_function_with_a_very_long_name(argument_one, argument_two, argument_three, argument_four):",
          "    return argument_one",
          "```",
          "",
          "averyveryverylongwordwithoutanyspacesinitatallthatcouldpushthepagewiderthanaphone",
        ].join("\n"),
      },
      fixtures,
    );
    const organizationPackage = buildCondaPackage({ name: "wide-org-tools", version: "0.1" }, fs.mkdtempSync(path.join(fixtures, "org-")));
    await uploadFiles(page, [conda, python.wheel, python.sdist]);
    await uploadFiles(page, [organizationPackage], { owner: organization });
    await page.context().close();

    const admin = await adminPage(browser, { viewport });
    await admin.goto("/admin/outbox");
    const message = admin.locator('a[href^="/admin/outbox/"]').first();
    await expect(message).toBeVisible({ timeout: 20_000 });
    const outboxMessage = (await message.getAttribute("href"))!.split("/").pop()!;
    // A run of one of the queues by now (the sign-up's mail went out through one).
    let jobRun = "";
    await expect(async () => {
      for (const queue of ["high", "default", "low"]) {
        await admin.goto(`/admin/task-queue/${queue}`);
        const run = admin.locator('a[href^="/admin/task-queue/runs/"]').first();
        if ((await run.count()) === 0) continue;
        jobRun = (await run.getAttribute("href"))!.split("/").pop()!;
        return;
      }
      throw new Error("No queue has a run yet.");
    }).toPass({ timeout: 30_000 });
    await admin.goto("/admin/security-log");
    const event = admin.locator('a[href^="/admin/security-log/"]').first();
    await expect(event).toBeVisible();
    const securityEvent = (await event.getAttribute("href"))!.split("/").pop()!;
    await admin.context().close();
    examples = {
      user: account.username,
      organization,
      condaPackage: "wide-conda-package-with-a-rather-long-name",
      pythonPackage: "wide-python",
      organizationPackage: "wide-org-tools",
      outboxMessage,
      jobRun,
      securityEvent,
    };
    fs.rmSync(fixtures, { recursive: true, force: true });
  });

  test("reads the routes from the app", () => {
    const routes = appRoutes();
    expect(routes).toContain("/");
    expect(routes).toContain("/[owner]/[package]");
    expect(routes).toContain("/sign-in");
    expect(routes).not.toContain("/(auth)/sign-in");
  });

  test("an unknown address is titled Page not found; the icon and robots.txt are served", async ({ page, request }) => {
    const response = await page.goto("/no-such-owner-here/no-such-package");
    expect(response?.status()).toBe(404);
    await expect(page).toHaveTitle("Page not found · Granary");
    expect((await request.get("/robots.txt")).status()).toBe(200);
    expect(await (await request.get("/robots.txt")).text()).toContain("Disallow: /admin");
    expect((await request.get("/favicon.svg")).headers()["content-type"]).toContain("image/svg+xml");
  });

  test("the upload page's hidden file input shows its focus on its label", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Username or e-mail").fill(account.username);
    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto("/upload");
    const input = page.getByLabel("Choose files");
    for (let presses = 0; presses < 40 && !(await input.evaluate((element) => element === document.activeElement)); presses++) await page.keyboard.press("Tab");
    await expect(input).toBeFocused();
    const label = page.locator("label", { hasText: "Choose files" });
    expect(await label.evaluate((element) => getComputedStyle(element).outlineStyle)).toBe("solid");
  });

  test("signed out", async ({ page }) => {
    test.setTimeout(300_000);
    await visitAll(page, addresses(examples));
  });

  test("signed in", async ({ page }) => {
    test.setTimeout(300_000);
    await page.goto("/sign-in");
    await page.getByLabel("Username or e-mail").fill(account.username);
    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await visitAll(page, addresses(examples));
  });

  test("as the site administrator", async ({ browser }) => {
    test.setTimeout(300_000);
    const admin = await adminPage(browser, { viewport });
    await visitAll(admin, addresses(examples));
  });
});
