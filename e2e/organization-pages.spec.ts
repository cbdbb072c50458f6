import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { buildCondaPackage } from "../src/test/package-fixtures";
import {
  adminPage,
  assignPlan,
  confirmDialog,
  createOrganization,
  expectNoSeriousAccessibilityViolations,
  expectNoSidewaysScrolling,
  newAccount,
  readLatestEmail,
  signUp,
  uploadFiles,
} from "./helpers";

const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-organizations-"));

/** Every page the walk visits is usable by screen readers and fits the width. */
async function check(page: Page) {
  await expect(page.locator("main h1").first()).toBeVisible();
  await expectNoSeriousAccessibilityViolations(page);
  await expectNoSidewaysScrolling(page);
}

async function personAt(browser: Browser, viewport: { width: number; height: number }, prefix: string) {
  const account = newAccount(prefix);
  const page = await (await browser.newContext({ viewport })).newPage();
  await signUp(page, account);
  return { account, page };
}

for (const viewport of [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
]) {
  test.describe(`at ${viewport.name} width`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test("an organization's pages, from creating it to deleting one, with collaborators, transfer, billing, notifications and the admin's", async ({ browser }) => {
      test.setTimeout(360_000);
      const size = { width: viewport.width, height: viewport.height };
      const tag = `${viewport.name[0]}${process.pid % 1000}${Date.now() % 10_000}`;
      const organization = `walk-${tag}`;
      const { account: owner, page } = await personAt(browser, size, `wo${viewport.name[0]}`);
      const { account: member, page: memberPage } = await personAt(browser, size, `wm${viewport.name[0]}`);
      const { account: helper } = await personAt(browser, size, `wh${viewport.name[0]}`);
      const admin = await adminPage(browser, { viewport: size });

      // The address: not confirmed yet, a fresh link on request, and the link confirms it.
      await page.goto("/settings/account");
      await expect(page.getByTestId("email-status")).toContainText("Not confirmed yet");
      await page.getByRole("button", { name: "Send the confirmation again" }).click();
      await expect(page.getByTestId("form-success")).toContainText(`We sent a new confirmation link to ${owner.email}`);
      await check(page);
      const mail = await readLatestEmail(admin, owner.email, "Confirm your Granary e-mail address");
      const link = mail.match(/https?:\/\/\S+\/confirm-email\?token=[\w-]+/)?.[0];
      expect(link, "the e-mail holds a confirmation link").toBeTruthy();
      await page.goto(link!);
      await page.getByRole("button", { name: "Confirm this e-mail address" }).click();
      await expect(page.getByTestId("form-success")).toContainText(`Your e-mail address ${owner.email} is confirmed.`);
      await page.goto("/settings/account");
      await expect(page.getByTestId("email-status")).toContainText("Confirmed on");

      // Settings → Organizations → Create a new organization lands on its dashboard; the switcher offers it.
      await page.goto("/settings/organizations");
      await check(page);
      await page.getByRole("link", { name: "Create a new organization" }).click();
      await page.getByRole("button", { name: "Create organization" }).click();
      await expect(page.getByText("Enter a username.")).toBeVisible();
      await page.getByLabel("Organization name").fill("settings");
      await page.getByRole("button", { name: "Create organization" }).click();
      await expect(page.getByText("This name is reserved; choose another.")).toBeVisible();
      await page.getByLabel("Organization name").fill(member.username);
      await page.getByRole("button", { name: "Create organization" }).click();
      await expect(page.getByText("This name is taken by a user or an organization.")).toBeVisible();
      await check(page);
      await createOrganization(page, organization);
      await expect(page.getByTestId("form-success")).toContainText(`${organization} is ready, with you as its owner`);
      await check(page);
      await page.getByRole("button", { name: `Account menu for ${owner.username}` }).click();
      await expect(page.getByRole("link", { name: organization, exact: true })).toHaveAttribute("aria-current", "page");
      await page.getByRole("link", { name: `${owner.username} (personal)` }).click();
      await expect(page).toHaveURL(/\/dashboard$/);
      await page.goto("/settings/organizations");
      await expect(page.locator(`[data-testid="organization-row"][data-organization="${organization}"]`)).toContainText("Owner");

      // Members: add one, make them an owner and a member again, each change confirmed in a dialog.
      await page.goto(`/${organization}/settings/members`);
      await expect(page.getByRole("navigation", { name: "Organization settings" }).getByRole("link", { name: "Members" })).toHaveAttribute("aria-current", "page");
      await page.getByLabel("Username").fill("nobody-here");
      await page.getByRole("button", { name: "Add member" }).click();
      await expect(page.getByText("There is no user named nobody-here.")).toBeVisible();
      await page.getByLabel("Username").fill(member.username);
      await page.getByRole("button", { name: "Add member" }).click();
      await expect(page.getByTestId("form-success")).toContainText(`${member.username} was added as a member`);
      const memberRow = page.locator(`[data-testid="member-row"][data-member="${member.username}"]`);
      await expect(memberRow.getByTestId("member-role")).toHaveText("Member");
      await memberRow.getByRole("button", { name: `Make ${member.username} an owner` }).click();
      await confirmDialog(page, "Make owner");
      await expect(memberRow.getByTestId("member-role")).toHaveText("Owner");
      await memberRow.getByRole("button", { name: `Make ${member.username} a member` }).click();
      await confirmDialog(page, "Make member");
      await expect(memberRow.getByTestId("member-role")).toHaveText("Member");
      await check(page);

      // Groups: one created, edited into an Administration group with the member in it; another created and deleted.
      await page.goto(`/${organization}/settings/groups`);
      await page.getByRole("button", { name: "+ New group" }).click();
      await page.getByLabel("Group name").fill("Writers");
      await page.getByLabel(/^Read-Write/).check();
      await check(page);
      await page.getByRole("button", { name: "Save group" }).click();
      await expect(page.getByTestId("form-success")).toContainText("Created the group Writers");
      await page.getByLabel("Add a member to Writers").fill(member.username);
      await page.getByRole("region", { name: "Members of Writers" }).getByRole("button", { name: "Add", exact: true }).click();
      await expect(page.locator('[data-group="Writers"]').getByTestId("group-members")).toContainText(member.username);
      await page.getByRole("button", { name: "Edit Writers" }).click();
      const editForm = page.getByRole("form", { name: "Edit Writers" });
      await editForm.getByLabel("Group name").fill("Publishers");
      await editForm.getByLabel(/^Administration/).check();
      await editForm.getByRole("button", { name: "Save changes" }).click();
      await expect(page.locator('[data-group="Publishers"]').getByTestId("group-level")).toHaveText("Administration");
      await page.getByRole("button", { name: "+ New group" }).click();
      await page.getByLabel("Group name").fill("Short-lived");
      await page.getByRole("button", { name: "Save group" }).click();
      await expect(page.locator('[data-group="Short-lived"]')).toBeVisible();
      await page.getByRole("button", { name: "Delete Short-lived" }).click();
      await confirmDialog(page, "Delete group");
      await expect(page.locator('[data-group="Short-lived"]')).toHaveCount(0);
      await check(page);

      // The member hears of it: the bell, the list, marking read.
      await memberPage.goto("/dashboard");
      await expect(memberPage.getByRole("link", { name: "Notifications, 2 unread" })).toBeVisible();
      await memberPage.getByRole("link", { name: "Notifications, 2 unread" }).click();
      await expect(memberPage.locator('[data-testid="notification"][data-unread="true"]')).toHaveCount(2);
      await check(memberPage);
      await memberPage.getByRole("button", { name: `Mark read: You were added to ${organization} as a member.` }).click();
      await expect(memberPage.locator('[data-testid="notification"][data-unread="true"]')).toHaveCount(1);
      await expect(memberPage.getByRole("link", { name: "Notifications, 1 unread" })).toBeVisible();
      await memberPage.getByRole("button", { name: "Mark all read" }).click();
      await expect(memberPage.getByTestId("unread-summary")).toContainText("Nothing unread.");
      await expect(memberPage.getByRole("link", { name: "Notifications", exact: true })).toBeVisible();
      await memberPage.goto("/dashboard/organizations");
      await expect(memberPage.locator(`[data-testid="organization-row"][data-organization="${organization}"]`)).toContainText("Administrator");
      await check(memberPage);
      await memberPage.goto("/dashboard/groups");
      await expect(memberPage.getByTestId("group-row")).toContainText("Publishers");
      await check(memberPage);

      // Uploads under the organization: its Free plan refuses a private package with a clear message.
      const tool = buildCondaPackage({ name: `tool-${tag}`, version: "1.0", summary: "the organization's tool" }, fs.mkdtempSync(path.join(fixtures, "tool-")));
      await uploadFiles(page, [tool], { owner: organization, makePrivate: true });
      await expect(page.locator('[data-testid="upload-item"][data-status="failed"]').getByRole("alert")).toContainText(`${organization}'s plan (Free) allows no private packages`);
      await check(page);
      await uploadFiles(page, [tool], { owner: organization });
      await expect(page.locator('[data-testid="upload-item"][data-status="done"]')).toHaveCount(1);
      // And the privacy toggle says the same when asked to make it private.
      await page.goto(`/${organization}/tool-${tag}`);
      await page.getByRole("button", { name: "Make private" }).click();
      await expect(page.getByRole("region", { name: "Manage" }).getByTestId("form-error")).toContainText(`${organization}'s plan (Free) allows no private packages`);
      await expect(page.getByRole("button", { name: "Make private" })).toBeVisible();

      // Billing: the plan, meters with their values, and what changing takes.
      await page.goto(`/${organization}/settings/billing`);
      await expect(page.getByTestId("current-plan-name")).toHaveText("Free");
      await expect(page.getByTestId("usage-private-packages-text")).toHaveText("0 of 0");
      await expect(page.getByTestId("usage-storage-text")).toContainText("of 10 GB");
      await expect(page.getByRole("meter", { name: "Storage" })).toBeVisible();
      await expect(page.locator('[data-testid="plan-option"][data-plan="organization"]')).toContainText("contact one of them");
      await check(page);
      await page.goto("/settings/billing");
      await expect(page.getByTestId("current-plan-name")).toHaveText("Free");
      await expect(page.getByTestId("usage-private-packages-text")).toHaveText("0 of 10");
      await check(page);

      // The administrator: plans, the academic domains and the organizations.
      await assignPlan(admin, organization, "Organization (for organizations)");
      await check(admin);
      const personal = admin.locator('[data-testid="plan-form"][data-plan="personal"]');
      await personal.getByLabel("Storage (GB)").fill("lots");
      await personal.getByRole("button", { name: "Save Personal" }).click();
      await expect(personal.getByText("Enter a number of gigabytes such as 10 or 0.5")).toBeVisible();
      await personal.getByLabel("Storage (GB)").fill("50");
      await personal.getByRole("button", { name: "Save Personal" }).click();
      await expect(personal.getByTestId("form-success")).toHaveText("Saved the Personal plan.");
      const academic = admin.getByRole("region", { name: "Academic domains" });
      await academic.getByLabel("Domains, one a line").fill("edu\nexa_mple.org");
      await academic.getByRole("button", { name: "Save domains" }).click();
      await expect(academic.getByText("exa_mple.org is not a domain.")).toBeVisible();
      await academic.getByLabel("Domains, one a line").fill("edu\nac.uk");
      await academic.getByRole("button", { name: "Save domains" }).click();
      await expect(academic.getByTestId("form-success")).toHaveText("Saved 2 domains.");
      await admin.goto(`/admin/organizations?query=${organization}`);
      const adminRow = admin.locator(`[data-testid="admin-organization-row"][data-organization="${organization}"]`);
      await expect(adminRow).toContainText("Organization");
      await expect(adminRow).toContainText(owner.username);
      await check(admin);
      await adminRow.getByRole("link", { name: organization }).click();
      await expect(admin.getByTestId("organization-dashboard-heading")).toHaveText(organization);

      // With room for private packages now, the package's own settings: privacy, collaborators and groups.
      await page.goto(`/${organization}/settings/billing`);
      await expect(page.getByTestId("usage-private-packages-text")).toHaveText("0 of 100");
      await page.goto(`/${organization}/tool-${tag}`);
      await page.getByRole("button", { name: "Make private" }).click();
      await expect(page.getByRole("button", { name: "Make public" })).toBeVisible();
      await page.getByRole("link", { name: "Settings", exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`/${organization}/tool-${tag}/settings/collaborators$`));
      await page.getByLabel("Username").fill(helper.username);
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await expect(page.locator(`[data-testid="access-row"][data-name="${helper.username}"]`)).toContainText("Read-Write");
      await page.getByRole("button", { name: `Remove ${helper.username}` }).click();
      await confirmDialog(page, "Remove");
      await expect(page.locator(`[data-testid="access-row"][data-name="${helper.username}"]`)).toHaveCount(0);
      await page.getByLabel("Group", { exact: true }).fill("Publishers");
      await page.getByRole("button", { name: "Add group" }).click();
      await expect(page.getByText(`Publishers reaches every package of ${organization} already.`)).toBeVisible();
      await page.getByLabel("Group", { exact: true }).fill("tool-readers");
      await page.getByRole("button", { name: "Add group" }).click();
      await expect(page.locator('[data-testid="access-row"][data-name="tool-readers"]')).toContainText("Read-Only");
      await expect(page.locator('[data-testid="access-row"][data-name="Publishers"]')).toContainText("Administration");
      await check(page);

      // Transfer: a personal package moves into the organization; its old address redirects for good.
      const mine = buildCondaPackage({ name: `mine-${tag}`, version: "1.0" }, fs.mkdtempSync(path.join(fixtures, "mine-")));
      await uploadFiles(page, [mine]);
      await page.goto(`/${owner.username}/mine-${tag}/settings/admin`);
      await check(page);
      await page.getByLabel("New owner", { exact: true }).selectOption(organization);
      await page.getByLabel(`Type mine-${tag} to confirm`).fill(`mine-${tag}`);
      await page.getByLabel("Your password").fill("not my password");
      await page.getByRole("button", { name: "Transfer ownership" }).click();
      await expect(page.getByText("Your password is not right.")).toBeVisible();
      await page.getByLabel("Your password").fill(owner.password);
      await page.getByRole("button", { name: "Transfer ownership" }).click();
      await expect(page).toHaveURL(new RegExp(`/${organization}/mine-${tag}\\?transferredFrom=`));
      await expect(page.getByTestId("form-success")).toContainText(`now belongs to ${organization}`);
      const old = await page.request.get(`/${owner.username}/mine-${tag}`, { maxRedirects: 0 });
      expect(old.status()).toBe(308);
      expect(old.headers().location).toBe(`/${organization}/mine-${tag}`);
      await page.goto(`/${owner.username}/mine-${tag}`);
      await expect(page).toHaveURL(new RegExp(`/${organization}/mine-${tag}$`));
      // The notice is told only of a real transfer, not of whatever a link claims.
      await page.goto(`/${organization}/mine-${tag}?transferredFrom=${member.username}`);
      await expect(page.getByTestId("package-name")).toHaveText(`mine-${tag}`);
      await expect(page.getByTestId("form-success")).toHaveCount(0);

      // The member's view of the organization: its profile with its members, and its dashboard.
      await memberPage.goto(`/${organization}`);
      await expect(memberPage.getByTestId("owner-kind")).toHaveText("Organization");
      await expect(memberPage.getByTestId("member-list")).toContainText(owner.username);
      await expect(memberPage.getByTestId("package-list")).toContainText(`tool-${tag}`);
      await check(memberPage);
      await memberPage.goto(`/${organization}/dashboard`);
      await expect(memberPage.getByTestId("organization-dashboard-heading")).toHaveText(organization);
      await check(memberPage);

      // Deleting an organization takes its name typed exactly.
      const doomed = `${organization}-gone`;
      await createOrganization(page, doomed);
      await page.goto(`/${doomed}/settings`);
      await check(page);
      await page.getByLabel(`Type ${doomed} to confirm`).fill(doomed.toUpperCase());
      await page.getByRole("button", { name: `Delete ${doomed}` }).click();
      await expect(page.getByText(`Type the organization's name, ${doomed}, exactly to confirm.`)).toBeVisible();
      await page.getByLabel(`Type ${doomed} to confirm`).fill(doomed);
      await page.getByRole("button", { name: `Delete ${doomed}` }).click();
      await expect(page).toHaveURL(/\/settings\/organizations\?deleted=/);
      await expect(page.getByTestId("form-success")).toContainText(`${doomed} was deleted`);
      expect((await page.goto(`/${doomed}`))?.status()).toBe(404);
    });
  });
}
