/**
 * Admin → Config: the technical facts of this platform and this process, with no secrets: versions, the drivers
 * chosen from the environment, the data folders and how long this process has run.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { sql } from "drizzle-orm";
import { env, filesDirectory, jobsDriver, type JobsDriver } from "@/env";
import packageJson from "../../../package.json";
import { assertCan, type Actor } from "../authz";
import type { MailMode } from "@/shared/schemas/mail-settings";
import type { Db } from "../db";
import { getMailSettings } from "./mail-settings";

export interface PlatformInfo {
  version: string;
  commit: string;
  nodeVersion: string;
  postgresVersion: string;
  database: "embedded" | "external";
  jobs: JobsDriver;
  mail: MailMode;
  storage: "filesystem";
  embeddedDatabaseFolder: string | null;
  filesFolder: string;
  startedAt: Date;
  uptimeSeconds: number;
}

let resolvedCommit: string | undefined;

/**
 * The checkout's commit, asked of git once per process (the first time the page is shown): "unknown" when the
 * app does not run from a git checkout, or git is missing.
 */
function currentCommit(): string {
  if (resolvedCommit === undefined) {
    try {
      const output = execFileSync("git", ["rev-parse", "HEAD"], { cwd: process.cwd(), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5_000 }).trim();
      resolvedCommit = /^[0-9a-f]{40}$/.test(output) ? output : "unknown";
    } catch {
      resolvedCommit = "unknown";
    }
  }
  return resolvedCommit;
}

/** Where mail goes: the environment's choice when it makes one (mailTransportFromEnvironment), else Admin → Notification's. */
async function mailMode(db: Db, actor: Actor): Promise<MailMode> {
  if (env.RESEND_API_KEY) return "resend";
  if (env.SMTP_HOST) return "smtp";
  return (await getMailSettings(db, actor)).mode;
}

export async function getPlatformInfo(db: Db, actor: Actor): Promise<PlatformInfo> {
  assertCan(actor, "admin:settings:update");
  const [[row], mail] = await Promise.all([db.execute<{ version: string }>(sql`select version() as version`), mailMode(db, actor)]);
  const embedded = env.GRANARY_EMBEDDED_DATABASE || !env.DATABASE_URL;
  const uptimeSeconds = Math.floor(process.uptime());
  return {
    version: packageJson.version,
    commit: currentCommit(),
    nodeVersion: process.version,
    postgresVersion: row?.version ?? "unknown",
    database: embedded ? "embedded" : "external",
    jobs: jobsDriver(),
    mail,
    storage: "filesystem",
    embeddedDatabaseFolder: embedded ? path.resolve(env.DATA_DIR, "postgres") : null,
    filesFolder: path.resolve(filesDirectory()),
    startedAt: new Date(Date.now() - uptimeSeconds * 1000),
    uptimeSeconds,
  };
}
