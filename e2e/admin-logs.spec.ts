import { expect, test } from "@playwright/test";
import { adminPage, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling } from "./helpers";

/** The System logs hold the launcher's own startup records and are searched; the Logs page shows the sign-ins. */
for (const viewport of [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
]) {
  test(`an administrator searches the system logs and reads the authentication log (${viewport.name})`, async ({ browser }) => {
    const admin = await adminPage(browser, { viewport: { width: viewport.width, height: viewport.height } });

    await admin.goto("/admin/system-logs");
    const tabs = admin.getByRole("navigation", { name: "System logs" });
    for (const tab of ["Startup info", "Periodic tasks", "Startup errors", "Package installs", "User tasks", "API errors"]) {
      await expect(tabs.getByRole("link", { name: tab })).toBeVisible();
    }
    await expect(tabs.getByRole("link", { name: "Startup info" })).toHaveAttribute("aria-current", "page");
    await expect(admin.getByTestId("log-record").filter({ hasText: "Granary is ready at" })).toHaveCount(1);

    await admin.getByLabel("Text").fill("is ready");
    await admin.getByRole("button", { name: "Search" }).click();
    await expect(admin).toHaveURL(/query=is\+ready/);
    await expect(admin.getByTestId("log-record")).toHaveCount(1);
    await admin.getByLabel("Text").fill("no such message anywhere");
    await admin.getByRole("button", { name: "Search" }).click();
    await expect(admin.getByText("No records match")).toBeVisible();

    // An end before the start is the form's error, not a failed page.
    await admin.goto("/admin/system-logs?from=2026-02-01T00:00&to=2026-01-01T00:00");
    await expect(admin.getByRole("alert").filter({ hasText: "The end" })).toHaveText("The end must be after the start.");
    await expectNoSeriousAccessibilityViolations(admin);
    await expectNoSidewaysScrolling(admin);

    await admin.goto("/admin/logs");
    await admin.getByRole("navigation", { name: "Logs" }).getByRole("link", { name: "Authentication log" }).click();
    await expect(admin).toHaveURL(/log=authentication/);
    await expect(admin.getByTestId("audit-entry").filter({ hasText: "Signed in" }).first()).toBeVisible();
    await admin.getByLabel("Account", { exact: true }).fill("siteadmin");
    await admin.getByRole("button", { name: "Search" }).click();
    await expect(admin.getByTestId("audit-entry").first()).toContainText("siteadmin");
    await expectNoSeriousAccessibilityViolations(admin);
    await expectNoSidewaysScrolling(admin);
    await admin.context().close();
  });
}
