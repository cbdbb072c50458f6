import { expect, test } from "@playwright/test";
import { startTestDirectory, testDirectoryBase, testDirectoryReader, testPeople, type TestDirectory } from "../src/test/ldap-server";
import { adminPage, e2eAdmin, expectNoSeriousAccessibilityViolations, signIn } from "./helpers";

// A real slapd on a free port; the server under test reaches it at the address the administrator types.
let directory: TestDirectory;

test.beforeAll(async () => {
  directory = await startTestDirectory();
});

test.afterAll(async ({ browser }) => {
  // The other flows share this server: accounts go back to being Granary's own whatever happened above.
  const admin = await adminPage(browser);
  await admin.goto("/admin");
  await admin.getByRole("radio", { name: "Granary accounts" }).check();
  await admin.getByRole("button", { name: "Save account settings" }).click();
  await expect(admin.getByText("Account settings saved.")).toBeVisible();
  directory?.stop();
});

test("an administrator tests the directory, switches to LDAP accounts, and directory users sign in", async ({ browser }) => {
  const admin = await adminPage(browser);
  await admin.goto("/admin");
  const form = admin.getByRole("form", { name: "Account type" });
  await form.getByLabel("Server URL").fill(directory.url);
  await form.getByLabel("Bind DN").fill(testDirectoryReader.dn);
  await form.getByLabel("Bind password").fill("not the bind password");
  await form.getByLabel("User search base").fill(`ou=people,${testDirectoryBase}`);
  await form.getByLabel("Group search base (optional)").fill(`ou=groups,${testDirectoryBase}`);
  await expectNoSeriousAccessibilityViolations(admin);

  // The directory's own error, word for word.
  await form.getByLabel("Username to look up").fill("alice");
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(admin.getByTestId("ldap-test-result")).toContainText(`The directory refused the bind as ${testDirectoryReader.dn}`);
  await expect(admin.getByTestId("ldap-test-result")).toContainText("Code: 0x31");

  await form.getByLabel("Bind password").fill(testDirectoryReader.password);
  await form.getByRole("button", { name: "Test connection" }).click();
  const result = admin.getByTestId("ldap-test-result");
  await expect(result).toContainText("Granary would read");
  await expect(result).toContainText(`uid=alice,ou=people,${testDirectoryBase}`);
  await expect(result).toContainText(testPeople.alice.mail);
  await expect(result).toContainText(testPeople.alice.cn);
  await expect(result).toContainText(`cn=data-science,ou=groups,${testDirectoryBase}`);

  await form.getByRole("radio", { name: "LDAP directory" }).check();
  await form.getByRole("button", { name: "Save and use LDAP accounts" }).click();
  await expect(admin.getByText("Account settings saved.")).toBeVisible();
  await admin.reload();
  await expect(admin.getByText("A password is set.")).toBeVisible();
  await expect(admin.getByLabel("Bind password")).toHaveValue("");

  // Visitors: nothing to sign up for, and passwords are the directory's to reset.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto("/sign-up");
  await expect(visitor.getByTestId("registration-directory")).toBeVisible();
  await expect(visitor.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign up" })).toHaveCount(0);
  await visitor.goto("/forgot-password");
  await expect(visitor.getByTestId("directory-password")).toBeVisible();

  await signIn(visitor, "alice", "not alice's password");
  await expect(visitor.getByTestId("form-error")).toHaveText("The username, e-mail or password is not right.");
  await signIn(visitor, testPeople.alice.mail, testPeople.alice.password);
  await expect(visitor).toHaveURL(/\/dashboard$/);
  await expect(visitor.getByRole("button", { name: `Account menu for ${testPeople.alice.cn}` })).toBeVisible();

  // The first administrator keeps a local password, so the panel stays reachable whatever the directory does.
  const breakGlass = await (await browser.newContext()).newPage();
  await signIn(breakGlass, e2eAdmin.username, e2eAdmin.password);
  await expect(breakGlass).toHaveURL(/\/dashboard$/);
  await breakGlass.goto("/admin/ldap");
  await expect(breakGlass.getByRole("list", { name: "Break-glass accounts" })).toContainText(`${e2eAdmin.username} (site administrator)`);
  await expectNoSeriousAccessibilityViolations(breakGlass);
});
