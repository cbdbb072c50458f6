import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { createLicense, generateLicenseKeyPair, parsePrivateKey, type LicenseRequest } from "../src/server/licensing/license";
import { adminPage, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling } from "./helpers";

/**
 * Admin → License against the production server, which trusts the test key pair of e2e/fixtures (playwright.config.ts
 * sets GRANARY_LICENSE_PUBLIC_KEY): a fresh install has no license and no banner; bad files are refused on the file
 * field and change nothing; good ones replace the license and bring the banners they call for.
 */
const testKey = parsePrivateKey(fs.readFileSync(path.join(__dirname, "fixtures", "license-test-key.pem"), "utf8"));
const day = 24 * 60 * 60 * 1000;
const dateIn = (days: number) => new Date(Date.now() + days * day).toISOString().slice(0, 10);

function license(fields: Partial<LicenseRequest> & { days: number }, key = testKey): string {
  const { days, ...rest } = fields;
  return createLicense(
    { vendor: "Granary", name: "E2E license", type: "Subscription", company: "Example Corp", email: "it@example.com", seats: 100_000, endDate: dateIn(days), ...rest },
    key,
  );
}

async function upload(page: Page, name: string, contents: string | Buffer) {
  const form = page.getByTestId("upload-license-form");
  await form.getByLabel("License file").setInputFiles({ name, mimeType: "application/octet-stream", buffer: Buffer.isBuffer(contents) ? contents : Buffer.from(contents) });
  await form.getByRole("button", { name: "Update" }).click();
}

async function expectRefused(page: Page, name: string, contents: string | Buffer, message: RegExp) {
  const before = await page.getByTestId("current-license").textContent();
  await upload(page, name, contents);
  await expect(page.getByTestId("license-file-error")).toHaveText(message);
  await expect(page.getByLabel("License file")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("license-file-error")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("current-license")).toHaveText(before ?? "");
}

test("a fresh install has no license: the page says so and how to get one, and no banner nags", async ({ browser }) => {
  const admin = await adminPage(browser);
  await admin.goto("/admin");
  await expect(admin.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(admin.getByTestId("license-banners")).toHaveCount(0);
  await admin.goto("/admin/license");
  await expect(admin.getByTestId("current-license")).toHaveAttribute("data-state", "none");
  await expect(admin.getByText("No license is installed.")).toBeVisible();
  await expect(admin.getByText(/Granary works fully without one/)).toBeVisible();
  await expectNoSeriousAccessibilityViolations(admin);
});

for (const viewport of [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
]) {
  test(`an administrator uploads good and bad license files and sees the banners they call for (${viewport.name})`, async ({ browser }) => {
    test.setTimeout(120_000);
    const admin = await adminPage(browser, { viewport: { width: viewport.width, height: viewport.height } });

    await admin.goto("/admin");
    const menu = admin.getByRole("navigation", { name: "Admin" });
    if (viewport.name === "phone") await menu.getByRole("button", { name: /Admin menu/ }).click();
    await menu.getByRole("link", { name: "License" }).click();
    await expect(admin.getByRole("heading", { level: 1, name: "License" })).toBeVisible();

    await test.step("bad files are refused with a clear message and change nothing", async () => {
      await admin.getByTestId("upload-license-form").getByRole("button", { name: "Update" }).click();
      await expect(admin.getByTestId("license-file-error")).toHaveText("Choose a license file.");
      await expectRefused(admin, "picture.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3]), /not a Granary license/);
      await expectRefused(admin, "tampered.license", license({ days: 200, seats: 5 }).replace('"seats": 5', '"seats": 5000'), /signature does not match/);
      const otherVendor = parsePrivateKey(generateLicenseKeyPair().privateKeyPem);
      await expectRefused(admin, "other-vendor.license", license({ days: 200 }, otherVendor), /signature does not match/);
      await expectRefused(admin, "other-product.license", license({ days: 200, product: "Wakari Enterprise" }), /This license is for Wakari Enterprise, not Granary\./);
    });

    await test.step("a license ending in 5 days is installed, and the banner warns", async () => {
      await upload(admin, "granary.license", license({ days: 5, company: "Continuum" }));
      await expect(admin.getByTestId("license-installed")).toHaveText(`Installed the license for Continuum, valid until ${dateIn(5)}.`);
      await expect(admin.getByTestId("license-days")).toHaveText("You have 5 days remaining on your current license.");
      const fields = admin.getByTestId("license-fields");
      await expect(fields).toContainText("Continuum");
      await expect(fields).toContainText("E2E license");
      await expect(admin.getByTestId("license-seats")).toContainText("of 100000 used");
      await expect(admin.getByTestId("license-banner")).toHaveText(new RegExp(`ends in 5 days, on ${dateIn(5)}`));
      await expectNoSeriousAccessibilityViolations(admin);
      await expectNoSidewaysScrolling(admin);
      // On every admin page, not only this one.
      await admin.goto("/admin/users");
      await expect(admin.getByTestId("license-banner")).toHaveText(/ends in 5 days/);
      await expectNoSidewaysScrolling(admin);
    });

    await test.step("more active accounts than seats is a warning, not a lock-out", async () => {
      await admin.goto("/admin/license");
      await upload(admin, "one-seat.license", license({ days: 300, seats: 1 }));
      await expect(admin.getByTestId("license-seats")).toContainText("Over the seats");
      await expect(admin.getByTestId("license-banner")).toHaveText(/more than the license's 1 seats\. Nobody is locked out/);
      await admin.goto("/dashboard");
      await expect(admin).toHaveURL(/\/dashboard$/);
    });

    await test.step("an ended license keeps Granary working, with a banner", async () => {
      await admin.goto("/admin/license");
      await upload(admin, "ended.license", license({ days: -2, issued: dateIn(-60) }));
      await expect(admin.getByTestId("license-days")).toHaveText(`Your license ended on ${dateIn(-2)} (2 days ago). Granary keeps working; upload a renewed license.`);
      await expect(admin.getByTestId("license-banner")).toHaveText(new RegExp(`ended on ${dateIn(-2)}`));
      await expect(admin.getByTestId("license-banner")).toHaveAttribute("data-tone", "danger");
      await expectNoSeriousAccessibilityViolations(admin);
      await expectNoSidewaysScrolling(admin);
    });

    await test.step("a renewed license clears the banners (and leaves the server so for later specs)", async () => {
      await upload(admin, "renewed.license", license({ days: 365 }));
      await expect(admin.getByTestId("license-days")).toHaveText("You have 365 days remaining on your current license.");
      await expect(admin.getByTestId("license-banners")).toHaveCount(0);
    });
  });
}
