import { expect, test } from "@playwright/test";
import { adminPage, newAccount, readLatestEmail, signIn, signOut, signUp } from "./helpers";

test("sign up, land on the dashboard, sign out, sign back in", async ({ page }) => {
  const account = newAccount("alice");
  await signUp(page, account);
  await expect(page.getByTestId("dashboard-heading")).toContainText(account.username);
  await expect(page.getByTestId("user-menu-name")).toHaveText(account.username);
  // Gravatar is off by default: the avatar is drawn from the name, and nothing is fetched from Gravatar.
  await expect(page.getByTestId("user-menu-name").locator("xpath=..").getByTestId("generated-avatar")).toBeVisible();
  await expect(page.locator('img[src*="gravatar.com"]')).toHaveCount(0);

  await signOut(page, account.username);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fdashboard/);

  await signIn(page, account.email.toUpperCase(), account.password);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("user-menu-name")).toHaveText(account.username);
});

test("sign-up errors land on their fields", async ({ page }) => {
  const existing = newAccount("taken");
  await signUp(page, existing);
  await signOut(page, existing.username);

  await page.goto("/sign-up");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByText("Enter a username.")).toBeVisible();
  await expect(page.getByText("Accept the Terms and Conditions to sign up.")).toBeVisible();

  await page.getByLabel("Username").fill(existing.username.toUpperCase());
  await page.getByLabel("E-mail").fill("someone-else@example.com");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("different");
  await page.getByLabel(/I have read and accept/).check();
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByText("Passwords are at least 7 characters.")).toBeVisible();

  await page.getByLabel("Password", { exact: true }).fill("long-enough");
  await page.getByLabel("Confirm password").fill("long-enough");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByText("This username is taken.")).toBeVisible();
  await expect(page.getByLabel("Username")).toHaveAttribute("aria-invalid", "true");
});

test("forgot password: the e-mailed link resets it once, and the new password signs in", async ({ page, browser }) => {
  const account = newAccount("bob");
  await signUp(page, account);
  await signOut(page, account.username);

  await page.goto("/sign-in");
  await page.getByRole("link", { name: "I forgot my password" }).click();
  await expect(page.getByRole("heading", { name: "I forgot my password" })).toBeVisible();
  await page.getByLabel("Username or e-mail").fill(account.username);
  await page.getByRole("button", { name: "E-mail me a reset link" }).click();
  await expect(page.getByTestId("form-success")).toContainText("If that account exists");

  const admin = await adminPage(browser);
  const email = await readLatestEmail(admin, account.email, "Reset your Granary password");
  const link = email.match(/https?:\/\/\S+\/reset-password\?token=[\w-]+/)?.[0];
  expect(link, "the e-mail holds a reset link").toBeTruthy();

  const newPassword = "a-brand-new-password";
  await page.goto(link!);
  await page.getByLabel("New password", { exact: true }).fill(newPassword);
  await page.getByLabel("Confirm new password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("form-success")).toContainText("Your password has been changed");

  // The link works once.
  await page.goto(link!);
  await page.getByLabel("New password", { exact: true }).fill("yet-another-password");
  await page.getByLabel("Confirm new password").fill("yet-another-password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("form-error")).toContainText("This reset link is not valid");

  await signIn(page, account.username, account.password);
  await expect(page.getByTestId("form-error")).toContainText("not right");
  await signIn(page, account.username, newPassword);
  await expect(page).toHaveURL(/\/dashboard$/);
});

test("forgot username e-mails the username", async ({ page, browser }) => {
  const account = newAccount("carol");
  await signUp(page, account);
  await signOut(page, account.username);
  await page.goto("/forgot-username");
  await page.getByLabel("E-mail").fill(account.email);
  await page.getByRole("button", { name: "E-mail my username" }).click();
  await expect(page.getByTestId("form-success")).toBeVisible();
  const admin = await adminPage(browser);
  expect(await readLatestEmail(admin, account.email, "Your Granary username")).toContain(account.username);
});

test("repeated failed sign-ins are throttled with a clear message", async ({ page }) => {
  const account = newAccount("dave");
  await signUp(page, account);
  await signOut(page, account.username);
  for (let attempt = 0; attempt < 5; attempt++) {
    await signIn(page, account.username, "not-the-password");
    await expect(page.getByTestId("form-error")).toContainText("not right");
  }
  await signIn(page, account.username, account.password);
  await expect(page.getByTestId("form-error")).toContainText("Too many failed sign-in attempts for this account from this address. Wait");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("changing the password ends the account's other sessions at once", async ({ page, browser }) => {
  const account = newAccount("erin");
  await signUp(page, account);
  const other = await (await browser.newContext()).newPage();
  await signIn(other, account.username, account.password);
  await expect(other).toHaveURL(/\/dashboard$/);

  await page.goto("/settings/account");
  const passwordSection = page.getByRole("region", { name: "Password" });
  await passwordSection.getByLabel("Current password").fill(account.password);
  await passwordSection.getByLabel("New password", { exact: true }).fill("changed-password-1");
  await passwordSection.getByLabel("Confirm new password").fill("changed-password-1");
  await passwordSection.getByRole("button", { name: "Change password" }).click();
  await expect(passwordSection.getByTestId("form-success")).toBeVisible();

  // This session carries on; the other one is signed out on its next request.
  await page.goto("/dashboard");
  await expect(page.getByTestId("dashboard-heading")).toBeVisible();
  await other.goto("/dashboard");
  await expect(other).toHaveURL(/\/sign-in/);

  await page.goto("/settings/security");
  await expect(page.getByRole("cell", { name: "Changed password" })).toBeVisible();
});

test("the Tools menu reaches every dashboard view, with clear empty states", async ({ page }) => {
  const account = newAccount("frank");
  await signUp(page, account);
  await page.getByRole("button", { name: "Tools" }).click();
  for (const item of ["Landscape", "View All", "Packages", "Notebooks", "Environments", "Favorites", "Organizations", "Group Membership", "Labels", "Applications"]) {
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: item, exact: true })).toBeVisible();
  }
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Labels", exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard\/labels$/);
  await expect(page.getByRole("heading", { level: 1, name: "Labels" })).toBeVisible();
  await expect(page.getByTestId("empty-state")).toBeVisible();
  // The dashboard's navigation is the same list as the Tools menu, and both mark the page they are on.
  const dashboardNavigation = page.getByRole("navigation", { name: "Dashboard" });
  await expect(dashboardNavigation.getByRole("link")).toHaveText(["Landscape", "View All", "Packages", "Notebooks", "Environments", "Favorites", "Organizations", "Group Membership", "Labels", "Applications"]);
  await expect(dashboardNavigation.locator('[aria-current="page"]')).toHaveText("Labels");
  await page.getByRole("button", { name: "Tools" }).click();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Labels", exact: true }).first()).toHaveAttribute("aria-current", "page");
  await page.keyboard.press("Escape");

  // Keyboard: the menu opens with the arrow key and closes with Escape, returning focus.
  const tools = page.getByRole("button", { name: "Tools" });
  await tools.focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Landscape" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(tools).toBeFocused();
  await expect(tools).toHaveAttribute("aria-expanded", "false");
});

test("an administrator closes and reopens registration; deactivation signs the user out", async ({ page, browser }) => {
  const account = newAccount("gina");
  await signUp(page, account);

  const admin = await adminPage(browser);
  await admin.goto("/admin/users?query=" + account.username);
  // The row's actions open in a dialog (seed 003's popup menu).
  await admin.getByRole("button", { name: `Actions for ${account.username}` }).click();
  // Deactivation asks first: Cancel changes nothing, the dialog's own button deactivates.
  await admin.getByRole("button", { name: `Deactivate ${account.username}` }).click();
  const confirmation = admin.getByRole("dialog", { name: `Deactivate ${account.username}?` });
  await expect(confirmation).toBeVisible();
  await confirmation.getByRole("button", { name: "Cancel" }).click();
  await expect(confirmation).toBeHidden();
  await page.goto("/dashboard");
  await expect(page.getByTestId("dashboard-heading")).toBeVisible();
  await admin.getByRole("button", { name: `Deactivate ${account.username}` }).click();
  await confirmation.getByRole("button", { name: `Deactivate ${account.username}` }).click();
  await expect(admin.getByRole("button", { name: `Reactivate ${account.username}` })).toBeVisible();
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);

  await admin.goto("/admin/accounts");
  await admin.getByLabel("Open registration").uncheck();
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByTestId("form-success")).toBeVisible();
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto("/sign-up");
  await expect(visitor.getByTestId("registration-closed")).toBeVisible();

  await admin.getByLabel("Open registration").check();
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByTestId("form-success")).toBeVisible();
  await visitor.goto("/sign-up");
  await expect(visitor.getByRole("button", { name: "Sign up" })).toBeVisible();
});

test("Gravatar pictures only while the site turns them on", async ({ page, browser }) => {
  // Gravatar is answered here, never fetched: the test sees every request the browser makes to it.
  const gravatarRequests: string[] = [];
  await page.route("https://www.gravatar.com/**", async (route) => {
    gravatarRequests.push(route.request().url());
    await route.fulfill({ status: 404, body: "" });
  });
  const account = newAccount("gravatar");
  await signUp(page, account);
  const admin = await adminPage(browser);
  await admin.goto("/admin/accounts");
  const setting = admin.getByLabel("Account pictures from Gravatar");
  await expect(setting).not.toBeChecked();

  await setting.check();
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByTestId("form-success")).toBeVisible();
  await page.goto("/dashboard");
  await expect.poll(() => gravatarRequests.length).toBeGreaterThan(0);
  expect(gravatarRequests[0]).toMatch(/^https:\/\/www\.gravatar\.com\/avatar\/[0-9a-f]{32}\?s=56&d=404$/);
  // Gravatar has no picture for this address (404): the generated avatar stands in.
  await expect(page.getByTestId("user-menu-name").locator("xpath=..").getByTestId("generated-avatar")).toBeVisible();

  await admin.reload();
  await expect(setting).toBeChecked();
  await setting.uncheck();
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByTestId("form-success")).toBeVisible();
  gravatarRequests.length = 0;
  await page.goto("/dashboard");
  await expect(page.getByTestId("user-menu-name").locator("xpath=..").getByTestId("generated-avatar")).toBeVisible();
  await expect(page.locator('img[src*="gravatar.com"]')).toHaveCount(0);
  expect(gravatarRequests).toEqual([]);
});

test("following a link shows a progress bar until the page arrives", async ({ page }) => {
  const account = newAccount("patience");
  await signUp(page, account);
  await expect(page.getByTestId("navigation-progress")).toHaveCount(0);
  // The labels view's requests are held until the bar has been seen: the test needs no timing.
  const held: (() => Promise<void>)[] = [];
  const labelsView = (url: URL) => url.pathname === "/dashboard/labels";
  await page.route(labelsView, (route) => {
    // The browser may have given up a held prefetch by the time it is released.
    held.push(() => route.continue().catch(() => undefined));
  });
  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Labels" }).click();
  await expect(page.getByRole("progressbar", { name: "Loading the page" })).toBeVisible();
  await page.unroute(labelsView);
  for (const release of held.splice(0)) await release();
  await expect(page).toHaveURL(/\/dashboard\/labels$/);
  await expect(page.getByRole("heading", { level: 1, name: "Labels" })).toBeVisible();
  await expect(page.getByTestId("navigation-progress")).toHaveCount(0);
});
