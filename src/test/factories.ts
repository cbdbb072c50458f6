/**
 * Builders for the rows tests need, and readers for what services leave behind (mail, audit events). Rows are
 * written with the ORM against the real database; nothing here bypasses the schema's constraints.
 */
import { and, asc, eq, type SQL } from "drizzle-orm";
import { anonymousActor, userActor, type Actor, type RequestOrigin } from "@/server/authz";
import type { Db } from "@/server/db/client";
import { accessTokens, accountTokens, auditEvents, emailMessages, fileLabels, packageFiles, packages, users } from "@/server/db/schema";
import { toActorUser, type BrowserSession } from "@/server/services/account-records";
import type { AuditAction } from "@/server/services/audit";
import { createLinkSecret, hashPassword } from "@/server/services/passwords";
import { openSession } from "@/server/services/sessions";
import { newTokenSecret } from "@/server/services/token-secrets";
import type { TokenScope } from "@/shared/token-scopes";
import { drainJobs } from "./jobs";

/** Every factory-made account has this password unless a test picks another. */
export const knownPassword = "correct horse battery";

/** Where test requests come from: a documentation address (RFC 5737), so throttling per IP is predictable. */
export const testOrigin: RequestOrigin = { ipAddress: "203.0.113.7", userAgent: "Vitest" };

export type UserRow = typeof users.$inferSelect;
export type SignedInActor = Extract<Actor, { kind: "user" }>;
export interface TestUser extends UserRow {
  /** The account's password in clear, for signing in and confirming. */
  password: string;
  /** The account as a signed-in actor from testOrigin. */
  actor: SignedInActor;
}

export function anonymous(origin: RequestOrigin = testOrigin): Actor {
  return anonymousActor(origin);
}

export function actorFor(user: UserRow, origin: RequestOrigin = testOrigin): SignedInActor {
  return userActor(toActorUser(user), origin) as SignedInActor;
}

// Argon2 is deliberately slow; each distinct password is hashed once per test file.
const passwordHashes = new Map<string, Promise<string>>();
function cachedPasswordHash(password: string): Promise<string> {
  let passwordHash = passwordHashes.get(password);
  if (!passwordHash) {
    passwordHash = hashPassword(password);
    passwordHashes.set(password, passwordHash);
  }
  return passwordHash;
}

let usersMade = 0;

export interface UserOverrides {
  username?: string;
  email?: string;
  name?: string | null;
  password?: string;
  isSiteAdmin?: boolean;
  isActive?: boolean;
}

export async function createUser(db: Db, overrides: UserOverrides = {}): Promise<TestUser> {
  usersMade += 1;
  const username = overrides.username ?? `user${usersMade}`;
  const password = overrides.password ?? knownPassword;
  const [row] = await db
    .insert(users)
    .values({
      username,
      email: overrides.email ?? `${username.toLowerCase()}@example.test`,
      name: overrides.name ?? null,
      passwordHash: await cachedPasswordHash(password),
      isSiteAdmin: overrides.isSiteAdmin ?? false,
      isActive: overrides.isActive ?? true,
    })
    .returning();
  if (!row) throw new Error("Inserting a test user returned no row.");
  return { ...row, password, actor: actorFor(row) };
}

/** A browser session of the account's, opened on the server as signing in opens one. */
export function createSession(db: Db, user: UserRow, origin: RequestOrigin = testOrigin): Promise<BrowserSession> {
  return openSession(db, origin, { userId: user.id, sessionVersion: user.sessionVersion });
}

export function createSiteAdmin(db: Db, overrides: Omit<UserOverrides, "isSiteAdmin"> = {}): Promise<TestUser> {
  return createUser(db, { username: `admin${usersMade + 1}`, ...overrides, isSiteAdmin: true });
}

export function createDeactivatedUser(db: Db, overrides: Omit<UserOverrides, "isActive"> = {}): Promise<TestUser> {
  return createUser(db, { ...overrides, isActive: false });
}

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/**
 * A live e-mailed link for an account, written the way the accounts service writes it (only the hash is
 * kept), for tests that need a link without going through the mail.
 */
export async function createAccountLink(
  db: Db,
  user: UserRow,
  link: { purpose: "password_reset" } | { purpose: "email_change"; newEmail: string },
): Promise<string> {
  const { secret, secretHash } = createLinkSecret();
  await db.insert(accountTokens).values({
    userId: user.id,
    purpose: link.purpose,
    secretHash,
    newEmail: link.purpose === "email_change" ? link.newEmail : null,
    expiresAt: new Date(Date.now() + 60 * 60 * 1000),
  });
  return secret;
}

export type EmailRow = typeof emailMessages.$inferSelect;

/**
 * Messages delivered, oldest first; with the outbox transport this is the delivered mail. Queued deliveries are run
 * first (drainJobs), so a test reads the mail its action sent.
 */
export async function sentEmails(db: Db, filter: { to?: string } = {}): Promise<EmailRow[]> {
  await drainJobs({ db });
  return db
    .select()
    .from(emailMessages)
    .where(filter.to ? eq(emailMessages.toAddress, filter.to) : undefined)
    .orderBy(asc(emailMessages.createdAt), asc(emailMessages.id));
}

/** The one message sent to an address; fails the test when there is none or more than one. */
export async function onlyEmailTo(db: Db, to: string): Promise<EmailRow> {
  const messages = await sentEmails(db, { to });
  if (messages.length !== 1) {
    throw new Error(`Expected exactly one e-mail to ${to}, found ${messages.length}: ${messages.map((m) => m.subject).join(", ")}`);
  }
  return messages[0]!;
}

/** The secret of a link such as `/reset-password?token=...` found in a message's text. */
export function linkTokenIn(message: Pick<EmailRow, "text" | "html">, path: "/reset-password" | "/confirm-email"): string {
  const body = message.text ?? message.html ?? "";
  const escapedPath = path.replace(/[/-]/g, "\\$&");
  const match = new RegExp(`${escapedPath}\\?token=([A-Za-z0-9_-]+)`).exec(body);
  if (!match?.[1]) throw new Error(`No ${path} link in the message:\n${body}`);
  return match[1];
}

export type AuditEventRow = typeof auditEvents.$inferSelect;

export async function recordedAuditEvents(
  db: Db,
  filter: { action?: AuditAction; subjectUserId?: string } = {},
): Promise<AuditEventRow[]> {
  const conditions: SQL[] = [];
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.subjectUserId) conditions.push(eq(auditEvents.subjectUserId, filter.subjectUserId));
  return db
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(auditEvents.createdAt), asc(auditEvents.id));
}

export async function recordedAuditActions(db: Db): Promise<string[]> {
  return (await recordedAuditEvents(db)).map((event) => event.action);
}

/**
 * A public package with one conda file labelled `main`, written straight to the tables: for tests about
 * who may do what, where the bytes themselves do not matter.
 */
export async function createPublishedPackage(db: Db, owner: { id: string }, name: string, options: { isPrivate?: boolean } = {}) {
  const [pkg] = await db
    .insert(packages)
    .values({ ownerId: owner.id, name, normalizedName: name, summary: `${name} summary`, latestVersion: "1.0", isPrivate: options.isPrivate ?? false })
    .returning({ id: packages.id });
  const [file] = await db
    .insert(packageFiles)
    .values({
      packageId: pkg!.id,
      ownerId: owner.id,
      fileType: "conda",
      subdir: "noarch",
      filename: `${name}-1.0-py_0.tar.bz2`,
      version: "1.0",
      size: 1,
      sha256: "0".repeat(64),
      md5: "0".repeat(32),
      metadata: { name, version: "1.0", build: "py_0", build_number: 0, depends: [], subdir: "noarch" },
      uploadedById: null,
    })
    .returning({ id: packageFiles.id });
  await db.insert(fileLabels).values({ fileId: file!.id, label: "main" });
  return { packageName: name, packageId: pkg!.id, fileId: file!.id };
}

export interface TestToken {
  id: string;
  name: string;
  /** The secret in clear, as the user was shown it once. */
  secret: string;
}

let tokensMade = 0;

/**
 * An access token written the way the token service writes it (only the hash is kept), without the e-mail
 * and audit event that creating one through the service adds. `expired` and `revoked` make dead tokens.
 */
export async function createAccessToken(
  db: Db,
  user: UserRow,
  options: { name?: string; scopes?: TokenScope[]; channelOwnerId?: string | null; lifetimeDays?: number; expired?: boolean; revoked?: boolean } = {},
): Promise<TestToken> {
  tokensMade += 1;
  const { secret, secretHash } = newTokenSecret();
  const lifetimeDays = options.lifetimeDays ?? 365;
  const day = 24 * 60 * 60 * 1000;
  const createdAt = options.expired ? new Date(Date.now() - (lifetimeDays + 1) * day) : new Date();
  const [row] = await db
    .insert(accessTokens)
    .values({
      userId: user.id,
      name: options.name ?? `token${tokensMade}`,
      secretHash,
      scopes: options.scopes ?? ["all"],
      channelOwnerId: options.channelOwnerId ?? null,
      lifetimeDays,
      createdAt,
      expiresAt: new Date(createdAt.getTime() + lifetimeDays * day),
      revokedAt: options.revoked ? new Date() : null,
      revokedReason: options.revoked ? "revoked" : null,
      holdsName: !options.revoked,
    })
    .returning({ id: accessTokens.id, name: accessTokens.name });
  if (!row) throw new Error("Inserting a test token returned no row.");
  return { ...row, secret };
}

export interface TestOrganization {
  id: string;
  username: string;
}

/** An organization created through the service, with `owner` as its first owner. */
export async function createTestOrganization(db: Db, owner: TestUser, name: string): Promise<TestOrganization> {
  const { createOrganization } = await import("@/server/services/organizations");
  return createOrganization(db, owner.actor, { name, email: `${name}@example.test` });
}
