import { expect, test } from "@playwright/test";
import { expectNoSeriousAccessibilityViolations, newAccount, signUp } from "./helpers";

const publicPages = ["/", "/sign-up", "/sign-in", "/forgot-username", "/forgot-password", "/reset-password?token=example-token-for-layout-only", "/terms"];
const accountPages = ["/dashboard", "/dashboard/labels", "/settings/account", "/settings/security"];

for (const viewport of [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
]) {
  test.describe(`at ${viewport.name} width`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test("public pages have no serious accessibility violations", async ({ page }) => {
      for (const path of publicPages) {
        await page.goto(path);
        await expect(page.locator("main h1")).toBeVisible();
        await expectNoSeriousAccessibilityViolations(page);
      }
    });

    test("account pages have no serious accessibility violations", async ({ page }) => {
      await signUp(page, newAccount(`axe${viewport.name}`));
      for (const path of accountPages) {
        await page.goto(path);
        await expect(page.locator("main h1")).toBeVisible();
        await expectNoSeriousAccessibilityViolations(page);
      }
      // Nothing spills sideways at this width.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    });
  });
}
