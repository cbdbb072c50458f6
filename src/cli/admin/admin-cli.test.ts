/**
 * granary-admin as the operator runs it: a separate node process through bin/granary-admin.mjs, against this
 * worker's test database (DATABASE_URL), and against an embedded PostgreSQL data folder both while its server runs
 * and while it is stopped.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { createPublishedPackage, createSiteAdmin, createUser, findUser } from "@/test/factories";
import { connectDatabase } from "@/server/db/client";
import { generateDatabasePassword, startEmbeddedPostgres } from "@/server/db/embedded";
import { applyMigrations } from "@/server/db/migrate";
import { auditEvents, packages } from "@/server/db/schema";

const db = setUpTestDatabase();
const bin = path.resolve(__dirname, "..", "..", "..", "bin", "granary-admin.mjs");
const filesFolder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-admin-files-"));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function granaryAdmin(args: string[], options: { stdin?: string; environment?: Record<string, string | undefined> } = {}): Promise<Run> {
  const environment: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: testDatabaseUrl(), FILES_DIR: filesFolder, ...options.environment };
  for (const [name, value] of Object.entries(environment)) if (value === undefined) delete environment[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: environment, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

async function commandLineEvents(action: string) {
  return db.select().from(auditEvents).where(and(eq(auditEvents.action, action), eq(auditEvents.actorLabel, "command line")));
}

// Each test starts several node processes (tsx compiles the sources in each): minutes on a loaded machine.
const subprocessTimeout = { timeout: 180_000 };

describe("granary-admin", () => {
  it("explains itself and each command with -h and --help", subprocessTimeout, async () => {
    const overall = await granaryAdmin(["--help"]);
    expect(overall).toMatchObject({ code: 0, stdout: expect.stringMatching(/superuser[\s\S]*remove-user[\s\S]*remove-project/) });
    for (const command of ["superuser", "remove-user", "remove-project"]) {
      const help = await granaryAdmin([command, "-h"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: granary-admin ${command}`);
      expect(help.stdout).toContain("--yes");
    }
    expect((await granaryAdmin(["superuser", "--add", "a", "--remove", "b"])).code).toBe(2);
    expect((await granaryAdmin(["frobnicate"])).code).toBe(2);
  });

  it("superuser --add and --remove grant and take back site administrator rights, audited as the command line", subprocessTimeout, async () => {
    await createSiteAdmin(db, { username: "boss" });
    const ada = await createUser(db, { username: "ada" });
    const added = await granaryAdmin(["superuser", "--add", "ADA", "--yes"]);
    expect(added).toMatchObject({ code: 0, stdout: "ada is now a site administrator.\n" });
    expect((await findUser(db, ada.id))?.isSiteAdmin).toBe(true);
    const [event] = await commandLineEvents("admin.user_admin_granted");
    expect(event).toMatchObject({ actorUserId: null, targetLabel: "ada", subjectUserId: ada.id, ipAddress: "local", userAgent: expect.stringMatching(/^granary-admin \(/) });

    expect(await granaryAdmin(["superuser", "--add", "ada", "--yes"])).toMatchObject({ code: 0, stdout: "ada is already a site administrator: nothing changed.\n" });
    const removed = await granaryAdmin(["superuser", "--remove", "ada", "--yes"]);
    expect(removed).toMatchObject({ code: 0, stdout: "ada is no longer a site administrator; their sessions were ended.\n" });
    expect((await findUser(db, ada.id))?.isSiteAdmin).toBe(false);
    expect(await commandLineEvents("admin.user_admin_revoked")).toHaveLength(1);
  });

  it("never takes the rights from the last active administrator", subprocessTimeout, async () => {
    const boss = await createSiteAdmin(db, { username: "boss" });
    await createUser(db, { username: "gone", isSiteAdmin: true, isActive: false });
    const refused = await granaryAdmin(["superuser", "--remove", "boss", "--yes"]);
    expect(refused).toMatchObject({ code: 1, stderr: "granary-admin: boss is the last active administrator: make someone else an administrator before taking boss's rights away.\n" });
    expect((await findUser(db, boss.id))?.isSiteAdmin).toBe(true);
    const removeUser = await granaryAdmin(["remove-user", "boss", "--yes"]);
    expect(removeUser).toMatchObject({ code: 1, stderr: expect.stringContaining("only active site administrator") });
    expect(await findUser(db, boss.id)).toBeDefined();
  });

  it("asks first, and changes nothing unless the answer is yes", subprocessTimeout, async () => {
    await createSiteAdmin(db, { username: "boss" });
    const ada = await createUser(db, { username: "ada" });
    const declined = await granaryAdmin(["superuser", "--add", "ada"], { stdin: "n\n" });
    expect(declined).toMatchObject({ code: 1, stderr: expect.stringMatching(/Make ada a site administrator\? \[y\/N\][\s\S]*Cancelled: nothing was changed/) });
    const noAnswer = await granaryAdmin(["remove-user", "ada"]);
    expect(noAnswer).toMatchObject({ code: 1, stderr: expect.stringContaining("Cancelled") });
    expect(await findUser(db, ada.id)).toMatchObject({ isSiteAdmin: false });
    expect(await granaryAdmin(["superuser", "--add", "ada"], { stdin: "yes\n" })).toMatchObject({ code: 0 });
    expect(await findUser(db, ada.id)).toMatchObject({ isSiteAdmin: true });
  });

  it("remove-user removes the account with what it owns, as deleting the account does", subprocessTimeout, async () => {
    await createSiteAdmin(db, { username: "boss" });
    const ada = await createUser(db, { username: "ada" });
    await createPublishedPackage(db, ada, "tools");
    await createPublishedPackage(db, ada, "more-tools");
    const question = await granaryAdmin(["remove-user", "ada"], { stdin: "y\n" });
    expect(question.stderr).toMatch(/Remove the account ada <.+> and what it owns \(2 packages, 2 files, 0 access tokens, 0 organization memberships\)\?/);
    expect(question).toMatchObject({ code: 0, stdout: "Removed the account ada with 2 packages (2 files) and 0 access tokens.\n" });
    expect(await findUser(db, ada.id)).toBeUndefined();
    expect(await db.select().from(packages).where(eq(packages.ownerId, ada.id))).toEqual([]);
    const [event] = await commandLineEvents("admin.user_removed");
    expect(event).toMatchObject({ targetLabel: "ada", details: { email: ada.email, packages: 2, files: 2 } });
    expect(await granaryAdmin(["remove-user", "ada", "--yes"])).toMatchObject({ code: 4, stderr: "granary-admin: There is no account named ada.\n" });
  });

  it("remove-project removes one package and its files", subprocessTimeout, async () => {
    const ada = await createUser(db, { username: "ada" });
    await createPublishedPackage(db, ada, "tools");
    await createPublishedPackage(db, ada, "kept");
    const removed = await granaryAdmin(["remove-project", "ada", "Tools", "--yes"]);
    expect(removed).toMatchObject({ code: 0, stdout: "Removed the package ada/tools and its 1 file.\n" });
    expect((await db.select({ name: packages.name }).from(packages)).map((row) => row.name)).toEqual(["kept"]);
    const [event] = await commandLineEvents("package.deleted");
    expect(event).toMatchObject({ targetLabel: "ada/tools", actorUserId: null });
    expect(await granaryAdmin(["remove-project", "ada", "nothing", "--yes"])).toMatchObject({ code: 4, stderr: "granary-admin: There is no package ada/nothing.\n" });
  });
});

describe("granary-admin on the embedded data folder", () => {
  it("works while Granary's embedded PostgreSQL runs, and starts and stops it while Granary is stopped", { timeout: 300_000 }, async () => {
    const dataDirectory = fs.mkdtempSync(path.join(fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir(), "granary-admin-data-"));
    // As `npm start` makes .data: readable by the postgres account that embedded PostgreSQL runs as under root.
    fs.chmodSync(dataDirectory, 0o755);
    const password = generateDatabasePassword();
    fs.writeFileSync(path.join(dataDirectory, "secrets.json"), JSON.stringify({ authSecret: "x".repeat(43), databasePassword: password }));
    const postgresDirectory = path.join(dataDirectory, "postgres");
    const server = await startEmbeddedPostgres({ directory: postgresDirectory, password, disposable: true });
    const admin = postgres(server.url, { max: 1, onnotice: () => {} });
    await admin`create database granary`;
    await admin.end();
    const url = new URL(server.url);
    url.pathname = "/granary";
    await applyMigrations(url.toString());
    const connection = connectDatabase(url.toString(), { max: 1 });
    await createSiteAdmin(connection.db, { username: "boss" });
    await createUser(connection.db, { username: "ada" });
    await connection.close();
    const embedded = { DATABASE_URL: undefined, DATA_DIR: dataDirectory };
    try {
      const whileRunning = await granaryAdmin(["superuser", "--add", "ada", "--yes"], { environment: embedded });
      expect(whileRunning).toMatchObject({ code: 0, stdout: "ada is now a site administrator.\n" });
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(path.join(postgresDirectory, "postmaster.pid"))).toBe(false);

    const whileStopped = await granaryAdmin(["superuser", "--remove", "ada", "--yes"], { environment: embedded });
    expect(whileStopped).toMatchObject({ code: 0, stdout: "ada is no longer a site administrator; their sessions were ended.\n" });
    expect(whileStopped.stderr).toContain("Granary is not running: starting its embedded PostgreSQL");
    // It stopped the server it started.
    expect(fs.existsSync(path.join(postgresDirectory, "postmaster.pid"))).toBe(false);

    const missing = await granaryAdmin(["superuser", "--add", "ada", "--yes"], { environment: { ...embedded, DATA_DIR: path.join(dataDirectory, "nowhere") } });
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("No Granary data folder at") });

    const check = await startEmbeddedPostgres({ directory: postgresDirectory, password, disposable: true });
    try {
      const reader = postgres(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${check.port}/granary`, { max: 1, onnotice: () => {} });
      const rows = await reader`select username, is_site_admin from users where username = 'ada'`;
      const events = await reader`select action, actor_label from audit_events where actor_label = 'command line' order by created_at`;
      await reader.end();
      expect(rows).toEqual([{ username: "ada", is_site_admin: false }]);
      expect(events.map((event) => event.action)).toEqual(["admin.user_admin_granted", "admin.user_admin_revoked"]);
    } finally {
      await check.stop();
      fs.rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
});

