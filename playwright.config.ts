import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

// End-to-end tests run the production build through the real launcher on a fresh embedded database.
const port = Number(process.env.E2E_PORT ?? 3100);
const dataDirectory = path.join(os.tmpdir(), `granary-e2e-${port}`);
export const e2eAdmin = { username: "siteadmin", password: "admin-password-e2e" };

const chromiumPath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (candidate) => candidate && fs.existsSync(candidate),
);

export default defineConfig({
  testDir: "e2e",
  // The flows share one server and one site setting (open registration), so they run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    command: `rm -rf "${dataDirectory}" && npm start`,
    url: `http://127.0.0.1:${port}/sign-in`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGINT", timeout: 15_000 },
    env: {
      DATA_DIR: dataDirectory,
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      GRANARY_ADMIN_USERNAME: e2eAdmin.username,
      GRANARY_ADMIN_EMAIL: "admin@example.com",
      GRANARY_ADMIN_PASSWORD: e2eAdmin.password,
      NEXT_TELEMETRY_DISABLED: "1",
      // Every flow of the suite comes from this one address: the per-address limits on sign-ups and recovery mail
      // (tested on their own in Vitest) would otherwise stop the later flows.
      SIGN_UPS_PER_IP_PER_HOUR: "1000",
      RECOVERY_MAILS_PER_IP_PER_HOUR: "1000",
      // Licenses in e2e/admin-license.spec.ts are signed with the test key pair of e2e/fixtures.
      GRANARY_LICENSE_PUBLIC_KEY: fs.readFileSync(path.join(__dirname, "e2e", "fixtures", "license-test-key.pub.pem"), "utf8"),
    },
  },
});
