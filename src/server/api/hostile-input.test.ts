/**
 * Whatever a caller sends, the answer is a success or a client error, never an internal one: "a bad input gets
 * a clear error and changes nothing; there is no 500 for a user's mistake" (DESIGN.md, conventions). Calls go
 * through the HTTP endpoint as a browser's or a script's would, so whatever the app would record as an exception
 * is recorded, and every test ends with none recorded.
 */
import fc from "fast-check";
import { TRPCClientError } from "@trpc/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createFailedRun } from "@/test/jobs";
import {
  anonymous,
  createAccessToken,
  createAccountLink,
  createPublishedPackage,
  createSession,
  createSiteAdmin,
  createTestOrganization,
  createUser,
  type TestUser,
} from "@/test/factories";
import { unreachableLdapSettings } from "@/test/ldap-server";
import { listProcedures } from "@/test/procedures";
import { recordedExceptions, trpcClientOverHttp } from "@/test/trpc-http";
import { tokenScopeNames } from "@/shared/token-scopes";
import type { Actor } from "../authz";
import { emailMessages, notifications } from "../db/schema";
import { addGroupMember, createGroup } from "../services/groups";
import { createDirectoryGroupMapping } from "../services/ldap-accounts";
import { AppError } from "../errors";
import { actorFromCredentialHeaders } from "./credentials";
import { appRouter } from "./root";

const db = setUpTestDatabase();

afterEach(async () => {
  expect(await recordedExceptions(db)).toEqual([]);
});

/** The router as a client reaches it over HTTP, as the given actor. */
const overHttp = (actor: Actor) => trpcClientOverHttp({ actor });

// A fixed seed keeps runs reproducible; change it locally to explore further.
const propertyOptions = { numRuns: 100, seed: 20_260_522 } as const;

/** Any JavaScript value, including the odd ones a hand-built request or a buggy client could produce. */
const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

/** Strings that stress encodings and limits: control characters, NUL, lone surrogates, emoji, huge lengths. */
const oddString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.string({ unit: fc.constantFrom("\u0000", "\u0001", "\u001b", "\u200b", "\u202e", "\ud800", "\udfff", "\ufeff", "'", '"', "\\", "%", "_", "a"), maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "admin", "ADMIN", "a@b.c", "x".repeat(100_000), "😀".repeat(1000), "null", "undefined", "__proto__", "constructor"),
  fc.emailAddress(),
);

const fieldValue = fc.oneof({ weight: 4, arbitrary: oddString }, { weight: 1, arbitrary: anyValue });

/** Mostly objects of the expected shape, so most calls get past the schema and into the services. */
function mostlyShaped<Shape>(shaped: fc.Arbitrary<Shape>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 1, arbitrary: anyValue }, { weight: 1, arbitrary: fc.object() }, { weight: 6, arbitrary: shaped });
}

/** Usually a plausible value for the field, sometimes a hostile one, so calls reach every layer. */
function usually<Value>(plausible: fc.Arbitrary<Value>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: fieldValue });
}

const plausibleUsername = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
// Addresses the e-mail rule accepts, with the punctuation it allows.
const plausibleEmail = fc.stringMatching(/^[A-Za-z0-9_'+-]{1,20}@[A-Za-z0-9]{1,12}\.[A-Za-z]{2,6}$/);
const plausiblePassword = fc.string({ unit: "grapheme", minLength: 7, maxLength: 40 });

const signUpInput = mostlyShaped(
  fc.oneof(plausiblePassword, oddString).chain((password) =>
    fc.record({
      username: usually(plausibleUsername),
      email: usually(plausibleEmail),
      password: fc.constant(password),
      passwordConfirmation: usually(fc.constant(password)),
      acceptTerms: usually(fc.constant(true)),
    }),
  ),
);
const signInInput = mostlyShaped(fc.record({ login: usually(fc.oneof(plausibleUsername, plausibleEmail)), password: fieldValue }));
/**
 * Where a request claims to come from is client-controlled too (X-Forwarded-For, User-Agent); header values are
 * printable text, which fc.string's default unit is. Varying it also keeps the per-address throttle from
 * answering every later attempt before the password is checked.
 */
const requestOrigin = fc.record({
  ipAddress: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 64 })),
  userAgent: fc.option(fc.string({ maxLength: 512 })),
});
const passwordResetRequest = mostlyShaped(fc.record({ login: usually(fc.oneof(plausibleUsername, plausibleEmail)) }));
const usernameReminder = mostlyShaped(fc.record({ email: usually(plausibleEmail) }));
const plausibleToken = fc.string({ unit: fc.constantFrom(..."ABCabc012-_"), minLength: 20, maxLength: 200 });
const passwordReset = mostlyShaped(
  fc.oneof(plausiblePassword, oddString).chain((password) =>
    fc.record({
      token: usually(plausibleToken),
      password: fc.constant(password),
      passwordConfirmation: usually(fc.constant(password)),
    }),
  ),
);

const confirmEmail = mostlyShaped(fc.record({ token: usually(plausibleToken) }));
const profileUpdate = mostlyShaped(fc.record({ name: fieldValue }));
const userSearch = mostlyShaped(
  fc.record(
    { query: fieldValue, page: fc.oneof(fc.integer(), anyValue), pageSize: fc.oneof(fc.integer(), anyValue) },
    { requiredKeys: [] },
  ),
);

const organizationSearch = mostlyShaped(
  fc.record({ query: fieldValue, after: usually(plausibleUsername), pageSize: fc.oneof(fc.integer(), anyValue) }, { requiredKeys: [] }),
);

/** The innermost cause names the real failure, such as PostgreSQL's own error. */
function describeFailure(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
  return messages.join("\n  caused by: ");
}

/** The call succeeds or fails with a client error (4xx). */
async function answersWithoutInternalError(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const { code, httpStatus } = (error.data ?? {}) as { code?: string; httpStatus?: number };
    if (code === "INTERNAL_SERVER_ERROR" || !httpStatus || httpStatus >= 500) throw new Error(`Internal error: ${describeFailure(error)}`);
  }
}

/** The tRPC code a call over HTTP failed with; fails the test when it succeeded. */
async function failureCodeOf(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return (error.data as { code?: string } | undefined)?.code;
    throw error;
  }
  throw new Error("Expected the call to fail.");
}

describe("counterexamples found before", () => {
  // PostgreSQL text cannot hold NUL: these once reached the database and came back as internal errors.
  it("refuses a NUL character in a login, a name or a search with BAD_REQUEST", async () => {
    const user = await createUser(db, { username: "ada" });
    const siteAdmin = await createSiteAdmin(db, { username: "boss" });
    const calls = [
      overHttp(anonymous()).account.signIn.mutate({ login: "ada\u0000", password: "whatever" }),
      overHttp(anonymous()).account.requestPasswordReset.mutate({ login: "\u0000" }),
      overHttp(user.actor).account.updateProfile.mutate({ name: "Ada\u0000" }),
      overHttp(siteAdmin.actor).admin.listUsers.query({ query: "a\u0000" }),
      overHttp(anonymous()).packages.search.query({ query: "a\u0000" }),
      overHttp(anonymous()).packages.listByOwner.query({ owner: "ada\u0000" }),
      overHttp(anonymous()).packages.get.query({ owner: "ada", name: "\u0000" }),
      overHttp(user.actor).tokens.list.query({ owner: "ada\u0000" }),
    ];
    for (const call of calls) expect(await failureCodeOf(call)).toBe("BAD_REQUEST");
  });
});

describe("hostile input to the public account procedures", () => {
  beforeEach(async () => {
    // Something for the recovery and sign-in paths to find.
    await createUser(db, { username: "ada", email: "ada@example.test" });
  });

  it("account.signUp", async () => {
    await fc.assert(
      fc.asyncProperty(signUpInput, (input) => answersWithoutInternalError(() => overHttp(anonymous()).account.signUp.mutate(input as never))),
      propertyOptions,
    );
  });

  it("account.signIn", async () => {
    await fc.assert(
      fc.asyncProperty(signInInput, requestOrigin, (input, origin) =>
        answersWithoutInternalError(() => overHttp(anonymous(origin)).account.signIn.mutate(input as never)),
      ),
      propertyOptions,
    );
  });

  it("account.requestPasswordReset", async () => {
    await fc.assert(
      fc.asyncProperty(passwordResetRequest, (input) =>
        answersWithoutInternalError(() => overHttp(anonymous()).account.requestPasswordReset.mutate(input as never)),
      ),
      propertyOptions,
    );
  });

  it("account.resetPassword", async () => {
    await fc.assert(
      fc.asyncProperty(passwordReset, (input) =>
        answersWithoutInternalError(() => overHttp(anonymous()).account.resetPassword.mutate(input as never)),
      ),
      propertyOptions,
    );
  });

  it("account.remindUsername", async () => {
    await fc.assert(
      fc.asyncProperty(usernameReminder, (input) =>
        answersWithoutInternalError(() => overHttp(anonymous()).account.remindUsername.mutate(input as never)),
      ),
      propertyOptions,
    );
  });

  it("account.confirmEmailChange", async () => {
    await fc.assert(
      fc.asyncProperty(confirmEmail, (input) =>
        answersWithoutInternalError(() => overHttp(anonymous()).account.confirmEmailChange.mutate(input as never)),
      ),
      propertyOptions,
    );
  });
});

describe("hostile input from signed-in accounts", () => {
  let user: TestUser;
  let siteAdmin: TestUser;
  beforeEach(async () => {
    user = await createUser(db, { username: "ada" });
    siteAdmin = await createSiteAdmin(db, { username: "boss" });
  });

  it("account.updateProfile", async () => {
    await fc.assert(
      fc.asyncProperty(profileUpdate, (input) => answersWithoutInternalError(() => overHttp(user.actor).account.updateProfile.mutate(input as never))),
      propertyOptions,
    );
  });

  it("admin.listUsers", async () => {
    await fc.assert(
      fc.asyncProperty(userSearch, (input) => answersWithoutInternalError(() => overHttp(siteAdmin.actor).admin.listUsers.query(input as never))),
      propertyOptions,
    );
  });

  it("admin.listOrganizations", async () => {
    await fc.assert(
      fc.asyncProperty(organizationSearch, (input) =>
        answersWithoutInternalError(() => overHttp(siteAdmin.actor).admin.listOrganizations.query(input as never)),
      ),
      propertyOptions,
    );
  });
});

const tokenCreation = mostlyShaped(
  fc.record(
    {
      name: usually(fc.stringMatching(/^[A-Za-z0-9 ._-]{1,30}$/)),
      scopes: usually(fc.subarray([...tokenScopeNames], { minLength: 1 })),
      channel: usually(fc.constantFrom("ada", "boss", "")),
      expiresInDays: usually(fc.integer({ min: -5, max: 5000 })),
    },
    { requiredKeys: ["name", "scopes"] },
  ),
);
const tokenReference = mostlyShaped(fc.record({ id: usually(fc.uuid()), name: fieldValue }, { requiredKeys: [] }));
/** Header values a client can really send: visible ASCII and spaces (Headers refuses the rest). */
const headerText = fc.string({ unit: fc.constantFrom(..."abcXYZ019:+/=-_ .granary"), maxLength: 80 });

describe("hostile input around access tokens", () => {
  let user: TestUser;
  beforeEach(async () => {
    user = await createUser(db, { username: "ada" });
    await createSiteAdmin(db, { username: "boss" });
  });

  it("tokens.create", async () => {
    await fc.assert(
      fc.asyncProperty(tokenCreation, (input) => answersWithoutInternalError(() => overHttp(user.actor).tokens.create.mutate(input as never))),
      propertyOptions,
    );
  });

  it("tokens.revoke and tokens.regenerate", async () => {
    await createAccessToken(db, user, { name: "existing" });
    await fc.assert(
      fc.asyncProperty(tokenReference, async (input) => {
        await answersWithoutInternalError(() => overHttp(user.actor).tokens.revoke.mutate(input as never));
        await answersWithoutInternalError(() => overHttp(user.actor).tokens.regenerate.mutate(input as never));
      }),
      propertyOptions,
    );
  });

  it("credential headers are accepted or refused with UNAUTHORIZED, nothing else", async () => {
    const scheme = fc.constantFrom("Bearer ", "Basic ", "bearer ", "Digest ", "", "Basic X19fdG9rZW5fXzo=");
    const headers = fc.record(
      { authorization: fc.tuple(scheme, headerText).map(([prefix, value]) => `${prefix}${value}`), "x-api-key": headerText, "x-granary-path-token": headerText },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(headers, async (sent) => {
        try {
          await actorFromCredentialHeaders(db, new Headers(sent));
        } catch (error) {
          if (!(error instanceof AppError) || !["UNAUTHORIZED", "TOO_MANY_REQUESTS"].includes(error.code)) throw error;
        }
      }),
      propertyOptions,
    );
  });
});

/** What the procedures below act on. */
interface World {
  user: TestUser;
  siteAdmin: TestUser;
  packageName: string;
  fileId: string;
  tokenId: string;
  outboxMessageId: string;
  resetToken: string;
  sessionId: string;
  /** An organization of the user's, with `bob` as a member of its group `g`, and a package of its own. */
  organization: string;
  organizationPackage: string;
  notificationId: string;
  failedRunId: string;
  /** A directory group mapped onto the organization's group `g`. */
  directoryGroupMappingId: string;
}

type Caller = "anonymous" | "user" | "siteAdmin";

/**
 * Every procedure that takes text, with input that would succeed, as the caller that may call it. Each string in
 * it is replaced in turn with hostile variants; a new procedure must be added here or to `takesNoText`.
 */
const textInputs: Record<string, { caller: Caller; input: (world: World) => Record<string, unknown> }> = {
  "tasks.start": { caller: "user", input: () => ({ applicationId: "00000000-0000-4000-8000-000000000000", task: "echo", input: { text: "hello" } }) },
  "tasks.runs": { caller: "user", input: () => ({ cursor: "WyIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJ4Il0" }) },
  "tasks.run": { caller: "user", input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "tasks.rerun": { caller: "user", input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "tasks.cancel": { caller: "user", input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "tasks.settings": { caller: "siteAdmin", input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "tasks.updateSettings": { caller: "siteAdmin", input: () => ({ applicationId: "00000000-0000-4000-8000-000000000000", timeoutSeconds: 60, memoryLimitMebibytes: 512 }) },
  "applications.get": { caller: "siteAdmin", input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "applications.packageVersions": { caller: "siteAdmin", input: (world) => ({ owner: world.user.username, packageName: world.packageName }) },
  "applications.branchCommits": { caller: "siteAdmin", input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "applications.pythonPackages": { caller: "siteAdmin", input: () => ({ search: "numpy" }) },
  "applications.create": {
    caller: "siteAdmin",
    input: (world) => ({ name: "Hostile", sourceKind: "git", owner: world.user.username, gitUrl: "file:///srv/repository", gitBranch: "main", gitCommit: "abcdef1" }),
  },
  "applications.update": { caller: "siteAdmin", input: () => ({ id: "00000000-0000-4000-8000-000000000000", packageVersion: "1.0", active: true }) },
  "applications.delete": { caller: "siteAdmin", input: () => ({ id: "00000000-0000-4000-8000-000000000000", confirmation: "Hostile" }) },
  "applications.transferPreview": { caller: "siteAdmin", input: () => ({ sourceUrl: "http://127.0.0.1:1", token: "a.b.c" }) },
  "applications.transfer": { caller: "siteAdmin", input: () => ({ sourceUrl: "http://127.0.0.1:1", token: "a.b.c", names: ["Hostile"] }) },
  "account.signUp": {
    caller: "anonymous",
    input: () => ({ username: "newcomer", email: "newcomer@example.test", password: "a fresh password", passwordConfirmation: "a fresh password", acceptTerms: true }),
  },
  "account.signIn": { caller: "anonymous", input: (world) => ({ login: world.user.username, password: world.user.password }) },
  "account.remindUsername": { caller: "anonymous", input: (world) => ({ email: world.user.email }) },
  "account.requestPasswordReset": { caller: "anonymous", input: (world) => ({ login: world.user.username }) },
  "account.resetPassword": { caller: "anonymous", input: (world) => ({ token: world.resetToken, password: "a new password", passwordConfirmation: "a new password" }) },
  "account.confirmEmailChange": { caller: "anonymous", input: (world) => ({ token: world.resetToken }) },
  "account.updateProfile": { caller: "user", input: () => ({ name: "Ada Lovelace" }) },
  "account.changePassword": {
    caller: "user",
    input: (world) => ({ currentPassword: world.user.password, newPassword: "a new password", newPasswordConfirmation: "a new password" }),
  },
  "account.requestEmailChange": { caller: "user", input: (world) => ({ email: "changed@example.test", currentPassword: world.user.password }) },
  "account.delete": { caller: "user", input: (world) => ({ confirmation: world.user.username, currentPassword: world.user.password }) },
  "account.revokeSession": { caller: "user", input: (world) => ({ id: world.sessionId }) },
  "admin.listUsers": { caller: "siteAdmin", input: () => ({ query: "ada" }) },
  "admin.setUserActive": { caller: "siteAdmin", input: (world) => ({ userId: world.user.id, active: false }) },
  "admin.getOutboxMessage": { caller: "siteAdmin", input: (world) => ({ id: world.outboxMessageId }) },
  "admin.listActiveUsers": { caller: "siteAdmin", input: () => ({ after: "ada" }) },
  "adminPeople.listUsers": { caller: "siteAdmin", input: () => ({ query: "ada", sort: "last_seen" }) },
  "adminPeople.listOrganizations": { caller: "siteAdmin", input: () => ({ query: "ada", sort: "created" }) },
  "adminPeople.setUserAdmin": { caller: "siteAdmin", input: (world) => ({ userId: world.user.id, admin: true }) },
  "adminPeople.createPasswordResetLink": { caller: "siteAdmin", input: (world) => ({ username: world.user.username }) },
  "adminPeople.listSecurityEvents": {
    caller: "siteAdmin",
    input: () => ({ action: "auth.sign_in", actor: "ada", from: "2026-01-01", until: "2026-12-31", after: "00000000-0000-4000-8000-000000000000" }),
  },
  "adminPeople.getSecurityEvent": { caller: "siteAdmin", input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "profiles.memberships": { caller: "anonymous", input: (world) => ({ username: world.user.username }) },
  "tokens.list": { caller: "user", input: (world) => ({ owner: world.user.username }) },
  "tokens.create": { caller: "user", input: (world) => ({ name: "ci", scopes: ["conda:download"], channel: world.user.username }) },
  "tokens.revoke": { caller: "user", input: (world) => ({ id: world.tokenId }) },
  "tokens.regenerate": { caller: "user", input: (world) => ({ id: world.tokenId }) },
  "packages.search": { caller: "anonymous", input: () => ({ query: "tools" }) },
  "packages.listByOwner": { caller: "anonymous", input: (world) => ({ owner: world.user.username }) },
  "packages.get": { caller: "anonymous", input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.labels": { caller: "anonymous", input: (world) => ({ owner: world.user.username }) },
  "packages.downloads": { caller: "anonymous", input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.notebookPreview": { caller: "anonymous", input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.star": { caller: "user", input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.unstar": { caller: "user", input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.setPrivacy": { caller: "user", input: (world) => ({ owner: world.user.username, name: world.packageName, isPrivate: true }) },
  "packages.addLabel": { caller: "user", input: (world) => ({ fileId: world.fileId, label: "dev" }) },
  "packages.removeLabel": { caller: "user", input: (world) => ({ fileId: world.fileId, label: "main" }) },
  "packages.moveLabel": { caller: "user", input: (world) => ({ fileId: world.fileId, from: "main", to: "stable" }) },
  "packages.deleteFile": { caller: "user", input: (world) => ({ fileId: world.fileId }) },
  "packages.setReleaseYanked": { caller: "user", input: (world) => ({ owner: world.user.username, name: world.packageName, version: "1.0", yanked: true }) },
  "packages.deletePackage": { caller: "user", input: (world) => ({ owner: world.user.username, name: world.packageName, confirmation: world.packageName }) },
  "packages.access": { caller: "user", input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.addCollaborator": { caller: "user", input: (world) => ({ owner: world.user.username, name: world.packageName, username: "bob" }) },
  "packages.removeCollaborator": { caller: "user", input: (world) => ({ owner: world.user.username, name: world.packageName, username: "bob" }) },
  "packages.addGroup": { caller: "user", input: (world) => ({ owner: world.organization, name: world.organizationPackage, group: "g2", level: "read" }) },
  "packages.removeGroup": { caller: "user", input: (world) => ({ owner: world.organization, name: world.organizationPackage, group: "g" }) },
  "packages.transfer": {
    caller: "user",
    input: (world) => ({ owner: world.user.username, name: world.packageName, to: world.organization, confirmation: world.packageName, password: world.user.password }),
  },
  "packages.redirect": { caller: "anonymous", input: (world) => ({ owner: world.user.username, name: "old-name" }) },
  "organizations.create": { caller: "user", input: () => ({ name: "neworg", email: "neworg@example.test" }) },
  "organizations.get": { caller: "anonymous", input: (world) => ({ organization: world.organization }) },
  "organizations.members": { caller: "user", input: (world) => ({ organization: world.organization }) },
  "organizations.addMember": { caller: "user", input: (world) => ({ organization: world.organization, username: "carol", role: "member" }) },
  "organizations.removeMember": { caller: "user", input: (world) => ({ organization: world.organization, username: "bob" }) },
  "organizations.setMemberRole": { caller: "user", input: (world) => ({ organization: world.organization, username: "bob", role: "owner" }) },
  "organizations.delete": { caller: "user", input: (world) => ({ organization: world.organization, confirmation: world.organization }) },
  "organizations.groups": { caller: "user", input: (world) => ({ organization: world.organization }) },
  "organizations.createGroup": { caller: "user", input: (world) => ({ organization: world.organization, name: "new group", level: "read" }) },
  "organizations.updateGroup": { caller: "user", input: (world) => ({ organization: world.organization, group: "g", name: "renamed" }) },
  "organizations.deleteGroup": { caller: "user", input: (world) => ({ organization: world.organization, group: "g" }) },
  "organizations.addGroupMember": { caller: "user", input: (world) => ({ organization: world.organization, group: "g", username: "carol" }) },
  "organizations.removeGroupMember": { caller: "user", input: (world) => ({ organization: world.organization, group: "g", username: "bob" }) },
  "notifications.markRead": { caller: "user", input: (world) => ({ id: world.notificationId }) },
  "billing.get": { caller: "user", input: (world) => ({ owner: world.user.username }) },
  "billing.changePlan": { caller: "user", input: (world) => ({ owner: world.user.username, plan: "free" }) },
  "billing.updatePlan": {
    caller: "siteAdmin",
    input: () => ({ slug: "personal", name: "Personal", description: "More room", maxPrivatePackages: 100, maxStorageBytes: null, selfService: false, priceLabel: "Ask" }),
  },
  "billing.assignPlan": { caller: "siteAdmin", input: (world) => ({ owner: world.user.username, plan: "personal" }) },
  "admin.listOrganizations": { caller: "siteAdmin", input: (world) => ({ query: "ada", after: world.organization }) },
  "jobs.runs": { caller: "siteAdmin", input: () => ({ queue: "default", cursor: "2026-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000" }) },
  "jobs.run": { caller: "siteAdmin", input: (world) => ({ id: world.failedRunId }) },
  "jobs.retry": { caller: "siteAdmin", input: (world) => ({ id: world.failedRunId }) },
  "jobs.cancel": { caller: "siteAdmin", input: (world) => ({ id: world.failedRunId }) },
  "jobs.retryFailed": { caller: "siteAdmin", input: () => ({ queue: "low" }) },
  "jobs.runPeriodicTask": { caller: "siteAdmin", input: () => ({ name: "purge-expired-records" }) },
  "logs.system": { caller: "siteAdmin", input: () => ({ category: "startup_info", query: "ready", cursor: "WyIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCIxIl0" }) },
  "logs.audit": { caller: "siteAdmin", input: () => ({ log: "authentication", actor: "ada", cursor: "WyIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAiXQ" }) },
  "admin.updateLdapSettings": { caller: "siteAdmin", input: () => ({ ...unreachableLdapSettings }) },
  "siteAdmin.updateGeneralSettings": { caller: "siteAdmin", input: () => ({ siteUrl: "https://granary.example.test", staticUrl: "https://cdn.example.test", defaultPackageAccess: "private" }) },
  "admin.testLdapConnection": { caller: "siteAdmin", input: () => ({ settings: unreachableLdapSettings, username: "alice" }) },
  "admin.createDirectoryGroupMapping": {
    caller: "siteAdmin",
    input: (world) => ({ directoryGroupDn: "cn=hostile,ou=groups,dc=example,dc=test", organization: world.organization, group: "g" }),
  },
  "admin.deleteDirectoryGroupMapping": { caller: "siteAdmin", input: (world) => ({ id: world.directoryGroupMappingId }) },
  "admin.setKeepsLocalPassword": { caller: "siteAdmin", input: (world) => ({ username: world.user.username, keepsLocalPassword: true }) },
  "license.install": { caller: "siteAdmin", input: () => ({ document: '{"format":"granary-license/1"}', fileName: "granary.license" }) },
  "exceptions.group": { caller: "siteAdmin", input: () => ({ fingerprint: "0".repeat(32) }) },
  "exceptions.setResolved": { caller: "siteAdmin", input: () => ({ fingerprint: "0".repeat(32), resolved: true }) },
  "dailyReport.get": { caller: "siteAdmin", input: () => ({ from: "2026-01-01", until: "2026-01-31" }) },
  "mailSettings.update": {
    caller: "siteAdmin",
    input: () => ({ mode: "smtp", smtpHost: "mail.example.org", smtpUsername: "mailer", smtpPassword: "secret", resendApiKey: "re_key", fromAddress: "Granary <granary@example.org>" }),
  },
  "mailSettings.sendTest": { caller: "siteAdmin", input: () => ({ to: "hostile@example.test" }) },
  "platformActions.deletePublicObjects": { caller: "siteAdmin", input: () => ({ confirmation: "delete all public objects" }) },
};

const takesNoText = [
  "account.get",
  "account.listSessions",
  "account.securityHistory",
  "account.signOut",
  "account.signOutEverywhere",
  "account.whoami",
  "admin.listExceptions",
  "admin.listOutbox",
  "admin.listSecurityLog",
  "admin.unreadExceptionCount",
  "admin.markExceptionsRead",
  "dailyReport.emailSubscription",
  "dailyReport.setEmailSubscription",
  "mailSettings.get",
  "admin.updateSettings",
  "packages.dashboardSummary",
  "packages.facets",
  "admin.ldapSettings",
  "admin.listDirectoryGroupMappings",
  "admin.listLocalPasswordAccounts",
  "packages.favorites",
  "packages.mine",
  "site.settings",
  "tokens.scopes",
  "organizations.mine",
  "organizations.myGroups",
  "notifications.list",
  "notifications.unreadCount",
  "notifications.markAllRead",
  "billing.listPlans",
  "billing.academicDomains",
  // Its text is inside a list, where each domain must match a domain's pattern (a test of the schema covers it).
  "billing.setAcademicDomains",
  "packages.transferTargets",
  "account.resendEmailConfirmation",
  "jobs.workers",
  "jobs.queues",
  "jobs.periodicTasks",
  "jobs.restartWorkers",
  "adminPeople.securityLogActions",
  "license.get",
  "license.banners",
  "siteAdmin.generalSettings",
  "siteAdmin.effectiveConfiguration",
  "siteAdmin.platformInfo",
  "siteAdmin.statistics",
  "platformActions.mode",
  "platformActions.status",
  "platformActions.setReadOnly",
  "platformActions.restart",
  "applications.list",
  "applications.installablePackages",
  "applications.importErrors",
  "applications.transferToken",
  "tasks.list",
  "hashWarnings.list",
];

/** What no text field may take without a clear refusal: NUL (which PostgreSQL cannot store) and other controls. */
const hostileTexts = (valid: string) => [`${valid}\u0000`, "\u0000", `${valid.slice(0, 1)}\u001b[31m${valid.slice(1)}`, `${valid}\r\nX-Injected: 1`];

async function buildWorld(): Promise<World> {
  const user = await createUser(db, { username: "ada" });
  const siteAdmin = await createSiteAdmin(db, { username: "boss" });
  const [message] = await db
    .insert(emailMessages)
    .values({ transport: "outbox", toAddress: user.email, subject: "Hello", template: "usernameReminder", html: "<p>Hello</p>", text: "Hello", status: "stored" })
    .returning({ id: emailMessages.id });
  return {
    user,
    siteAdmin,
    ...(await createPublishedPackage(db, user, "tools")),
    tokenId: (await createAccessToken(db, user)).id,
    outboxMessageId: message!.id,
    resetToken: await createAccountLink(db, user, { purpose: "password_reset" }),
    sessionId: (await createSession(db, user)).sessionId,
    ...(await organizationWorld(user)),
    failedRunId: await createFailedRun(db),
  };
}

async function organizationWorld(user: TestUser) {
  await createUser(db, { username: "bob" });
  await createUser(db, { username: "carol" });
  const organization = await createTestOrganization(db, user, "adaorg");
  await createGroup(db, user.actor, { organization: "adaorg", name: "g", level: "read" });
  await addGroupMember(db, user.actor, { organization: "adaorg", group: "g", username: "bob" });
  const organizationPackage = await createPublishedPackage(db, organization, "org-tools");
  const [notification] = await db.insert(notifications).values({ userId: user.id, kind: "organization.member_added", message: "Hello" }).returning();
  const siteAdmin = await createSiteAdmin(db, { username: "mapper" });
  const mapping = await createDirectoryGroupMapping(db, siteAdmin.actor, { directoryGroupDn: "cn=mapped,ou=groups,dc=example,dc=test", organization: "adaorg", group: "g" });
  return { organization: organization.username, organizationPackage: organizationPackage.packageName, notificationId: notification!.id, directoryGroupMappingId: mapping.id };
}

function callOverHttp(actor: Actor, path: string, input: unknown): Promise<unknown> {
  const [router, name] = path.split(".") as [string, string];
  const type = listProcedures(appRouter).find((procedure) => procedure.path === path)?.type;
  const client = overHttp(actor) as unknown as Record<string, Record<string, Record<"query" | "mutate", (input: unknown) => Promise<unknown>>>>;
  return client[router]![name]![type === "query" ? "query" : "mutate"](input);
}

describe("NUL and control characters in every text input", () => {
  it("covers every procedure", () => {
    const covered = [...Object.keys(textInputs), ...takesNoText].sort();
    expect(covered).toEqual(listProcedures(appRouter).map((procedure) => procedure.path));
  });

  it.each(Object.entries(textInputs))("%s answers a client error, never an exception", async (path, { caller, input }) => {
    const world = await buildWorld();
    const actor = caller === "anonymous" ? anonymous() : world[caller].actor;
    const valid = input(world);
    const textFields = Object.entries(valid).filter((entry): entry is [string, string] => typeof entry[1] === "string");
    expect(textFields.length).toBeGreaterThan(0);
    for (const [field, value] of textFields) {
      for (const hostile of hostileTexts(value)) {
        await answersWithoutInternalError(() => callOverHttp(actor, path, { ...valid, [field]: hostile }));
      }
    }
  });
});
