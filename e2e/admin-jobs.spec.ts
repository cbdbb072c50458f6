import { expect, test } from "@playwright/test";
import { adminPage, expectNoSeriousAccessibilityViolations, expectNoSidewaysScrolling } from "./helpers";

/**
 * The Task Queue, Periodic tasks and Actions pages against the launcher's own embedded worker: a periodic task run
 * now is watched from queued to succeeded without reloading, found in its queue by status, and the worker is
 * restarted and seen coming back.
 */
for (const viewport of [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
]) {
  test(`an administrator runs a periodic task now, follows it in the Task Queue and restarts the workers (${viewport.name})`, async ({ browser }) => {
    test.setTimeout(120_000);
    const admin = await adminPage(browser, { viewport: { width: viewport.width, height: viewport.height } });

    // The menu leads to the page; on a phone it is folded into one button first.
    await admin.goto("/admin");
    const menu = admin.getByRole("navigation", { name: "Admin" });
    if (viewport.name === "phone") await menu.getByRole("button", { name: /Admin menu/ }).click();
    await menu.getByRole("link", { name: "Periodic tasks" }).click();
    await expect(admin.getByRole("heading", { level: 1, name: "Periodic tasks" })).toBeVisible();
    if (viewport.name === "phone") {
      // Folded again once the link was followed, naming the page it is on.
      await expect(menu.getByRole("button", { name: /Admin menu/ })).toHaveText(/Admin menu: Periodic tasks/);
      await expect(menu.getByRole("button", { name: /Admin menu/ })).toHaveAttribute("aria-expanded", "false");
      await menu.getByRole("button", { name: /Admin menu/ }).click();
    }
    await expect(menu.getByRole("link", { name: "Periodic tasks" })).toHaveAttribute("aria-current", "page");

    const task = admin.locator('[data-testid="periodic-task"][data-task="statistics-snapshot"]');
    await expect(task.getByText("At 00:05 (UTC)")).toBeVisible();
    await task.getByRole("button", { name: "Run statistics-snapshot now" }).click();
    await expect(task.getByText("Queued.")).toBeVisible();
    await task.getByRole("link", { name: "See the run" }).click();

    // The detail polls: the run is seen finishing without a reload.
    await expect(admin.getByRole("heading", { level: 1, name: "statistics-snapshot" })).toBeVisible();
    await expect(admin.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
    await expect(admin.getByTestId("run-log")).toContainText("Snapshot for");
    await expectNoSeriousAccessibilityViolations(admin);
    await expectNoSidewaysScrolling(admin);

    await admin.goto("/admin/periodic-tasks");
    await expect(task.getByTestId("last-run")).toContainText("Succeeded");

    await admin.goto("/admin/task-queue");
    await expect(admin.getByTestId("worker").filter({ hasText: "Running" }).first()).toBeVisible();
    await expect(admin.getByTestId("worker").first()).toContainText("high default low");
    await admin.getByTestId("queue-low").getByRole("link", { name: "low" }).click();
    await admin.getByRole("navigation", { name: "Status" }).getByRole("link", { name: "Succeeded" }).click();
    await expect(admin).toHaveURL(/status=succeeded/);
    await expect(admin.getByTestId("run").filter({ hasText: "statistics-snapshot" }).first()).toBeVisible();
    await admin.getByRole("navigation", { name: "Status" }).getByRole("link", { name: "Failed" }).click();
    await expect(admin.getByText("No failed tasks")).toBeVisible();
    await expectNoSidewaysScrolling(admin);

    // Restart: the worker that was live stops and a new one reports in, shown live on the Actions page.
    await admin.goto("/admin/actions");
    const before = await admin.getByTestId("worker").count();
    await admin.getByTestId("restart-workers").click();
    await expect(admin.getByText(/Asked \d+ workers? to restart\./)).toBeVisible();
    await expect(admin.getByTestId("worker")).toHaveCount(before + 1, { timeout: 30_000 });
    await expect(admin.locator('[data-testid="worker"][data-state="live"]')).toHaveCount(1, { timeout: 30_000 });
    await expect(admin.locator('[data-testid="worker"][data-state="stopped"]').first()).toBeVisible();
    await expectNoSeriousAccessibilityViolations(admin);
    await expectNoSidewaysScrolling(admin);
    await admin.context().close();
  });
}
