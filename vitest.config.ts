import path from "node:path";
import { defineConfig } from "vitest/config";

const sourceFolder = path.resolve(__dirname, "src");

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${sourceFolder}/` },
      // "server-only" throws outside Next's react-server condition; tests call server modules directly.
      { find: /^server-only$/, replacement: path.join(sourceFolder, "test", "empty-module.ts") },
    ],
  },
  test: {
    // e2e/ belongs to Playwright.
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
    globalSetup: ["src/test/global-setup.ts"],
    // Each worker owns one cloned database, so two workers on this two-core machine.
    pool: "forks",
    maxWorkers: 2,
    // A worker runs its files one after another in one module graph: loading tRPC, Drizzle and the e-mail
    // templates once per worker instead of once per file halves the run. Each file still gets its own
    // connection and empty tables (src/test/db.ts); module-level state a test changes must be restored by it.
    isolate: false,
    // Argon2 hashing and database round trips add up under load; these are ceilings, not timing assertions.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // Tests are hermetic: no real mail, no ambient database, and the throttling and request limits the tests count on.
    env: {
      NODE_ENV: "test",
      DATABASE_URL: "",
      RESEND_API_KEY: "",
      RESEND_BASE_URL: "",
      SMTP_HOST: "",
      PUBLIC_URL: "http://granary.test",
      // Seals the secret fields of queued jobs (password-reset links); the launcher generates one for real servers.
      AUTH_SECRET: "vitest-auth-secret-not-used-anywhere-else",
      MAIL_FROM: "Granary <granary@granary.test>",
      SIGN_IN_WINDOW_MINUTES: "15",
      SIGN_IN_MAX_FAILURES_PER_IP: "20",
      SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP: "5",
      SIGN_IN_DELAY_AFTER_ACCOUNT_FAILURES: "10",
      SIGN_IN_MAX_DELAY_SECONDS: "10",
      RECOVERY_MAILS_PER_ACCOUNT_PER_HOUR: "3",
      RECOVERY_MAILS_PER_IP_PER_HOUR: "10",
      SIGN_UPS_PER_IP_PER_HOUR: "20",
    },
  },
});
