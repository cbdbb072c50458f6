/**
 * Transfer of applications between Granary instances (seed 003, issue 15).
 *
 * On the source, Admin → Actions → Get transfer token signs a JWT (HS256, under a key derived from AUTH_SECRET)
 * whose only purpose is reading the applications for a transfer, for an hour, with a unique `jti` and this
 * instance's public address as issuer. The protocol routes under /api/transfer/ take it as a Bearer token and serve
 * the listing, the files a package source needs (the application's own package and the dependencies its running
 * environment was installed from that live on this instance's index), and the end of the transfer.
 *
 * A token serves one transfer session. Its first accepted use starts the session, which lasts at most
 * `sessionWindowMilliseconds` (never beyond the token's expiry) and ends early when the target says the transfer is
 * done; afterwards the token is refused as used, so a second transfer needs a new token. Within the session the
 * target may list as often as it needs (once to show the applications, once more when the admin transfers them).
 *
 * On the target, the listing is fetched server side with a timeout; the picked applications' files are copied
 * through the normal publishing service (so every file's sha256 is checked against the source's) under the same
 * owner name when it exists here, else under the importing administrator's account; then each application is
 * created as CREATE APP would, which queues its install job. A Git source is created with the same commit.
 */
import { hkdfSync, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { env, publicUrl } from "@/env";
import { transferApplicationsSchema, transferSourceSchema, type TransferApplicationsInput, type TransferSourceInput } from "@/shared/schemas/application-transfer";
import { normalizePackageName } from "@/shared/schemas/packages";
import { assertCan, can, requireUser, userActor, type Actor } from "../authz";
import type { Db } from "../db";
import { applications, applicationTransferSessions, installedDistributions, packageFiles, packages, users } from "../db/schema";
import { AppError } from "../errors";
import type { BlobStore } from "../storage";
import { toActorUser } from "./account-records";
import { createApplication } from "./applications";
import { recordAudit } from "./audit";
import { findOwner } from "./owners";
import { publishFile } from "./publishing";

export const transferPurpose = "granary:applications:read-for-transfer";
const tokenLifetimeSeconds = 60 * 60;
const sessionWindowMilliseconds = 30 * 60 * 1000;
/** How long the target waits for the source's answers: the listing, and each file. */
const listingTimeoutMilliseconds = 15_000;
const fileTimeoutMilliseconds = 5 * 60_000;
const pythonFileTypes = ["wheel", "sdist"] as const;

/** What signs and checks tokens: this instance's key and address by default; tests stand in for other instances. */
export interface TransferSigning {
  key?: Uint8Array;
  issuer?: string;
  now?: () => Date;
}

function signingKey(signing: TransferSigning): Uint8Array {
  return signing.key ?? transferTokenKey();
}

/** This instance's key for transfer tokens: derived from AUTH_SECRET, which every app server shares, never stored. */
export function transferTokenKey(): Uint8Array {
  if (!env.AUTH_SECRET) throw new Error("AUTH_SECRET is not set: transfer tokens are signed with a key derived from it (npm start provides one).");
  return new Uint8Array(hkdfSync("sha256", env.AUTH_SECRET, "granary", "application transfer token", 32));
}

function issuerOf(signing: TransferSigning): string {
  return (signing.issuer ?? publicUrl()).replace(/\/+$/, "");
}

// ------------------------------------------------------------------------------------------------------ the source

export async function issueTransferToken(db: Db, actor: Actor, signing: TransferSigning = {}) {
  assertCan(actor, "admin:applications:update");
  const { user } = requireUser(actor);
  const now = signing.now?.() ?? new Date();
  const tokenId = randomUUID();
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + tokenLifetimeSeconds * 1000);
  const token = await new SignJWT({ purpose: transferPurpose })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(issuerOf(signing))
    .setSubject(user.id)
    .setJti(tokenId)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(signingKey(signing));
  await recordAudit(db, actor, {
    action: "admin.application_transfer_token_issued",
    target: { type: "transfer_token", id: tokenId },
    details: { expiresAt: expiresAt.toISOString(), issuer: issuerOf(signing) },
  });
  return { token, tokenId, expiresAt };
}

function refused(message: string): AppError {
  return new AppError("UNAUTHORIZED", message);
}

/** The token's claims once its signature, issuer, expiry and purpose are checked; every failure is a 401. */
async function verifyTransferToken(authorization: string | undefined, signing: TransferSigning) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) throw refused("Send the transfer token from the source's Admin → Actions as Authorization: Bearer <token>.");
  const now = signing.now?.() ?? new Date();
  try {
    const { payload } = await jwtVerify(match[1]!, signingKey(signing), { issuer: issuerOf(signing), algorithms: ["HS256"], currentDate: now });
    if (payload.purpose !== transferPurpose) throw refused("That token is not for transferring applications: get a transfer token on this Granary's Admin → Actions.");
    if (typeof payload.jti !== "string" || !payload.jti || typeof payload.exp !== "number") throw refused("That transfer token has no id or expiry: get a new one.");
    return { tokenId: payload.jti, expiresAt: new Date(payload.exp * 1000), issuedBy: typeof payload.sub === "string" ? payload.sub : null };
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw refused("The transfer token has expired (they last an hour): get a new one on the source's Admin → Actions.");
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "iss") throw refused(`That transfer token was issued by another Granary, not ${issuerOf(signing)}.`);
    if (error instanceof joseErrors.JOSEError) throw refused("The transfer token is not valid: it was not signed by this Granary, or it was changed.");
    throw error;
  }
}

/**
 * Checks the token and its session: the first accepted use opens the session; a finished or timed-out one refuses.
 * `start` marks the session's start in the audit log on the listing that opens it.
 */
export async function openTransferSession(db: Db, authorization: string | undefined, signing: TransferSigning = {}) {
  const claims = await verifyTransferToken(authorization, signing);
  // The token reads on its administrator's behalf: no more than they may still do.
  const actor = await issuerActor(db, claims.issuedBy);
  if (!actor || !can(actor, "admin:applications:update")) {
    throw refused("The administrator who got this transfer token is no longer an active site administrator here: get a new one.");
  }
  const now = signing.now?.() ?? new Date();
  const endsAt = new Date(Math.min(now.getTime() + sessionWindowMilliseconds, claims.expiresAt.getTime()));
  const opened = await db.insert(applicationTransferSessions).values({ tokenId: claims.tokenId, startedAt: now, endsAt }).onConflictDoNothing().returning();
  const [session] = opened.length ? opened : await db.select().from(applicationTransferSessions).where(eq(applicationTransferSessions.tokenId, claims.tokenId));
  if (!session) throw new Error("A transfer session vanished while it was opened.");
  if (session.finishedAt) throw refused("This transfer token has been used for a transfer already: get a new one on the source's Admin → Actions.");
  if (session.endsAt.getTime() <= now.getTime()) throw refused("This transfer token's session is over (a token serves one transfer): get a new one on the source's Admin → Actions.");
  if (opened.length) {
    await recordAudit(db, actor, {
      action: "admin.application_transfer_started",
      target: { type: "transfer_token", id: claims.tokenId },
      details: { sessionEndsAt: endsAt.toISOString() },
    });
  }
  return { ...claims, session };
}

async function issuerActor(db: Db, userId: string | null): Promise<Actor | null> {
  if (!userId) return null;
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user?.isActive ? userActor(toActorUser(user)) : null;
}

export interface TransferFile {
  id: string;
  filename: string;
  packageName: string;
  version: string;
  sha256: string;
  size: number;
}

export interface TransferListedApplication {
  name: string;
  sourceKind: "package" | "git";
  active: boolean;
  state: string;
  /** The owner whose index the package and its dependencies come from. */
  indexOwner: string;
  package: { owner: string; name: string; version: string } | null;
  git: { url: string; branch: string; commit: string } | null;
  installedVersion: string | null;
  /** The package's files and those of the dependencies installed from this instance's index. */
  files: TransferFile[];
}

/** The applications and, for each, the files on this instance's index that its package and environment came from. */
export async function listApplicationsForTransfer(db: Db): Promise<TransferListedApplication[]> {
  const rows = await db.select().from(applications).orderBy(asc(sql`lower(${applications.name})`));
  const listed: TransferListedApplication[] = [];
  for (const application of rows) {
    const wanted = new Map<string, Set<string>>();
    const want = (name: string, version: string) => {
      const key = normalizePackageName(name);
      wanted.set(key, (wanted.get(key) ?? new Set()).add(version));
    };
    if (application.sourceKind === "package") want(application.packageName!, application.packageVersion!);
    if (application.currentInstallId) {
      const distributions = await db
        .select({ name: installedDistributions.name, version: installedDistributions.version })
        .from(installedDistributions)
        .where(eq(installedDistributions.installId, application.currentInstallId));
      for (const distribution of distributions) want(distribution.name, distribution.version);
    }
    const owner = await findOwner(db, application.indexOwner);
    const candidates = owner
      ? await db
          .select({
            id: packageFiles.id,
            filename: packageFiles.filename,
            packageName: packages.name,
            normalizedName: packages.normalizedName,
            version: packageFiles.version,
            sha256: packageFiles.sha256,
            size: packageFiles.size,
          })
          .from(packageFiles)
          .innerJoin(packages, eq(packages.id, packageFiles.packageId))
          .where(and(eq(packages.ownerId, owner.id), inArray(packages.normalizedName, [...wanted.keys()]), inArray(packageFiles.fileType, [...pythonFileTypes])))
          .orderBy(asc(packages.normalizedName), asc(packageFiles.filename))
      : [];
    listed.push({
      name: application.name,
      sourceKind: application.sourceKind,
      active: application.active,
      state: application.state,
      indexOwner: application.indexOwner,
      package: application.sourceKind === "package" ? { owner: application.indexOwner, name: application.packageName!, version: application.packageVersion! } : null,
      git: application.sourceKind === "git" ? { url: application.gitUrl!, branch: application.gitBranch!, commit: application.gitCommit! } : null,
      installedVersion: application.installedVersion,
      files: candidates
        .filter((file) => wanted.get(file.normalizedName)?.has(file.version))
        .map(({ normalizedName: _normalized, ...file }) => file),
    });
  }
  return listed;
}

/** A file the listing offers (and only such a file), for GET /api/transfer/files/<id>. */
export async function findTransferFile(db: Db, fileId: string) {
  const offered = (await listApplicationsForTransfer(db)).some((application) => application.files.some((file) => file.id === fileId));
  if (!offered) throw new AppError("NOT_FOUND", "This Granary offers no such file for transfer.");
  const [file] = await db
    .select({ id: packageFiles.id, filename: packageFiles.filename, sha256: packageFiles.sha256, size: packageFiles.size, createdAt: packageFiles.createdAt })
    .from(packageFiles)
    .where(eq(packageFiles.id, fileId));
  if (!file) throw new AppError("NOT_FOUND", "This Granary offers no such file for transfer.");
  return file;
}

/** The target says the transfer is done: the token is spent. */
export async function finishTransferSession(db: Db, tokenId: string, issuedBy: string | null, summary: unknown) {
  await db.update(applicationTransferSessions).set({ finishedAt: new Date() }).where(eq(applicationTransferSessions.tokenId, tokenId));
  const actor = await issuerActor(db, issuedBy);
  if (actor) {
    await recordAudit(db, actor, {
      action: "admin.application_transfer_finished",
      target: { type: "transfer_token", id: tokenId },
      details: { applications: summaryNames(summary) },
    });
  }
}

function summaryNames(summary: unknown): string[] {
  const parsed = z.object({ applications: z.array(z.string().max(100)).max(100) }).safeParse(summary);
  return parsed.success ? parsed.data.applications : [];
}

// ------------------------------------------------------------------------------------------------------ the target

const listedFileSchema = z.object({
  id: z.string().regex(/^[0-9a-f-]{36}$/i),
  filename: z.string().min(1).max(255),
  packageName: z.string().min(1).max(200),
  version: z.string().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(0),
});
const listingSchema = z.object({
  applications: z.array(
    z.object({
      name: z.string().min(1).max(100),
      sourceKind: z.enum(["package", "git"]),
      active: z.boolean(),
      state: z.string().max(20),
      indexOwner: z.string().min(1).max(100),
      package: z.object({ owner: z.string(), name: z.string(), version: z.string() }).nullable(),
      git: z.object({ url: z.string(), branch: z.string(), commit: z.string() }).nullable(),
      installedVersion: z.string().nullable(),
      files: z.array(listedFileSchema).max(1000),
    }),
  ),
});
type Listing = z.infer<typeof listingSchema>;

function sourceAddress(sourceUrl: string, route: string): string {
  return `${sourceUrl.replace(/\/+$/, "")}/api/transfer/${route}`;
}

/** Calls the source; an unreachable source or a refusal becomes a field error on the form, in the source's words. */
async function callSource(sourceUrl: string, token: string, route: string, init: { method?: string; body?: string; timeoutMilliseconds: number }): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(sourceAddress(sourceUrl, route), {
      method: init.method ?? "GET",
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(init.body ? { "Content-Type": "application/json" } : {}) },
      body: init.body,
      redirect: "error",
      signal: AbortSignal.timeout(init.timeoutMilliseconds),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw AppError.field(
      "sourceUrl",
      timedOut ? `${sourceUrl} did not answer within ${Math.round(init.timeoutMilliseconds / 1000)} s: nothing was transferred.` : `Could not reach ${sourceUrl} (${cause}): nothing was transferred.`,
    );
  }
  if (response.ok) return response;
  const message = await errorMessageOf(response);
  if (response.status === 401) throw AppError.field("token", `${sourceUrl} refused the token: ${message}`);
  if (response.status === 404 && route === "applications") {
    throw AppError.field("sourceUrl", `${sourceUrl} does not offer applications for transfer (404): is it a Granary's address?`);
  }
  throw AppError.field("sourceUrl", `${sourceUrl} answered ${response.status}: ${message}`);
}

async function errorMessageOf(response: Response): Promise<string> {
  const text = (await response.text().catch(() => "")).slice(0, 2000);
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = parsed.error ?? parsed.message;
    if (typeof message === "string") return message;
  } catch {
    // Not JSON: the text as it came.
  }
  return text.trim() || response.statusText;
}

async function fetchListing(sourceUrl: string, token: string): Promise<Listing> {
  const response = await callSource(sourceUrl, token, "applications", { timeoutMilliseconds: listingTimeoutMilliseconds });
  const parsed = listingSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw AppError.field("sourceUrl", `${sourceUrl} answered with something that is not a Granary's list of applications.`);
  return parsed.data;
}

/** Who will own a package source's copied files here: the same name when it exists here, else the importing admin. */
async function targetOwnerFor(db: Db, actor: Actor, sourceOwner: string): Promise<{ name: string; sameName: boolean }> {
  const owner = await findOwner(db, sourceOwner);
  if (owner) return { name: owner.username, sameName: true };
  return { name: requireUser(actor).user.username, sameName: false };
}

/** Admin → Applications → Transfer's first step: what the source offers, and what a transfer of each would do here. */
export async function previewTransfer(db: Db, actor: Actor, rawInput: TransferSourceInput) {
  assertCan(actor, "admin:applications:update");
  const input = transferSourceSchema.parse(rawInput);
  const listing = await fetchListing(input.sourceUrl, input.token);
  const existing = await existingNames(db, listing.applications.map((application) => application.name));
  return Promise.all(
    listing.applications.map(async (application) => ({
      name: application.name,
      sourceKind: application.sourceKind,
      active: application.active,
      source:
        application.sourceKind === "package"
          ? `${application.package!.owner}/${application.package!.name} ${application.package!.version}`
          : `${application.git!.url} ${application.git!.branch} @ ${application.git!.commit.slice(0, 12)}`,
      version: application.sourceKind === "package" ? application.package!.version : application.git!.commit,
      installedVersion: application.installedVersion,
      files: application.files.length,
      targetOwner: (await targetOwnerFor(db, actor, application.indexOwner)).name,
      clash: existing.has(application.name.toLowerCase()),
    })),
  );
}

async function existingNames(db: Db, names: string[]): Promise<Set<string>> {
  if (!names.length) return new Set();
  const rows = await db
    .select({ name: applications.name })
    .from(applications)
    .where(inArray(sql`lower(${applications.name})`, names.map((name) => name.toLowerCase())));
  return new Set(rows.map((row) => row.name.toLowerCase()));
}

export interface TransferredApplication {
  name: string;
  id: string;
  installId: string;
  runId: string;
  owner: string;
  copiedFiles: number;
  filesAlreadyHere: number;
}

/**
 * Copies the picked applications: every file a package source needs, through the publishing service (checked
 * against the source's sha256), then each application as CREATE APP makes it, which queues its install.
 */
export async function transferApplications(db: Db, actor: Actor, rawInput: TransferApplicationsInput, store: BlobStore, maxUploadBytes: number) {
  assertCan(actor, "admin:applications:update");
  const input = transferApplicationsSchema.parse(rawInput);
  const listing = await fetchListing(input.sourceUrl, input.token);
  const byName = new Map(listing.applications.map((application) => [application.name.toLowerCase(), application]));
  const picked = [...new Set(input.names.map((name) => name.toLowerCase()))].map((name) => {
    const application = byName.get(name);
    if (!application) throw AppError.field("names", `${input.sourceUrl} has no application named ${name}.`);
    return application;
  });
  const clashes = await existingNames(db, picked.map((application) => application.name));
  if (clashes.size) {
    const names = picked.filter((application) => clashes.has(application.name.toLowerCase())).map((application) => application.name);
    throw AppError.field(
      "names",
      `${names.length === 1 ? `An application named ${names[0]} exists` : `Applications named ${names.join(", ")} exist`} here already: delete or rename ${names.length === 1 ? "it" : "them"} first. Nothing was transferred.`,
      "CONFLICT",
    );
  }

  // Every file first, then the applications: a copy that fails creates no application, and a second try finds the
  // files already copied (the same bytes) and goes on.
  const copies: Array<{ application: (typeof picked)[number]; owner: string; copiedFiles: number; filesAlreadyHere: number }> = [];
  for (const application of picked) {
    const owner = await targetOwnerFor(db, actor, application.indexOwner);
    let copiedFiles = 0;
    let filesAlreadyHere = 0;
    for (const file of application.files) {
      if (await fileAlreadyHere(db, owner.name, file)) {
        filesAlreadyHere += 1;
        continue;
      }
      const response = await callSource(input.sourceUrl, input.token, `files/${file.id}`, { timeoutMilliseconds: fileTimeoutMilliseconds });
      if (!response.body) throw AppError.field("sourceUrl", `${input.sourceUrl} sent no bytes for ${file.filename}.`);
      const blob = await store.receive(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>), maxUploadBytes);
      await publishFile(db, actor, { ownerName: owner.name, filename: file.filename, blob, expectedSha256: file.sha256 }, store);
      copiedFiles += 1;
    }
    copies.push({ application, owner: owner.name, copiedFiles, filesAlreadyHere });
  }

  const transferred: TransferredApplication[] = [];
  for (const { application, owner, copiedFiles, filesAlreadyHere } of copies) {
    const created = await createApplication(
      db,
      actor,
      application.sourceKind === "package"
        ? { name: application.name, sourceKind: "package", owner, packageName: application.package!.name, packageVersion: application.package!.version, active: application.active }
        : { name: application.name, sourceKind: "git", owner, gitUrl: application.git!.url, gitBranch: application.git!.branch, gitCommit: application.git!.commit, active: application.active },
    );
    transferred.push({ name: application.name, id: created.id, installId: created.installId, runId: created.runId, owner, copiedFiles, filesAlreadyHere });
  }
  // The token is spent on the source. Best effort: the applications are here already, and an unspent token's
  // session ends with its window anyway.
  await callSource(input.sourceUrl, input.token, "finish", {
    method: "POST",
    body: JSON.stringify({ applications: transferred.map((application) => application.name) }),
    timeoutMilliseconds: listingTimeoutMilliseconds,
  }).catch(() => undefined);
  await recordAudit(db, actor, {
    action: "admin.applications_transferred",
    target: { type: "platform", label: input.sourceUrl },
    details: { source: input.sourceUrl, applications: transferred.map(({ name, owner, copiedFiles, filesAlreadyHere }) => ({ name, owner, copiedFiles, filesAlreadyHere })) },
  });
  return transferred;
}

/** A file of that name under that owner already: the same bytes are kept; different bytes stop the transfer. */
async function fileAlreadyHere(db: Db, ownerName: string, file: TransferFile): Promise<boolean> {
  const owner = await findOwner(db, ownerName);
  if (!owner) return false;
  const [existing] = await db
    .select({ sha256: packageFiles.sha256 })
    .from(packageFiles)
    .where(and(eq(packageFiles.ownerId, owner.id), eq(packageFiles.filename, file.filename)));
  if (!existing) return false;
  if (existing.sha256 !== file.sha256) {
    throw AppError.field("names", `${ownerName} has a different ${file.filename} here (sha256 ${existing.sha256.slice(0, 12)}…, the source's is ${file.sha256.slice(0, 12)}…): it was not replaced.`, "CONFLICT");
  }
  return true;
}
