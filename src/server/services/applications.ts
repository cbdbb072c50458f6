/**
 * Applications (seed 003, issue 15): Python packages installed onto the platform from Granary's own index or from a
 * Git commit. Creating one, or updating it to another version or commit, records an install and enqueues the
 * install job; the job (`runApplicationInstall`) builds a fresh environment beside the running one and switches the
 * application to it only when it is complete and at least one declared task imports. A failed install leaves the
 * running version as it was. Every change is an audit event; administrators only.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, asc, desc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { z } from "zod";
import { applicationsDirectory } from "@/env";
import {
  applicationVersionsSchema,
  createApplicationSchema,
  deleteApplicationSchema,
  pythonPackagesSearchSchema,
  updateApplicationSchema,
  type CreateApplicationInput,
  type UpdateApplicationInput,
} from "@/shared/schemas/applications";
import { normalizePackageName } from "@/shared/schemas/packages";
import {
  basePython,
  childEnvironment,
  describeCommand,
  environmentPython,
  inspectEnvironment,
  InstallStepError,
  runCommand,
  type Inspection,
} from "../applications/python-environment";
import { assertCan, can, userActor, type Actor } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import {
  accessTokens,
  applicationImportErrors,
  applicationInstalls,
  applications,
  applicationTasks,
  installedDistributions,
  jobRuns,
  packageFiles,
  packages,
  users,
} from "../db/schema";
import { AppError } from "../errors";
import { installApplicationJob } from "../jobs/definitions/install-application";
import { enqueue } from "../jobs/enqueue";
import { logTo } from "../logging/logger";
import { toActorUser } from "./account-records";
import { recordAudit } from "./audit";
import { findOwner } from "./owners";
import { newTokenSecret } from "./token-secrets";
import { revokeToken } from "./tokens";

type ApplicationRow = typeof applications.$inferSelect;
type InstallRow = typeof applicationInstalls.$inferSelect;

const pythonFileTypes = ["wheel", "sdist"] as const;
/** The install's own token lives this long at most: long enough for a slow pip, short enough to be worthless after. */
const installTokenLifetimeMilliseconds = 60 * 60 * 1000;

function notFound(): AppError {
  return new AppError("NOT_FOUND", "There is no such application.");
}

function signedInUserId(actor: Actor): string | null {
  return actor.kind === "user" ? actor.user.id : null;
}

function starterOf(actor: Actor) {
  return actor.kind === "user" ? { kind: "user" as const, userId: actor.user.id, label: actor.user.username } : { kind: "system" as const, label: "system" };
}

export function environmentPathFor(applicationId: string, installId: string): string {
  return path.resolve(applicationsDirectory(), applicationId, installId);
}

function sourceLabel(application: Pick<ApplicationRow, "sourceKind" | "indexOwner" | "packageName" | "packageVersion" | "gitUrl" | "gitBranch" | "gitCommit">) {
  return application.sourceKind === "package"
    ? `${application.indexOwner}/${application.packageName} ${application.packageVersion}`
    : `${application.gitUrl} ${application.gitBranch} @ ${application.gitCommit?.slice(0, 12)}`;
}

/** Whether the owner's index holds that version of the Python package (a wheel or an sdist). */
async function pythonReleaseExists(db: Db, ownerId: string, packageName: string, version: string): Promise<boolean> {
  const [row] = await db
    .select({ id: packageFiles.id })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .where(
      and(
        eq(packages.ownerId, ownerId),
        eq(packages.normalizedName, normalizePackageName(packageName)),
        eq(packageFiles.version, version),
        inArray(packageFiles.fileType, [...pythonFileTypes]),
      ),
    )
    .limit(1);
  return Boolean(row);
}

async function requireOwner(db: Db, name: string) {
  const owner = await findOwner(db, name);
  if (!owner) throw AppError.field("owner", `There is no user or organization named ${name} on this Granary.`);
  return owner;
}

/** Records an install of the application's current source and enqueues its job, in the caller's transaction. */
async function startInstall(tx: Db, actor: Actor, application: ApplicationRow): Promise<{ installId: string; runId: string }> {
  const installId = randomUUID();
  const runId = randomUUID();
  await tx.insert(applicationInstalls).values({
    id: installId,
    applicationId: application.id,
    version: application.sourceKind === "package" ? application.packageVersion : null,
    commit: application.sourceKind === "git" ? application.gitCommit : null,
    environmentPath: environmentPathFor(application.id, installId),
    requestedById: signedInUserId(actor),
  });
  await enqueue(tx, installApplicationJob, { applicationId: application.id, installId }, { runId, startedBy: starterOf(actor) });
  await tx.update(applicationInstalls).set({ jobRunId: runId }).where(eq(applicationInstalls.id, installId));
  await recordAudit(tx, actor, {
    action: "admin.application_install_started",
    target: { type: "application", id: application.id, label: application.name },
    details: { source: sourceLabel(application), installId, runId },
  });
  return { installId, runId };
}

// ---------------------------------------------------------------------------------------------- creating and changing

export async function createApplication(db: Db, actor: Actor, rawInput: CreateApplicationInput) {
  assertCan(actor, "admin:applications:update");
  const input = createApplicationSchema.parse(rawInput);
  const owner = await requireOwner(db, input.owner);
  if (input.sourceKind === "package" && !(await pythonReleaseExists(db, owner.id, input.packageName, input.packageVersion))) {
    throw AppError.field("packageVersion", `${owner.username}/${input.packageName} has no Python files for version ${input.packageVersion} on this Granary.`);
  }
  try {
    return await db.transaction(async (tx) => {
      const [application] = await tx
        .insert(applications)
        .values({
          name: input.name,
          sourceKind: input.sourceKind,
          indexOwner: owner.username,
          active: input.active,
          createdById: signedInUserId(actor),
          ...(input.sourceKind === "package"
            ? { packageName: input.packageName, packageVersion: input.packageVersion }
            : { gitUrl: input.gitUrl, gitBranch: input.gitBranch, gitCommit: input.gitCommit }),
        })
        .returning();
      if (!application) throw new Error("Inserting an application returned no row.");
      await recordAudit(tx, actor, {
        action: "admin.application_created",
        target: { type: "application", id: application.id, label: application.name },
        details: { source: sourceLabel(application), active: application.active },
      });
      const install = await startInstall(tx, actor, application);
      return { id: application.id, ...install };
    });
  } catch (error) {
    if (uniqueViolationConstraint(error) === "applications_name_unique") throw AppError.field("name", `An application named ${input.name} exists already.`, "CONFLICT");
    throw error;
  }
}

/**
 * Update: saves the new version or commit and whether the application is active, and installs the source when it
 * differs from what runs (or nothing runs yet), beside the running environment.
 */
export async function updateApplication(db: Db, actor: Actor, rawInput: UpdateApplicationInput) {
  assertCan(actor, "admin:applications:update");
  const input = updateApplicationSchema.parse(rawInput);
  return db.transaction(async (tx) => {
    const [application] = await tx.select().from(applications).where(eq(applications.id, input.id)).for("update");
    if (!application) throw notFound();
    const changes: Partial<ApplicationRow> = { active: input.active };
    if (application.sourceKind === "package" && input.packageVersion !== undefined) {
      const owner = await findOwner(tx, application.indexOwner);
      if (!owner || !(await pythonReleaseExists(tx, owner.id, application.packageName!, input.packageVersion))) {
        throw AppError.field("packageVersion", `${application.indexOwner}/${application.packageName} has no Python files for version ${input.packageVersion} on this Granary.`);
      }
      changes.packageVersion = input.packageVersion;
    }
    if (application.sourceKind === "git" && input.gitCommit !== undefined) changes.gitCommit = input.gitCommit;
    const [updated] = await tx
      .update(applications)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(applications.id, application.id))
      .returning();
    if (!updated) throw notFound();
    const sourceChanged = sourceLabel(updated) !== sourceLabel(application);
    if (sourceChanged || updated.active !== application.active) {
      await recordAudit(tx, actor, {
        action: "admin.application_changed",
        target: { type: "application", id: updated.id, label: updated.name },
        details: { from: { source: sourceLabel(application), active: application.active }, to: { source: sourceLabel(updated), active: updated.active } },
      });
    }
    const running = updated.sourceKind === "package" ? updated.installedVersion === updated.packageVersion : updated.installedCommit === updated.gitCommit;
    const [pending] = await tx
      .select({ id: applicationInstalls.id })
      .from(applicationInstalls)
      .where(and(eq(applicationInstalls.applicationId, updated.id), inArray(applicationInstalls.status, ["queued", "running"])))
      .limit(1);
    // Switching active or not never waits; another version does, or two installs would race to switch the application.
    if (pending && sourceChanged) {
      throw new AppError("CONFLICT", "An install of this application is under way: wait for it to finish, then change its version or commit.");
    }
    const install = !running && !pending ? await startInstall(tx, actor, updated) : null;
    return { id: updated.id, install };
  });
}

export async function deleteApplication(db: Db, actor: Actor, rawInput: z.input<typeof deleteApplicationSchema>) {
  assertCan(actor, "admin:applications:update");
  const input = deleteApplicationSchema.parse(rawInput);
  const [application] = await db.select().from(applications).where(eq(applications.id, input.id));
  if (!application) throw notFound();
  if (input.confirmation.trim() !== application.name) throw AppError.field("confirmation", `Type the application's name, ${application.name}, to confirm.`);
  await db.transaction(async (tx) => {
    await tx.delete(applications).where(eq(applications.id, application.id));
    await recordAudit(tx, actor, {
      action: "admin.application_deleted",
      target: { type: "application", id: application.id, label: application.name },
      details: { source: sourceLabel(application) },
    });
  });
  // Committed: an install still running finds its application gone and removes what it made itself.
  fs.rmSync(path.resolve(applicationsDirectory(), application.id), { recursive: true, force: true });
  return { id: application.id };
}

// ---------------------------------------------------------------------------------------------- reading

export async function listApplications(db: Db, actor: Actor) {
  assertCan(actor, "admin:applications:read");
  const rows = await db.select().from(applications).orderBy(asc(sql`lower(${applications.name})`));
  const latest = rows.length
    ? await db
        .selectDistinctOn([applicationInstalls.applicationId], {
          applicationId: applicationInstalls.applicationId,
          status: applicationInstalls.status,
          error: applicationInstalls.error,
        })
        .from(applicationInstalls)
        .where(inArray(applicationInstalls.applicationId, rows.map((row) => row.id)))
        .orderBy(applicationInstalls.applicationId, desc(applicationInstalls.queuedAt))
    : [];
  const latestOf = new Map(latest.map((install) => [install.applicationId, install]));
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    sourceKind: row.sourceKind,
    source: sourceLabel(row),
    active: row.active,
    state: row.state,
    installedVersion: row.installedVersion,
    installedCommit: row.installedCommit,
    latestInstall: latestOf.get(row.id) ?? null,
  }));
}

export async function getApplication(db: Db, actor: Actor, id: string) {
  assertCan(actor, "admin:applications:read");
  const [application] = await db.select().from(applications).where(eq(applications.id, id));
  if (!application) throw notFound();
  const installs = await db
    .select({
      id: applicationInstalls.id,
      status: applicationInstalls.status,
      version: applicationInstalls.version,
      commit: applicationInstalls.commit,
      error: applicationInstalls.error,
      output: applicationInstalls.output,
      queuedAt: applicationInstalls.queuedAt,
      startedAt: applicationInstalls.startedAt,
      finishedAt: applicationInstalls.finishedAt,
      jobRunId: applicationInstalls.jobRunId,
      progress: jobRuns.progress,
      progressMessage: jobRuns.progressMessage,
      runStatus: jobRuns.status,
      taskCount: sql<number>`(select count(*)::int from application_tasks where application_tasks.install_id = ${applicationInstalls.id})`,
      importErrorCount: sql<number>`(select count(*)::int from application_import_errors where application_import_errors.install_id = ${applicationInstalls.id})`,
    })
    .from(applicationInstalls)
    .leftJoin(jobRuns, eq(jobRuns.id, applicationInstalls.jobRunId))
    .where(eq(applicationInstalls.applicationId, id))
    .orderBy(desc(applicationInstalls.queuedAt))
    .limit(10);
  const tasks = application.currentInstallId
    ? await db
        .select({ name: applicationTasks.name, entryPoint: applicationTasks.entryPoint, description: applicationTasks.description, inputSchema: applicationTasks.inputSchema })
        .from(applicationTasks)
        .where(eq(applicationTasks.installId, application.currentInstallId))
        .orderBy(asc(applicationTasks.name))
    : [];
  return {
    application: {
      id: application.id,
      name: application.name,
      sourceKind: application.sourceKind,
      source: sourceLabel(application),
      indexOwner: application.indexOwner,
      packageName: application.packageName,
      packageVersion: application.packageVersion,
      gitUrl: application.gitUrl,
      gitBranch: application.gitBranch,
      gitCommit: application.gitCommit,
      active: application.active,
      state: application.state,
      currentInstallId: application.currentInstallId,
      installedVersion: application.installedVersion,
      installedCommit: application.installedCommit,
      environmentPath: application.environmentPath,
      installedAt: application.installedAt,
      createdAt: application.createdAt,
    },
    installs: installs.map(({ output, ...install }, index) => ({ ...install, output: index === 0 ? output : null })),
    tasks,
  };
}

/** The Python packages (with their versions, newest first) a package source can pick, for CREATE APP. */
export async function listInstallablePackages(db: Db, actor: Actor) {
  assertCan(actor, "admin:applications:read");
  const rows = await db
    .select({ owner: users.username, name: packages.name, version: packageFiles.version })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .innerJoin(users, eq(users.id, packages.ownerId))
    .where(and(inArray(packageFiles.fileType, [...pythonFileTypes]), eq(users.isActive, true)))
    .groupBy(users.username, packages.name, packageFiles.version)
    .orderBy(asc(sql`lower(${users.username})`), asc(sql`lower(${packages.name})`), desc(sql`max(${packageFiles.createdAt})`))
    .limit(2000);
  const byPackage = new Map<string, { owner: string; name: string; versions: string[] }>();
  for (const row of rows) {
    const key = `${row.owner}/${row.name}`;
    const entry = byPackage.get(key) ?? { owner: row.owner, name: row.name, versions: [] };
    entry.versions.push(row.version);
    byPackage.set(key, entry);
  }
  return [...byPackage.values()];
}

export async function listPackageVersions(db: Db, actor: Actor, rawInput: z.input<typeof applicationVersionsSchema>) {
  assertCan(actor, "admin:applications:read");
  const input = applicationVersionsSchema.parse(rawInput);
  const owner = await findOwner(db, input.owner);
  if (!owner) return [];
  const rows = await db
    .select({ version: packageFiles.version })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .where(and(eq(packages.ownerId, owner.id), eq(packages.normalizedName, normalizePackageName(input.packageName)), inArray(packageFiles.fileType, [...pythonFileTypes])))
    .groupBy(packageFiles.version)
    .orderBy(desc(sql`max(${packageFiles.createdAt})`));
  return rows.map((row) => row.version);
}

/** The latest commits of a Git source's branch, for Edit: read from a bare, blob-less clone made for the purpose. */
export async function listBranchCommits(db: Db, actor: Actor, id: string) {
  assertCan(actor, "admin:applications:read");
  const [application] = await db.select().from(applications).where(eq(applications.id, id));
  if (!application) throw notFound();
  if (application.sourceKind !== "git") throw new AppError("BAD_REQUEST", "Only applications from a Git repository have commits to choose from.");
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-branch-"));
  try {
    const environment = childEnvironment(folder);
    const clone = await runCommand(
      "git",
      ["clone", "--quiet", "--bare", "--single-branch", "--branch", application.gitBranch!, "--filter=blob:none", "--", application.gitUrl!, path.join(folder, "repository")],
      { env: environment, cwd: folder },
    );
    if (clone.code !== 0) throw new AppError("UNPROCESSABLE_CONTENT", `Could not read the branch ${application.gitBranch} of ${application.gitUrl}: ${clone.output.trim().slice(0, 500)}`);
    const log = await runCommand("git", ["--git-dir", path.join(folder, "repository"), "log", "-n", "50", "--format=%H%x09%aI%x09%an%x09%s"], { env: environment });
    if (log.code !== 0) throw new AppError("UNPROCESSABLE_CONTENT", `Could not list the commits of ${application.gitBranch}: ${log.output.trim().slice(0, 500)}`);
    return log.output
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [commit = "", committedAt = "", author = "", ...subject] = line.split("\t");
        return { commit, committedAt, author, subject: subject.join("\t") };
      });
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** Admin → Import Errors: each application's errors from the running install, and from a later install that failed. */
export async function listImportErrors(db: Db, actor: Actor) {
  assertCan(actor, "admin:applications:read");
  const latestInstalls = db
    .selectDistinctOn([applicationInstalls.applicationId], { id: applicationInstalls.id })
    .from(applicationInstalls)
    .where(inArray(applicationInstalls.status, ["succeeded", "failed"]))
    .orderBy(applicationInstalls.applicationId, desc(applicationInstalls.queuedAt));
  const rows = await db
    .select({
      id: applicationImportErrors.id,
      applicationId: applications.id,
      application: applications.name,
      task: applicationImportErrors.task,
      module: applicationImportErrors.module,
      errorType: applicationImportErrors.errorType,
      message: applicationImportErrors.message,
      traceback: applicationImportErrors.traceback,
      recordedAt: applicationImportErrors.recordedAt,
      installId: applicationImportErrors.installId,
      running: sql<boolean>`${applicationImportErrors.installId} = ${applications.currentInstallId}`,
      version: applicationInstalls.version,
      commit: applicationInstalls.commit,
    })
    .from(applicationImportErrors)
    .innerJoin(applications, eq(applications.id, applicationImportErrors.applicationId))
    .innerJoin(applicationInstalls, eq(applicationInstalls.id, applicationImportErrors.installId))
    .where(or(eq(applicationImportErrors.installId, applications.currentInstallId), inArray(applicationImportErrors.installId, latestInstalls)))
    .orderBy(asc(sql`lower(${applications.name})`), asc(applicationImportErrors.task), desc(applicationImportErrors.recordedAt));
  return rows.map((row) => ({ ...row, running: Boolean(row.running) }));
}

/** Admin → Python packages: the distributions of every application's running environment, searchable by name. */
export async function listPythonPackages(db: Db, actor: Actor, rawInput: z.input<typeof pythonPackagesSearchSchema> = {}) {
  assertCan(actor, "admin:applications:read");
  const input = pythonPackagesSearchSchema.parse(rawInput);
  const search = input.search ? `%${input.search.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%` : null;
  return db
    .select({
      id: installedDistributions.id,
      name: installedDistributions.name,
      version: installedDistributions.version,
      path: installedDistributions.path,
      applicationId: applications.id,
      application: applications.name,
    })
    .from(installedDistributions)
    .innerJoin(applications, and(eq(applications.id, installedDistributions.applicationId), eq(applications.currentInstallId, installedDistributions.installId)))
    .where(search ? sql`lower(${installedDistributions.name}) like ${search}` : undefined)
    .orderBy(asc(sql`lower(${installedDistributions.name})`), asc(sql`lower(${applications.name})`))
    .limit(1000);
}

// ---------------------------------------------------------------------------------------------- the install job's body

export interface InstallContext {
  /** This instance's address, whose `/<owner>/simple/` pip installs from. */
  indexBaseUrl: string;
  progress(percent: number, message: string): void;
  log(message: string): void;
  signal?: AbortSignal;
}

export interface InstallOutcome {
  status: "succeeded" | "failed" | "gone";
  error?: string;
  tasks?: number;
  importErrors?: number;
}

/** A token of the requesting administrator's for this install only: PyPI downloads, from the index owner only. */
async function createInstallToken(db: Db, install: InstallRow, application: ApplicationRow) {
  if (!install.requestedById) throw new InstallStepError("The administrator who asked for this install no longer exists.");
  const [user] = await db.select().from(users).where(eq(users.id, install.requestedById));
  const actor = user?.isActive ? userActor(toActorUser(user)) : null;
  if (!user || !actor || !can(actor, "admin:applications:update")) {
    throw new InstallStepError("The administrator who asked for this install is no longer an active site administrator.");
  }
  const owner = await findOwner(db, application.indexOwner);
  if (!owner) throw new InstallStepError(`There is no owner named ${application.indexOwner} on this Granary any more.`);
  const { secret, secretHash } = newTokenSecret();
  const now = new Date();
  const token = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(accessTokens)
      .values({
        userId: user.id,
        // Never holds its name: any number of installs may run, and the name must not collide with the admin's own tokens.
        holdsName: false,
        name: `application install ${install.id}`,
        secretHash,
        scopes: ["pypi:download"],
        channelOwnerId: owner.id,
        lifetimeDays: 1,
        createdAt: now,
        expiresAt: new Date(now.getTime() + installTokenLifetimeMilliseconds),
      })
      .returning();
    if (!row) throw new Error("Inserting an install token returned no row.");
    await recordAudit(tx, actor, {
      action: "token.created",
      target: { type: "access_token", id: row.id, label: row.name },
      subjectUserId: user.id,
      details: { scopes: row.scopes, channel: owner.username, expiresAt: row.expiresAt.toISOString(), purpose: `install of the application ${application.name}` },
    });
    return row;
  });
  return { id: token.id, secret, actor };
}

/** The install's token ends with it, as its administrator would revoke it (audited, forgotten by every cache). */
async function revokeInstallToken(db: Db, token: { id: string; actor: Actor }) {
  await revokeToken(db, token.actor, { id: token.id });
}

function indexUrlWithToken(base: string, owner: string, secret: string): string {
  const url = new URL(`${base.replace(/\/+$/, "")}/${encodeURIComponent(owner)}/simple/`);
  url.username = "__token__";
  url.password = secret;
  return url.toString();
}

/** Whether the install passes: at least one declared task imports (others may fail; they are recorded). */
export function installPasses(inspection: Inspection): boolean {
  return inspection.tasks.length > 0;
}

/**
 * After a switch, the environments of the application's finished installs go, but for the new one and the one it
 * replaced: app servers and workers go on running the version they loaded until the platform or the workers restart
 * (applications/active-applications.ts), so the replaced one keeps serving them until then. An install still under
 * way keeps its own.
 */
async function removeSupersededEnvironments(db: Db, applicationId: string, kept: (string | null)[]): Promise<void> {
  const finished = await db
    .select({ environmentPath: applicationInstalls.environmentPath })
    .from(applicationInstalls)
    .where(and(eq(applicationInstalls.applicationId, applicationId), inArray(applicationInstalls.status, ["succeeded", "failed"])));
  for (const { environmentPath } of finished) {
    if (!kept.includes(environmentPath)) fs.rmSync(environmentPath, { recursive: true, force: true });
  }
}

/**
 * The install job's body. Safe to run again: an install that finished is not redone (a failed one fails again with
 * its error, so its job run shows it), and an interrupted one starts over in a fresh folder.
 */
export async function runApplicationInstall(db: Db, installId: string, context: InstallContext): Promise<InstallOutcome> {
  const [install] = await db.select().from(applicationInstalls).where(eq(applicationInstalls.id, installId));
  if (!install) return { status: "gone" };
  if (install.status === "succeeded") return { status: "succeeded" };
  if (install.status === "failed") throw new InstallStepError(install.error ?? "This install failed.");
  const [application] = await db.select().from(applications).where(eq(applications.id, install.applicationId));
  if (!application) return { status: "gone" };

  await db.update(applicationInstalls).set({ status: "running", startedAt: new Date(), output: "", error: null }).where(eq(applicationInstalls.id, install.id));
  let output = "";
  const saveOutput = () => db.update(applicationInstalls).set({ output }).where(eq(applicationInstalls.id, install.id));
  const environmentPath = install.environmentPath;
  const workFolder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-install-"));
  const wheelhouse = path.join(workFolder, "wheelhouse");
  fs.mkdirSync(wheelhouse);
  let token: Awaited<ReturnType<typeof createInstallToken>> | null = null;
  const step = async (command: string, args: string[], failure: string, options: { cwd?: string } = {}) => {
    const redact = token ? [token.secret] : [];
    output += describeCommand(command, args, redact);
    const outcome = await runCommand(command, args, { cwd: options.cwd ?? workFolder, env: childEnvironment(workFolder), signal: context.signal, redact });
    output += outcome.output;
    await saveOutput();
    if (outcome.code !== 0) throw new InstallStepError(`${failure} (exit code ${outcome.code}).`);
    return outcome.output;
  };

  let outcome: InstallOutcome;
  let commit: string | null = null;
  try {
    context.progress(2, "Resolving the source");
    token = await createInstallToken(db, install, application);
    const indexUrl = indexUrlWithToken(context.indexBaseUrl, application.indexOwner, token.secret);
    let requirement: string;
    if (application.sourceKind === "package") {
      const owner = await findOwner(db, application.indexOwner);
      if (!owner || !(await pythonReleaseExists(db, owner.id, application.packageName!, install.version!))) {
        throw new InstallStepError(`${application.indexOwner}/${application.packageName} ${install.version} is not on this Granary any more.`);
      }
      requirement = `${application.packageName}==${install.version}`;
    } else {
      const checkout = path.join(workFolder, "checkout");
      await step("git", ["clone", "--quiet", "--no-checkout", "--", application.gitUrl!, checkout], `Could not clone ${application.gitUrl}`);
      await step("git", ["-C", checkout, "checkout", "--quiet", "--detach", install.commit!], `The commit ${install.commit} is not in ${application.gitUrl}`);
      commit = (await step("git", ["-C", checkout, "rev-parse", "HEAD"], "Could not read the checked-out commit")).trim();
      context.progress(8, `Building the wheel of commit ${commit.slice(0, 12)}`);
      await step(basePython(), ["-m", "pip", "wheel", "--isolated", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", path.join(workFolder, "built"), checkout], "Building the checkout into a wheel failed");
      const built = fs.readdirSync(path.join(workFolder, "built")).filter((file) => file.endsWith(".whl"));
      if (built.length !== 1) throw new InstallStepError(`Building the checkout made ${built.length} wheels; expected one.`);
      requirement = path.join(workFolder, "built", built[0]!);
    }
    context.log(`Installing ${requirement.startsWith(workFolder) ? path.basename(requirement) : requirement} into ${environmentPath}`);

    context.progress(15, "Downloading from this Granary's index");
    fs.rmSync(environmentPath, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(environmentPath), { recursive: true });
    await step(basePython(), ["-m", "venv", environmentPath], "Making the Python environment failed");
    await step(
      environmentPython(environmentPath),
      ["-m", "pip", "download", "--isolated", "--no-input", "--progress-bar", "off", "--index-url", indexUrl, "--dest", wheelhouse, requirement],
      "Downloading the application and its dependencies from this Granary failed",
    );

    context.progress(45, "Installing into a new environment");
    await step(
      environmentPython(environmentPath),
      ["-m", "pip", "install", "--isolated", "--no-input", "--progress-bar", "off", "--no-index", "--find-links", wheelhouse, requirement],
      "Installing into the new environment failed",
    );

    context.progress(75, "Checking the tasks' imports");
    output += "$ (importing each task declared in granary.tasks)\n";
    const { inspection, output: printed } = await inspectEnvironment(environmentPath, workFolder, context.signal);
    output += printed;
    for (const error of inspection.errors) output += `Import error in task ${error.task} (${error.module}): ${error.type}: ${error.message}\n`;
    const passes = installPasses(inspection);
    const error = passes
      ? null
      : inspection.errors.length
        ? `No task imports: ${inspection.errors.length} declared task${inspection.errors.length === 1 ? "" : "s"} failed to import, so the running version stays.`
        : "The application declares no tasks (entry points in the group granary.tasks), so the running version stays.";
    output += passes ? `${inspection.tasks.length} task(s) import; ${inspection.errors.length} failed.\n` : `${error}\n`;
    const switched = await recordInspection(db, install, application, inspection, { passes, error, output, commit });
    if (!switched) outcome = { status: "gone" };
    else outcome = passes ? { status: "succeeded", tasks: inspection.tasks.length, importErrors: inspection.errors.length } : { status: "failed", error: error!, importErrors: inspection.errors.length };
    if (passes && switched) await removeSupersededEnvironments(db, application.id, [install.environmentPath, application.environmentPath]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    output += `${message}\n`;
    const failed = await db
      .update(applicationInstalls)
      .set({ status: "failed", error: message, output, finishedAt: new Date() })
      .where(eq(applicationInstalls.id, install.id))
      .returning({ id: applicationInstalls.id });
    if (failed.length) {
      await db.update(applications).set({ state: "failed" }).where(and(eq(applications.id, application.id), isNull(applications.currentInstallId)));
    }
    outcome = failed.length ? { status: "failed", error: message } : { status: "gone" };
  } finally {
    if (token) await revokeInstallToken(db, token);
    fs.rmSync(workFolder, { recursive: true, force: true });
  }

  if (outcome.status !== "succeeded") fs.rmSync(environmentPath, { recursive: true, force: true });
  if (outcome.status === "gone") {
    fs.rmSync(path.resolve(applicationsDirectory(), application.id), { recursive: true, force: true });
    return outcome;
  }
  const auditActor = token?.actor ?? (await requesterActor(db, install));
  const details = { source: sourceLabel({ ...application, packageVersion: install.version, gitCommit: commit ?? install.commit }), installId: install.id, ...(outcome.error ? { error: outcome.error } : {}) };
  if (auditActor) {
    await recordAudit(db, auditActor, {
      action: outcome.status === "succeeded" ? "admin.application_installed" : "admin.application_install_failed",
      target: { type: "application", id: application.id, label: application.name },
      details,
    });
  }
  await logTo(db, {
    level: outcome.status === "succeeded" ? "info" : "error",
    category: "package_installs",
    message:
      outcome.status === "succeeded"
        ? `Installed the application ${application.name} (${details.source}): ${outcome.tasks} task(s), ${outcome.importErrors} import error(s).`
        : `Installing the application ${application.name} (${details.source}) failed: ${outcome.error}`,
    context: { application: application.name, applicationId: application.id, installId: install.id, output: output.slice(-3500) },
  });
  if (outcome.status === "failed") throw new InstallStepError(outcome.error!);
  context.progress(100, `Installed: ${outcome.tasks} task(s), ${outcome.importErrors} import error(s)`);
  return outcome;
}

async function requesterActor(db: Db, install: InstallRow): Promise<Actor | null> {
  if (!install.requestedById) return null;
  const [user] = await db.select().from(users).where(eq(users.id, install.requestedById));
  return user ? userActor(toActorUser(user)) : null;
}

/** Stores what the check found and, when it passes, switches the application to the new environment: one transaction. */
async function recordInspection(
  db: Db,
  install: InstallRow,
  application: ApplicationRow,
  inspection: Inspection,
  result: { passes: boolean; error: string | null; output: string; commit: string | null },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(applications).where(eq(applications.id, application.id)).for("update");
    if (!current) return false;
    await tx.delete(applicationTasks).where(eq(applicationTasks.installId, install.id));
    await tx.delete(applicationImportErrors).where(eq(applicationImportErrors.installId, install.id));
    await tx.delete(installedDistributions).where(eq(installedDistributions.installId, install.id));
    if (inspection.tasks.length) {
      await tx.insert(applicationTasks).values(
        inspection.tasks.map((task) => ({
          installId: install.id,
          applicationId: application.id,
          name: task.name,
          entryPoint: task.entryPoint,
          description: task.description,
          inputSchema: task.inputSchema,
        })),
      );
    }
    if (inspection.errors.length) {
      await tx.insert(applicationImportErrors).values(
        inspection.errors.map((error) => ({
          installId: install.id,
          applicationId: application.id,
          task: error.task,
          module: error.module,
          errorType: error.type,
          message: error.message,
          traceback: error.traceback,
        })),
      );
    }
    if (inspection.distributions.length) {
      await tx.insert(installedDistributions).values(
        inspection.distributions.map((distribution) => ({ installId: install.id, applicationId: application.id, ...distribution })),
      );
    }
    await tx
      .update(applicationInstalls)
      .set({ status: result.passes ? "succeeded" : "failed", error: result.error, output: result.output, finishedAt: new Date(), ...(result.commit ? { commit: result.commit } : {}) })
      .where(eq(applicationInstalls.id, install.id));
    if (result.passes) {
      await tx
        .update(applications)
        .set({
          state: "installed",
          currentInstallId: install.id,
          installedVersion: application.sourceKind === "package" ? install.version : null,
          installedCommit: application.sourceKind === "git" ? (result.commit ?? install.commit) : null,
          // An abbreviated commit is kept as the full one it named, so what is asked for and what runs compare equal.
          ...(application.sourceKind === "git" && result.commit && current.gitCommit === install.commit ? { gitCommit: result.commit } : {}),
          environmentPath: install.environmentPath,
          installedAt: new Date(),
        })
        .where(eq(applications.id, application.id));
    } else if (!current.currentInstallId) {
      await tx.update(applications).set({ state: "failed" }).where(eq(applications.id, application.id));
    }
    return true;
  });
}
