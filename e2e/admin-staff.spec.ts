import { expect, test, type Page } from "@playwright/test";
import { adminPage, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling } from "./helpers";

const viewports = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

async function checkPage(page: Page) {
  await expectNoSeriousAccessibilityViolations(page);
  await expectNoSidewaysScrolling(page);
}

/** Mail settings are the whole site's: whatever a test leaves, the next specs get Off again. */
async function mailOff(page: Page) {
  await page.goto("/admin/notification");
  await page.getByLabel("Off (mail stays in the outbox)").check();
  await page.getByRole("button", { name: "Update" }).click();
  await expect(page.getByTestId("form-success")).toContainText("Mail settings saved");
}

for (const viewport of viewports) {
  test.describe(`the Staff pages (${viewport.name})`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test("the Daily Report: presets, a custom range, a bad range, the CSV and the e-mail switch", async ({ browser }) => {
      const admin = await adminPage(browser, { viewport });
      await admin.goto("/admin/daily-report");
      await expect(admin.getByRole("heading", { level: 1, name: "Daily Report" })).toBeVisible();
      await expect(admin.getByText("Days are UTC days")).toBeVisible();
      const today = new Date().toISOString().slice(0, 10);
      await expect(admin.getByTestId("report-range")).toContainText(today);
      await expect(admin.getByTestId("report-range")).toContainText("1 day");
      // The site's administrator signed in: the audit trail has it.
      await expect(admin.getByTestId("report-actions")).toContainText("Signed in");
      await expect(admin.getByTestId("report-chart")).toBeVisible();
      await checkPage(admin);

      await admin.getByRole("navigation", { name: "Report ranges" }).getByRole("link", { name: "This Month" }).click();
      await expect(admin).toHaveURL(/range=this_month/);
      await expect(admin.getByTestId("report-range")).toContainText(`${today.slice(0, 7)}-01`);
      await expect(admin.getByTestId("report-totals").getByRole("row", { name: /^Users/ })).toBeVisible();

      await admin.getByLabel("From").fill("2026-01-01");
      await admin.getByLabel("Until").fill("2026-01-31");
      await admin.getByRole("button", { name: "Show report" }).click();
      await expect(admin.getByTestId("report-range")).toContainText("31 days");

      // Until before From: the field says so and no report is shown.
      await admin.getByLabel("From").fill("2026-01-31");
      await admin.getByLabel("Until").fill("2026-01-01");
      await admin.getByRole("button", { name: "Show report" }).click();
      await expect(admin.locator("#report-until-error")).toHaveText("Until must be the same day as From or later.");
      await expect(admin.getByLabel("Until")).toHaveAttribute("aria-invalid", "true");
      await expect(admin.getByTestId("report-invalid")).toBeVisible();
      await checkPage(admin);
      await admin.goto("/admin/daily-report?from=2024-01-01&until=2025-06-01");
      await expect(admin.locator("#report-until-error")).toHaveText("A report covers at most 366 days.");

      await admin.goto("/admin/daily-report?from=2026-01-01&until=2026-01-03");
      const download = admin.waitForEvent("download");
      await admin.getByRole("link", { name: "Download CSV" }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe("granary-daily-report-2026-01-01-to-2026-01-03.csv");
      const csv = await admin.request.get("/admin/daily-report/csv?from=2026-01-01&until=2026-01-03");
      expect(csv.status()).toBe(200);
      expect(csv.headers()["content-type"]).toContain("text/csv");
      expect((await csv.text()).split("\r\n").slice(0, 7)).toEqual(["from,until,days", "2026-01-01,2026-01-03,3", "", "day,new_users,new_packages,downloads", expect.stringMatching(/^2026-01-01,/), expect.stringMatching(/^2026-01-02,/), expect.stringMatching(/^2026-01-03,/)]);
      expect((await admin.request.get("/admin/daily-report/csv?from=2026-01-03&until=2026-01-01")).status()).toBe(400);

      const emailSwitch = admin.getByLabel("E-mail me the daily report");
      const wasOn = await emailSwitch.isChecked();
      await emailSwitch.click();
      await expect(admin.getByTestId("daily-report-email-status")).toContainText("Saved");
      await admin.reload();
      await expect(admin.getByLabel("E-mail me the daily report")).toBeChecked({ checked: !wasOn });
      await admin.context().close();
    });

    test("Notification: Off by default, field errors, a failing SMTP server's answer, and a test e-mail to the outbox", async ({ browser }) => {
      const admin = await adminPage(browser, { viewport });
      try {
        await admin.goto("/admin/notification");
        await expect(admin.getByRole("heading", { level: 1, name: "Notification" })).toBeVisible();
        await expect(admin.getByLabel("Off (mail stays in the outbox)")).toBeChecked();
        await checkPage(admin);

        await admin.getByLabel("SMTP").check();
        // An earlier run may have left a hostname among the (now unused) SMTP settings.
        await admin.getByLabel("Hostname").fill("");
        await admin.getByRole("button", { name: "Update" }).click();
        await expect(admin.getByText("Give the SMTP server's hostname.")).toBeVisible();
        await admin.getByLabel("Hostname").fill("not a host!");
        await admin.getByLabel("Port").fill("70000");
        await admin.getByRole("button", { name: "Update" }).click();
        await expect(admin.getByText("Give a hostname (mail.example.org) or an IP address.")).toBeVisible();
        await expect(admin.getByText("Ports go from 1 to 65535.")).toBeVisible();
        await checkPage(admin);

        // Nothing listens on port 9 here: the test reports the connection's failure.
        await admin.getByLabel("Hostname").fill("127.0.0.1");
        await admin.getByLabel("Port").fill("9");
        await admin.getByLabel("TLS").selectOption("none");
        await admin.getByLabel("Password (optional)").fill("a secret");
        await admin.getByLabel("Username (optional)").fill("mailer");
        await admin.getByRole("button", { name: "Update" }).click();
        await expect(admin.getByTestId("form-success")).toContainText("Mail settings saved");
        await admin.reload();
        await expect(admin.getByLabel("Password (optional)")).toHaveValue("");
        await expect(admin.getByLabel("Password (optional)")).toHaveAttribute("placeholder", "Set (leave empty to keep it)");
        expect(await admin.content()).not.toContain("a secret");
        await admin.getByRole("button", { name: "Send a test e-mail" }).click();
        await expect(admin.getByTestId("test-email-result")).toHaveAttribute("data-ok", "false");
        await expect(admin.getByTestId("test-email-result")).toContainText("ECONNREFUSED");

        await mailOff(admin);
        await admin.getByLabel("Send to (optional)").fill("not an address");
        await admin.getByRole("button", { name: "Send a test e-mail" }).click();
        await expect(admin.getByText("Give an e-mail address, or leave it empty for your own.")).toBeVisible();
        await admin.getByLabel("Send to (optional)").fill("staff-test@example.test");
        await admin.getByRole("button", { name: "Send a test e-mail" }).click();
        await expect(admin.getByTestId("test-email-result")).toHaveAttribute("data-ok", "true");
        await expect(admin.getByTestId("test-email-result")).toContainText("kept in the outbox");
        await checkPage(admin);
      } finally {
        await mailOff(admin);
        await admin.context().close();
      }
    });

    test("Exceptions: open and resolved groups, and an unknown group is not found", async ({ browser }) => {
      const admin = await adminPage(browser, { viewport });
      await admin.goto("/admin/exceptions");
      await expect(admin.getByRole("heading", { level: 1, name: "Exceptions" })).toBeVisible();
      const tabs = admin.getByRole("navigation", { name: "Exception groups" });
      await expect(tabs.getByRole("link", { name: "Open" })).toHaveAttribute("aria-current", "page");
      await checkPage(admin);
      const markRead = admin.getByRole("button", { name: "Mark all as read" });
      if (await markRead.isVisible()) {
        await markRead.click();
        await expect(admin.getByText(/Marked \d+ exceptions? read/)).toBeVisible();
      }
      const group = admin.getByTestId("exception-group").first();
      if (await group.isVisible()) {
        await group.getByRole("link").first().click();
        await expect(admin.getByRole("heading", { level: 2, name: "Stack" })).toBeVisible();
        await checkPage(admin);
        await admin.getByRole("button", { name: "Mark resolved" }).click();
        await expect(admin.getByTestId("exception-group-status")).toContainText("Resolved");
        await admin.getByRole("button", { name: "Reopen" }).click();
        await expect(admin.getByTestId("exception-group-status")).toContainText("Open");
      }
      await admin.goto("/admin/exceptions?status=resolved");
      await expect(admin.getByRole("navigation", { name: "Exception groups" }).getByRole("link", { name: "Resolved" })).toHaveAttribute("aria-current", "page");
      await checkPage(admin);
      const missing = await admin.goto("/admin/exceptions/00000000000000000000000000000000");
      expect(missing?.status()).toBe(404);
      await admin.context().close();
    });
  });
}
