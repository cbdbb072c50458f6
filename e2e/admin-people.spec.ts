import { expect, test, type Page } from "@playwright/test";
import { adminPage, createOrganization, e2eAdmin, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling, newAccount, signIn, signUp } from "./helpers";

/**
 * Issue 12's people pages: Admin → Users with a row's actions, Staff → Password Reset, the Security Log with its
 * filters and an event's every field, the top bar's Users page and a profile's organizations, at desktop and
 * phone widths with axe.
 */
const viewports = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

async function checkPage(page: Page) {
  await expectNoSeriousAccessibilityViolations(page);
  await expectNoSidewaysScrolling(page);
}

/** The path and query of a link the server made, so the test follows it on the server under test. */
function localPath(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

for (const viewport of viewports) {
  const size = { width: viewport.width, height: viewport.height };

  test(`Admin → Users: search, sort, and a row's actions: administrator rights and a reset link that works once (${viewport.name})`, async ({ browser }) => {
    const person = newAccount("people");
    const own = await (await browser.newContext({ viewport: size })).newPage();
    await signUp(own, person);
    await own.context().close();

    const context = await browser.newContext({ viewport: size, permissions: ["clipboard-read", "clipboard-write"] });
    const admin = await context.newPage();
    await signIn(admin, e2eAdmin.username, e2eAdmin.password);
    await expect(admin).toHaveURL(/\/dashboard$/);

    await admin.goto("/admin/users");
    await expect(admin.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
    await checkPage(admin);
    await admin.getByLabel("Username or e-mail", { exact: true }).fill(person.username.toUpperCase());
    await admin.getByLabel("Sort by", { exact: true }).selectOption("last_seen");
    await admin.getByRole("button", { name: "Search" }).click();
    await expect(admin).toHaveURL(/sort=last_seen/);
    const row = admin.locator(`[data-testid="admin-user-row"][data-username="${person.username}"]`);
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId("user-admin")).toHaveText("No");
    await expect(row.getByRole("link", { name: person.username })).toHaveAttribute("href", `/${person.username}`);

    // The row's actions: grant administrator rights (asked first), then take them back.
    await row.getByRole("button", { name: `Actions for ${person.username}` }).click();
    const actions = admin.getByRole("dialog", { name: person.username });
    await expect(actions).toBeVisible();
    await checkPage(admin);
    await actions.getByRole("button", { name: "Grant administrator rights" }).click();
    const grant = admin.getByRole("dialog", { name: `Make ${person.username} a site administrator?` });
    await grant.getByRole("button", { name: "Grant administrator rights" }).click();
    await expect(grant).toBeHidden();
    await expect(actions.getByTestId("admin-status")).toHaveText(`${person.username} is a site administrator.`);
    await expect(row.getByTestId("user-admin")).toHaveText("Yes");
    await actions.getByRole("button", { name: "Revoke administrator rights" }).click();
    const revoke = admin.getByRole("dialog", { name: `Take ${person.username}'s administrator rights?` });
    await revoke.getByRole("button", { name: "Revoke administrator rights" }).click();
    await expect(revoke).toBeHidden();
    await expect(row.getByTestId("user-admin")).toHaveText("No");

    // A reset link, copied, that opens the ordinary reset page and works once.
    await actions.getByRole("button", { name: "Generate reset password link" }).click();
    const url = await actions.getByTestId("reset-url").inputValue();
    expect(url).toContain("/reset-password?token=");
    await actions.getByRole("button", { name: `Copy the reset link for ${person.username}` }).click();
    await expect(actions.getByTestId("copy-status")).toHaveText("Copied");
    expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await actions.getByRole("button", { name: "Close" }).click();
    await expect(actions).toBeHidden();

    const visitor = await (await browser.newContext({ viewport: size })).newPage();
    await visitor.goto(localPath(url));
    await visitor.getByLabel("New password", { exact: true }).fill("a new password from the admin");
    await visitor.getByLabel("Confirm new password").fill("a new password from the admin");
    await visitor.getByRole("button", { name: "Change password" }).click();
    await expect(visitor.getByTestId("form-success")).toContainText("Your password has been changed");
    await visitor.goto(localPath(url));
    await visitor.getByLabel("New password", { exact: true }).fill("yet another password");
    await visitor.getByLabel("Confirm new password").fill("yet another password");
    await visitor.getByRole("button", { name: "Change password" }).click();
    await expect(visitor.getByTestId("form-error")).toContainText("This reset link is not valid");
    await signIn(visitor, person.username, "a new password from the admin");
    await expect(visitor).toHaveURL(/\/dashboard$/);
    await visitor.context().close();
    await context.close();
  });

  test(`Staff → Password Reset: a field error for a wrong username, a link with a copy button for a right one (${viewport.name})`, async ({ browser }) => {
    const person = newAccount("resetee");
    const own = await (await browser.newContext({ viewport: size })).newPage();
    await signUp(own, person);
    await own.context().close();
    const admin = await adminPage(browser, { viewport: size, permissions: ["clipboard-read", "clipboard-write"] });

    await admin.goto("/admin/password-reset");
    await expect(admin.getByRole("heading", { name: "Password reset", level: 1 })).toBeVisible();
    await checkPage(admin);
    await admin.getByRole("button", { name: "Generate URL" }).click();
    await expect(admin.getByText("Enter a username.")).toBeVisible();
    await admin.getByLabel("Username", { exact: true }).fill("no-such-person-here");
    await admin.getByRole("button", { name: "Generate URL" }).click();
    await expect(admin.getByText("No account is named no-such-person-here.")).toBeVisible();
    await expect(admin.getByLabel("Username", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(admin.getByTestId("reset-link")).toHaveCount(0);
    await checkPage(admin);

    await admin.getByLabel("Username", { exact: true }).fill(person.username);
    await admin.getByRole("button", { name: "Generate URL" }).click();
    await expect(admin.getByTestId("reset-link")).toContainText(`A reset link for ${person.username}`);
    await admin.getByRole("button", { name: `Copy the reset link for ${person.username}` }).click();
    await expect(admin.getByTestId("copy-status")).toHaveText("Copied");
    await checkPage(admin);

    // Audited: the Security Log has it, filtered by that action, and the eye opens every field.
    await admin.goto("/admin/security-log");
    await checkPage(admin);
    await admin.getByLabel("Action", { exact: true }).selectOption("admin.password_reset_link_created");
    await admin.getByLabel("Actor", { exact: true }).fill(e2eAdmin.username);
    await admin.getByRole("button", { name: "Filter" }).click();
    await expect(admin).toHaveURL(/action=admin\.password_reset_link_created/);
    await expect(admin).toHaveURL(/actor=siteadmin/);
    const event = admin.getByTestId("security-event").filter({ hasText: "Generated a password-reset link" }).first();
    await expect(event).toBeVisible();
    await expect(admin.getByTestId("security-event").filter({ hasNotText: "Generated a password-reset link" })).toHaveCount(0);
    await expect(event.getByRole("link", { name: e2eAdmin.username, exact: true })).toHaveAttribute("href", `/${e2eAdmin.username}`);
    await event.getByRole("link", { name: /^View admin\.password_reset_link_created/ }).click();
    await expect(admin).toHaveURL(/\/admin\/security-log\/[0-9a-f-]{36}$/);
    const fields = admin.getByTestId("security-event-fields");
    await expect(fields).toContainText("admin.password_reset_link_created");
    await expect(fields).toContainText("remote_addr");
    await expect(admin.getByTestId("security-event-details")).toContainText("expiresAt");
    await checkPage(admin);
    await admin.getByRole("link", { name: "◀ Back to the security log" }).click();
    await expect(admin).toHaveURL(/\/admin\/security-log$/);

    // Bad filters are field errors on the page, never a failed page.
    await admin.goto("/admin/security-log?actor=nobody-at-all");
    await expect(admin.getByText("No account is named nobody-at-all.")).toBeVisible();
    await expect(admin.getByLabel("Actor", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await admin.goto("/admin/security-log?from=2026-03-05&until=2026-03-01");
    await expect(admin.getByText("The range ends before it starts.")).toBeVisible();
    await checkPage(admin);
    await admin.goto("/admin/security-log?from=2020-01-01&until=2020-01-02");
    await expect(admin.getByText("No events match")).toBeVisible();
    await admin.context().close();
  });

  test(`the top bar's Users page, and a profile's organizations only to who may see their members (${viewport.name})`, async ({ browser }) => {
    const member = newAccount("member");
    const organization = `peopleorg${viewport.width}${process.pid % 1000}`;
    const own = await (await browser.newContext({ viewport: size })).newPage();
    await signUp(own, member);
    await createOrganization(own, organization);
    await own.goto(`/${member.username}`);
    const list = own.getByTestId("profile-organizations");
    await expect(list.getByRole("link", { name: organization })).toBeVisible();
    await expect(list).toContainText("Owner");
    await checkPage(own);

    const stranger = await (await browser.newContext({ viewport: size })).newPage();
    await stranger.goto(`/${member.username}`);
    await expect(stranger.getByRole("heading", { name: member.username, level: 1 })).toBeVisible();
    await expect(stranger.getByTestId("profile-organizations")).toHaveCount(0);
    await stranger.context().close();

    const admin = await adminPage(browser, { viewport: size });
    await admin.goto("/users");
    await checkPage(admin);
    // People signed in now, by name, fifty a page: the member is on one of them.
    const memberLink = admin.getByTestId("active-user").getByRole("link", { name: member.username, exact: true });
    for (let page = 0; page < 20 && (await memberLink.count()) === 0; page += 1) {
      await admin.getByRole("link", { name: "Next page →" }).click();
      await expect(admin).toHaveURL(/after=/);
    }
    await memberLink.click();
    await expect(admin).toHaveURL(new RegExp(`/${member.username}$`));
    await expect(admin.getByTestId("profile-organizations").getByRole("link", { name: organization })).toBeVisible();

    await admin.goto(`/admin/organizations?query=${organization}`);
    await checkPage(admin);
    const row = admin.locator(`[data-testid="admin-organization-row"][data-organization="${organization}"]`);
    await expect(row).toContainText("1");
    await admin.context().close();
    await own.context().close();
  });
}
