import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { buildCondaPackage } from "../src/test/package-fixtures";
import { adminPage, assignPlan, createOrganization, newAccount, signUp, uploadFiles } from "./helpers";

const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-isolation-"));

async function personIn(browser: Browser, prefix: string) {
  const account = newAccount(prefix);
  const page = await (await browser.newContext()).newPage();
  await signUp(page, account);
  return { account, page };
}

/** What one person sees of a package: its page, its file, and search. */
async function sees(page: Page, owner: string, name: string, filename: string): Promise<{ page: number; file: number; searched: boolean }> {
  const pageStatus = (await page.goto(`/${owner}/${name}`))?.status() ?? 0;
  const fileStatus = (await page.request.get(`/${owner}/files/noarch/${filename}`)).status();
  await page.goto(`/search?q=${encodeURIComponent(name)}`);
  const searched = await page.getByTestId("package-list").getByRole("link", { name: `${owner}/${name}` }).isVisible();
  return { page: pageStatus, file: fileStatus, searched };
}

test("two organizations never see each other's private packages", async ({ browser }) => {
  test.setTimeout(240_000);
  const suffix = `${process.pid % 1000}${Date.now() % 1000}`;
  const [first, second] = [`iso-a${suffix}`, `iso-b${suffix}`];
  const alice = await personIn(browser, "isoalice");
  const bob = await personIn(browser, "isobob");
  const carol = await personIn(browser, "isocarol");
  const dave = await personIn(browser, "isodave");

  // Alice founds the first, Bob the second; the site administrator gives both a plan with private packages.
  await createOrganization(alice.page, first);
  await createOrganization(bob.page, second);
  const admin = await adminPage(browser);
  await assignPlan(admin, first, "Organization (for organizations)");
  await assignPlan(admin, second, "Organization (for organizations)");

  // Carol reads the first through a group over every package; Dave is a plain member of the second.
  await alice.page.goto(`/${first}/settings/groups`);
  await alice.page.getByRole("button", { name: "+ New group" }).click();
  await alice.page.getByLabel("Group name").fill("readers");
  await alice.page.getByLabel(/^Read-Only/).check();
  await alice.page.getByRole("button", { name: "Save group" }).click();
  await expect(alice.page.getByTestId("form-success")).toContainText("Created the group readers");
  await alice.page.getByLabel("Add a member to readers").fill(carol.account.username);
  await alice.page.getByRole("region", { name: "Members of readers" }).getByRole("button", { name: "Add", exact: true }).click();
  await expect(alice.page.locator('[data-group="readers"]').getByTestId("group-members")).toContainText(carol.account.username);
  await bob.page.goto(`/${second}/settings/members`);
  await bob.page.getByLabel("Username").fill(dave.account.username);
  await bob.page.getByRole("button", { name: "Add member" }).click();
  await expect(bob.page.locator(`[data-member="${dave.account.username}"]`)).toBeVisible();

  // Each publishes a private package of the same name into their own organization, from the upload page.
  const firstPackage = buildCondaPackage({ name: `secret-${suffix}`, version: "1.0", summary: "the first one's" }, fs.mkdtempSync(path.join(fixtures, "a-")));
  const secondPackage = buildCondaPackage({ name: `secret-${suffix}`, version: "2.0", summary: "the second one's" }, fs.mkdtempSync(path.join(fixtures, "b-")));
  await uploadFiles(alice.page, [firstPackage], { owner: first, makePrivate: true });
  await expect(alice.page.locator('[data-testid="upload-item"][data-status="done"]')).toHaveCount(1);
  await uploadFiles(bob.page, [secondPackage], { owner: second, makePrivate: true });
  await expect(bob.page.locator('[data-testid="upload-item"][data-status="done"]')).toHaveCount(1);

  const name = `secret-${suffix}`;
  const firstFile = path.basename(firstPackage);
  const secondFile = path.basename(secondPackage);
  const visible = { page: 200, file: 200, searched: true };
  const hidden = { page: 404, file: 404, searched: false };
  const expectViews = async (person: { account: { username: string }; page: Page }, firstView: typeof visible, secondView: typeof visible) => {
    expect(await sees(person.page, first, name, firstFile), `${person.account.username} and ${first}`).toEqual(firstView);
    expect(await sees(person.page, second, name, secondFile), `${person.account.username} and ${second}`).toEqual(secondView);
  };
  await expectViews(alice, visible, hidden);
  await expectViews(carol, visible, hidden);
  await expectViews(bob, hidden, visible);
  // Membership alone reaches no private package: groups and collaborations do.
  await expectViews(dave, hidden, hidden);
  const visitor = await (await browser.newContext()).newPage();
  expect(await sees(visitor, first, name, firstFile)).toEqual(hidden);
  expect(await sees(visitor, second, name, secondFile)).toEqual(hidden);

  // Bob gives the package to a new group from its settings, and puts Dave in it: Dave now reaches it, and only it.
  await bob.page.goto(`/${second}/${name}/settings/collaborators`);
  await bob.page.getByLabel("Group", { exact: true }).fill("chosen");
  await bob.page.getByLabel("Permission of a new group").selectOption({ label: "Read-Only" });
  await bob.page.getByRole("button", { name: "Add group" }).click();
  await expect(bob.page.getByTestId("form-success")).toContainText("Created the group chosen");
  await expect(bob.page.locator('[data-testid="access-row"][data-name="chosen"]')).toContainText("Read-Only");
  await bob.page.goto(`/${second}/settings/groups`);
  await bob.page.getByLabel("Add a member to chosen").fill(dave.account.username);
  await bob.page.getByRole("region", { name: "Members of chosen" }).getByRole("button", { name: "Add", exact: true }).click();
  await expect(bob.page.locator('[data-group="chosen"]').getByTestId("group-members")).toContainText(dave.account.username);
  await expectViews(dave, hidden, visible);

  // The organizations' pages: members see the package and each other, outsiders neither.
  await carol.page.goto(`/${first}`);
  await expect(carol.page.getByTestId("owner-kind")).toHaveText("Organization");
  await expect(carol.page.getByTestId("package-list")).toContainText(name);
  await expect(carol.page.getByTestId("member-list")).toContainText(alice.account.username);
  await dave.page.goto(`/${first}`);
  await expect(dave.page.getByTestId("empty-state")).toBeVisible();
  await expect(dave.page.getByTestId("member-list")).toHaveCount(0);
  expect((await dave.page.goto(`/${first}/dashboard`))?.status()).toBe(404);
  expect((await dave.page.goto(`/${first}/settings/members`))?.status()).toBe(404);
  // Not even a member of the other organization may change it.
  expect((await carol.page.goto(`/${second}/${name}/settings/collaborators`))?.status()).toBe(404);
});
