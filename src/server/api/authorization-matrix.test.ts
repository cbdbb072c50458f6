/**
 * Every procedure, called by every kind of actor, with input that would succeed: the outcome must be exactly
 * the one in this table. A new procedure fails the first test until it gets a row here.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitApplicationProject } from "@/test/applications";
import { callerFor, failureOf } from "@/test/caller";
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
import type { Actor } from "../authz";
import type { Db } from "../db/client";
import { deletePublicObjectsPhrase } from "@/shared/schemas/platform-actions";
import { requireTools } from "@/test/tools";
import { temporaryDirectory } from "../protocols/test-support";
import { eq } from "drizzle-orm";
import { applicationInstalls, applications, applicationTasks, auditEvents, emailMessages, notifications, packageRedirects, siteSettings, taskRuns } from "../db/schema";
import { readOnlySettingKey } from "../services/site-mode";
import { addGroupMember, createGroup } from "../services/groups";
import { createDirectoryGroupMapping } from "../services/ldap-accounts";
import { fingerprintOf, recordException } from "../services/exceptions";
import { addMember } from "../services/organizations";
import { addCollaborator, addPackageGroup } from "../services/package-sharing";
import { purgeExpiredRecordsJob } from "../jobs/definitions/purge-expired-records";
import { enqueue } from "../jobs/enqueue";
import { appRouter } from "./root";
import { signedTestLicense } from "@/test/license";

type Outcome = "allowed" | "UNAUTHORIZED" | "FORBIDDEN";
type ActorKind = "anonymous" | "user" | "siteAdmin";

/** The accounts and records every cell starts from. */
interface World {
  user: TestUser;
  siteAdmin: TestUser;
  /** A second administrator, so the first may delete their own account. */
  otherSiteAdmin: TestUser;
  /** An account for administrators to act on. */
  bystander: TestUser;
  passwordResetToken: string;
  emailChangeToken: string;
  outboxMessageId: string;
  /** An event of the security log, for its detail page. */
  auditEventId: string;
  /** A public package of `user`'s with one file, for the package procedures. */
  packageName: string;
  fileId: string;
  /** An access token of each signed-in account's, to revoke and regenerate. */
  tokenIds: Record<Exclude<ActorKind, "anonymous">, string>;
  /** An organization `user` owns (with a second owner), with `bystander` as a member and `otherSiteAdmin` in its group `matrix-group`. */
  organization: string;
  /** A package of the organization's, given to its group `matrix-selected` (over selected packages). */
  organizationPackage: string;
  /** A notification of each signed-in account's. */
  notificationIds: Record<Exclude<ActorKind, "anonymous">, string>;
  /** A browser session of each signed-in account's (another device), to end. */
  sessionIds: Record<Exclude<ActorKind, "anonymous">, string>;
  /** Background job runs: one waiting in its queue, one that failed. */
  queuedRunId: string;
  failedRunId: string;
  /** A directory group mapped onto the organization's group `matrix-group`. */
  directoryGroupMappingId: string;
  /** A group of recorded exceptions. */
  exceptionFingerprint: string;
  /** An application from a Git repository on this machine (not installed: its install waits in the queue). */
  application: { id: string; name: string };
  /** An installed, active application with a task `echo` (its environment is never run here), and a queued run of it per signed-in account. */
  taskApplicationId: string;
  taskRunIds: Record<Exclude<ActorKind, "anonymous">, string>;
}

interface Row {
  outcomes: Record<ActorKind, Outcome>;
  /** Input that succeeds for an allowed actor; `self` is the calling account (null for a visitor). */
  input?: (world: World, self: TestUser | null, kind: ActorKind) => unknown;
  /** What the call needs besides the world (read-only mode for deleting public objects). */
  prepare?: (database: Db) => Promise<void>;
}

const everyone: Record<ActorKind, Outcome> = { anonymous: "allowed", user: "allowed", siteAdmin: "allowed" };
const signedIn: Record<ActorKind, Outcome> = { anonymous: "UNAUTHORIZED", user: "allowed", siteAdmin: "allowed" };
const administrators: Record<ActorKind, Outcome> = { anonymous: "UNAUTHORIZED", user: "FORBIDDEN", siteAdmin: "allowed" };

function signedInSelf(self: TestUser | null): TestUser {
  // Denied cells never reach the input, so a visitor's input is never built from an account.
  return self ?? ({ username: "nobody", password: "unused password" } as TestUser);
}

const matrix: Record<string, Row> = {
  "account.signUp": {
    outcomes: everyone,
    input: (_world, _self, kind) => ({
      username: `new-${kind}`,
      email: `new-${kind}@example.test`,
      password: "a fresh password",
      passwordConfirmation: "a fresh password",
      acceptTerms: true,
    }),
  },
  "account.signIn": { outcomes: everyone, input: (world) => ({ login: world.bystander.username, password: world.bystander.password }) },
  "account.signOut": { outcomes: signedIn },
  "account.remindUsername": { outcomes: everyone, input: (world) => ({ email: world.bystander.email }) },
  "account.requestPasswordReset": { outcomes: everyone, input: (world) => ({ login: world.bystander.username }) },
  "account.resetPassword": {
    outcomes: everyone,
    input: (world) => ({ token: world.passwordResetToken, password: "a new password", passwordConfirmation: "a new password" }),
  },
  "account.confirmEmailChange": { outcomes: everyone, input: (world) => ({ token: world.emailChangeToken }) },
  "account.get": { outcomes: signedIn },
  "account.updateProfile": { outcomes: signedIn, input: () => ({ name: "Ada Lovelace" }) },
  "account.changePassword": {
    outcomes: signedIn,
    input: (_world, self) => ({
      currentPassword: signedInSelf(self).password,
      newPassword: "a new password",
      newPasswordConfirmation: "a new password",
    }),
  },
  "account.requestEmailChange": {
    outcomes: signedIn,
    input: (_world, self, kind) => ({ email: `changed-${kind}@example.test`, currentPassword: signedInSelf(self).password }),
  },
  "account.resendEmailConfirmation": { outcomes: signedIn },
  "account.delete": {
    outcomes: signedIn,
    input: (_world, self) => ({ confirmation: signedInSelf(self).username, currentPassword: signedInSelf(self).password }),
  },
  "account.securityHistory": { outcomes: signedIn, input: () => ({}) },
  "account.listSessions": { outcomes: signedIn },
  "account.signOutEverywhere": { outcomes: signedIn },
  "account.revokeSession": { outcomes: signedIn, input: (world, _self, kind) => ({ id: world.sessionIds[kind === "siteAdmin" ? "siteAdmin" : "user"] }) },
  "admin.listUsers": { outcomes: administrators, input: () => ({ query: "user" }) },
  "admin.listOrganizations": { outcomes: administrators, input: () => ({ query: "matrix" }) },
  "admin.setUserActive": { outcomes: administrators, input: (world) => ({ userId: world.bystander.id, active: false }) },
  "admin.updateSettings": { outcomes: administrators, input: () => ({ openRegistration: false }) },
  "admin.listOutbox": { outcomes: administrators, input: () => ({}) },
  "admin.getOutboxMessage": { outcomes: administrators, input: (world) => ({ id: world.outboxMessageId }) },
  "admin.listExceptions": { outcomes: administrators, input: () => ({}) },
  "admin.listSecurityLog": { outcomes: administrators, input: () => ({}) },
  "admin.unreadExceptionCount": { outcomes: administrators },
  "admin.markExceptionsRead": { outcomes: administrators },
  "applications.list": { outcomes: administrators },
  "applications.get": { outcomes: administrators, input: (world) => ({ id: world.application.id }) },
  "applications.installablePackages": { outcomes: administrators },
  "applications.packageVersions": { outcomes: administrators, input: (world) => ({ owner: world.user.username, packageName: world.packageName }) },
  "applications.branchCommits": { outcomes: administrators, input: (world) => ({ id: world.application.id }) },
  "applications.importErrors": { outcomes: administrators },
  "applications.pythonPackages": { outcomes: administrators, input: () => ({ search: "pip" }) },
  "applications.create": {
    outcomes: administrators,
    input: (world, _self, kind) => ({ name: `matrix-app-${kind}`, sourceKind: "git", owner: world.user.username, gitUrl: `file://${matrixRepository()}`, gitBranch: "main", gitCommit: "abcdef1" }),
  },
  "applications.update": { outcomes: administrators, input: (world) => ({ id: world.application.id, active: false }) },
  "applications.delete": { outcomes: administrators, input: (world) => ({ id: world.application.id, confirmation: world.application.name }) },
  "applications.transferToken": { outcomes: administrators },
  "applications.transferPreview": { outcomes: administrators, input: () => ({ sourceUrl: transferSourceUrl(), token: matrixTransferToken }) },
  "applications.transfer": { outcomes: administrators, input: () => ({ sourceUrl: transferSourceUrl(), token: matrixTransferToken, names: ["matrix-transferred"] }) },
  "hashWarnings.list": { outcomes: administrators },
  "tasks.list": { outcomes: signedIn },
  "tasks.start": { outcomes: signedIn, input: (world) => ({ applicationId: world.taskApplicationId, task: "echo", input: { text: "hello" } }) },
  "tasks.runs": { outcomes: signedIn, input: () => ({}) },
  "tasks.run": { outcomes: signedIn, input: (world, _self, kind) => ({ id: world.taskRunIds[kind === "siteAdmin" ? "siteAdmin" : "user"] }) },
  "tasks.rerun": { outcomes: signedIn, input: (world, _self, kind) => ({ id: world.taskRunIds[kind === "siteAdmin" ? "siteAdmin" : "user"] }) },
  "tasks.cancel": { outcomes: signedIn, input: (world, _self, kind) => ({ id: world.taskRunIds[kind === "siteAdmin" ? "siteAdmin" : "user"] }) },
  "tasks.settings": { outcomes: administrators, input: (world) => ({ id: world.taskApplicationId }) },
  "tasks.updateSettings": { outcomes: administrators, input: (world) => ({ applicationId: world.taskApplicationId, timeoutSeconds: 60, memoryLimitMebibytes: 512 }) },
  "exceptions.group": { outcomes: administrators, input: (world) => ({ fingerprint: world.exceptionFingerprint }) },
  "exceptions.setResolved": { outcomes: administrators, input: (world) => ({ fingerprint: world.exceptionFingerprint, resolved: true }) },
  "dailyReport.get": { outcomes: administrators, input: () => ({ preset: "this_month" }) },
  "dailyReport.emailSubscription": { outcomes: administrators },
  "dailyReport.setEmailSubscription": { outcomes: administrators, input: () => ({ enabled: true }) },
  "mailSettings.get": { outcomes: administrators },
  "mailSettings.update": { outcomes: administrators, input: () => ({ mode: "off" }) },
  "mailSettings.sendTest": { outcomes: administrators, input: () => ({ to: "matrix@example.test" }) },
  "admin.listActiveUsers": { outcomes: administrators, input: () => ({}) },
  "adminPeople.listUsers": { outcomes: administrators, input: () => ({ query: "user", sort: "packages" }) },
  "adminPeople.listOrganizations": { outcomes: administrators, input: () => ({ query: "matrix", sort: "members" }) },
  "adminPeople.setUserAdmin": { outcomes: administrators, input: (world) => ({ userId: world.bystander.id, admin: true }) },
  "adminPeople.createPasswordResetLink": { outcomes: administrators, input: (world) => ({ username: world.bystander.username }) },
  "adminPeople.listSecurityEvents": { outcomes: administrators, input: () => ({ action: "auth.sign_in" }) },
  "adminPeople.securityLogActions": { outcomes: administrators },
  "adminPeople.getSecurityEvent": { outcomes: administrators, input: (world) => ({ id: world.auditEventId }) },
  "profiles.memberships": { outcomes: everyone, input: (world) => ({ username: world.bystander.username }) },
  "admin.ldapSettings": { outcomes: administrators },
  "admin.updateLdapSettings": { outcomes: administrators, input: () => unreachableLdapSettings },
  "admin.testLdapConnection": { outcomes: administrators, input: () => ({ settings: unreachableLdapSettings, username: "alice" }) },
  "admin.listDirectoryGroupMappings": { outcomes: administrators },
  "admin.createDirectoryGroupMapping": {
    outcomes: administrators,
    input: (world) => ({ directoryGroupDn: "cn=matrix,ou=groups,dc=example,dc=test", organization: world.organization, group: "matrix-selected" }),
  },
  "admin.deleteDirectoryGroupMapping": { outcomes: administrators, input: (world) => ({ id: world.directoryGroupMappingId }) },
  "admin.listLocalPasswordAccounts": { outcomes: administrators },
  "admin.setKeepsLocalPassword": { outcomes: administrators, input: (world) => ({ username: world.bystander.username, keepsLocalPassword: true }) },
  "jobs.workers": { outcomes: administrators },
  "jobs.queues": { outcomes: administrators },
  "jobs.runs": { outcomes: administrators, input: () => ({ queue: "low" }) },
  "jobs.run": { outcomes: administrators, input: (world) => ({ id: world.queuedRunId }) },
  "jobs.retry": { outcomes: administrators, input: (world) => ({ id: world.failedRunId }) },
  "jobs.cancel": { outcomes: administrators, input: (world) => ({ id: world.queuedRunId }) },
  "jobs.retryFailed": { outcomes: administrators, input: () => ({ queue: "low" }) },
  "jobs.periodicTasks": { outcomes: administrators },
  "jobs.runPeriodicTask": { outcomes: administrators, input: () => ({ name: "statistics-snapshot" }) },
  "jobs.restartWorkers": { outcomes: administrators },
  "license.get": { outcomes: administrators },
  "license.banners": { outcomes: administrators },
  "license.install": { outcomes: administrators, input: () => ({ document: signedTestLicense() }) },
  "siteAdmin.generalSettings": { outcomes: administrators },
  "siteAdmin.updateGeneralSettings": { outcomes: administrators, input: () => ({ siteUrl: "https://granary.example.test", staticUrl: "", defaultPackageAccess: "public" }) },
  "siteAdmin.effectiveConfiguration": { outcomes: administrators },
  "siteAdmin.platformInfo": { outcomes: administrators },
  "siteAdmin.statistics": { outcomes: administrators, input: () => ({ period: "90d" }) },
  "platformActions.mode": { outcomes: everyone },
  "platformActions.status": { outcomes: administrators },
  "platformActions.setReadOnly": { outcomes: administrators, input: () => ({ readOnly: false }) },
  "platformActions.restart": { outcomes: administrators },
  "platformActions.deletePublicObjects": {
    outcomes: administrators,
    input: () => ({ confirmation: deletePublicObjectsPhrase }),
    prepare: async (database) => {
      await database.insert(siteSettings).values({ key: readOnlySettingKey, value: true });
    },
  },
  "logs.system": { outcomes: administrators, input: () => ({ category: "startup_info", query: "ready" }) },
  "logs.audit": { outcomes: administrators, input: () => ({ log: "authentication", actor: "ada" }) },
  "site.settings": { outcomes: everyone },
  "account.whoami": { outcomes: signedIn },
  "tokens.scopes": { outcomes: everyone },
  "tokens.list": { outcomes: signedIn },
  "tokens.create": { outcomes: signedIn, input: () => ({ name: "matrix token", scopes: ["conda:download"] }) },
  "tokens.revoke": { outcomes: signedIn, input: (world, _self, kind) => ({ id: world.tokenIds[kind === "siteAdmin" ? "siteAdmin" : "user"] }) },
  "tokens.regenerate": { outcomes: signedIn, input: (world, _self, kind) => ({ id: world.tokenIds[kind === "siteAdmin" ? "siteAdmin" : "user"] }) },
  "packages.search": { outcomes: everyone, input: () => ({ query: "matrix" }) },
  "packages.listByOwner": { outcomes: everyone, input: (world) => ({ owner: world.user.username }) },
  "packages.get": { outcomes: everyone, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.labels": { outcomes: everyone, input: (world) => ({ owner: world.user.username }) },
  "packages.facets": { outcomes: everyone },
  "packages.downloads": { outcomes: everyone, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.notebookPreview": { outcomes: everyone, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.dashboardSummary": { outcomes: signedIn },
  "packages.mine": { outcomes: signedIn, input: () => ({}) },
  "packages.favorites": { outcomes: signedIn, input: () => ({}) },
  "packages.star": { outcomes: signedIn, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.unstar": { outcomes: signedIn, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  // The package belongs to `user`; site administrators may manage everyone's.
  "packages.setPrivacy": { outcomes: signedIn, input: (world) => ({ owner: world.user.username, name: world.packageName, isPrivate: true }) },
  "packages.addLabel": { outcomes: signedIn, input: (world) => ({ fileId: world.fileId, label: "dev" }) },
  "packages.removeLabel": { outcomes: signedIn, input: (world) => ({ fileId: world.fileId, label: "main" }) },
  "packages.moveLabel": { outcomes: signedIn, input: (world) => ({ fileId: world.fileId, from: "main", to: "stable" }) },
  "packages.deleteFile": { outcomes: signedIn, input: (world) => ({ fileId: world.fileId }) },
  "packages.setReleaseYanked": {
    outcomes: signedIn,
    input: (world) => ({ owner: world.user.username, name: world.packageName, version: "1.0", yanked: true, reason: "matrix" }),
  },
  "packages.deletePackage": {
    outcomes: signedIn,
    input: (world) => ({ owner: world.user.username, name: world.packageName, confirmation: world.packageName }),
  },
  // Site administrators act as owners of every organization.
  "organizations.create": { outcomes: signedIn, input: (_world, _self, kind) => ({ name: `org-${kind}`, email: `org-${kind}@example.test` }) },
  "organizations.get": { outcomes: everyone, input: (world) => ({ organization: world.organization }) },
  "organizations.mine": { outcomes: signedIn, input: () => ({}) },
  "organizations.members": { outcomes: signedIn, input: (world) => ({ organization: world.organization }) },
  "organizations.addMember": {
    outcomes: signedIn,
    input: (world) => ({ organization: world.organization, username: "matrix-newcomer" }),
  },
  "organizations.removeMember": { outcomes: signedIn, input: (world) => ({ organization: world.organization, username: world.bystander.username }) },
  "organizations.setMemberRole": { outcomes: signedIn, input: (world) => ({ organization: world.organization, username: world.bystander.username, role: "owner" }) },
  "organizations.delete": { outcomes: signedIn, input: (world) => ({ organization: world.organization, confirmation: world.organization }) },
  "organizations.groups": { outcomes: signedIn, input: (world) => ({ organization: world.organization }) },
  "organizations.myGroups": { outcomes: signedIn },
  "organizations.createGroup": { outcomes: signedIn, input: (world, _self, kind) => ({ organization: world.organization, name: `group-${kind}`, level: "read" }) },
  "organizations.updateGroup": { outcomes: signedIn, input: (world) => ({ organization: world.organization, group: "matrix-group", level: "write" }) },
  "organizations.deleteGroup": { outcomes: signedIn, input: (world) => ({ organization: world.organization, group: "matrix-group" }) },
  "organizations.addGroupMember": {
    outcomes: signedIn,
    input: (world) => ({ organization: world.organization, group: "matrix-group", username: world.bystander.username }),
  },
  "organizations.removeGroupMember": {
    outcomes: signedIn,
    input: (world) => ({ organization: world.organization, group: "matrix-group", username: world.otherSiteAdmin.username }),
  },
  "notifications.list": { outcomes: signedIn, input: () => ({}) },
  "notifications.unreadCount": { outcomes: signedIn },
  "notifications.markRead": { outcomes: signedIn, input: (world, _self, kind) => ({ id: world.notificationIds[kind === "siteAdmin" ? "siteAdmin" : "user"] }) },
  "notifications.markAllRead": { outcomes: signedIn },
  "billing.get": { outcomes: signedIn, input: (_world, self) => ({ owner: signedInSelf(self).username }) },
  "billing.changePlan": { outcomes: signedIn, input: (_world, self) => ({ owner: signedInSelf(self).username, plan: "free" }) },
  "billing.listPlans": { outcomes: administrators },
  "billing.updatePlan": {
    outcomes: administrators,
    input: () => ({ slug: "personal", name: "Personal", description: "", maxPrivatePackages: 200, maxStorageBytes: null, selfService: true, priceLabel: "" }),
  },
  "billing.assignPlan": { outcomes: administrators, input: (world) => ({ owner: world.bystander.username, plan: "personal" }) },
  "billing.academicDomains": { outcomes: administrators },
  "billing.setAcademicDomains": { outcomes: administrators, input: () => ({ domains: ["edu", "ac.uk"] }) },
  "packages.access": { outcomes: signedIn, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.addCollaborator": { outcomes: signedIn, input: (world) => ({ owner: world.user.username, name: world.packageName, username: world.bystander.username }) },
  "packages.removeCollaborator": {
    outcomes: signedIn,
    input: (world) => ({ owner: world.user.username, name: world.packageName, username: world.otherSiteAdmin.username }),
  },
  "packages.addGroup": { outcomes: signedIn, input: (world) => ({ owner: world.organization, name: world.organizationPackage, group: "new-group", level: "read" }) },
  "packages.removeGroup": { outcomes: signedIn, input: (world) => ({ owner: world.organization, name: world.organizationPackage, group: "matrix-selected" }) },
  "packages.transferTargets": { outcomes: signedIn },
  "packages.transfer": {
    outcomes: signedIn,
    input: (world, self) => ({ owner: world.user.username, name: world.packageName, to: world.organization, confirmation: world.packageName, password: signedInSelf(self).password }),
  },
  "packages.redirect": { outcomes: everyone, input: (world) => ({ owner: world.user.username, name: "matrix-old-name" }) },
};

const db = setUpTestDatabase();
requireTools("git");

let repository: string | undefined;
/** One Git repository for the whole file, with one commit of a small application project. */
function matrixRepository(): string {
  if (!repository) {
    repository = path.join(temporaryDirectory("matrix-repository"), "repository");
    commitApplicationProject({ name: "matrix-app", version: "1.0", modules: {} }, repository, "main");
  }
  return repository;
}
afterAll(() => {
  if (repository) fs.rmSync(path.dirname(repository), { recursive: true, force: true });
});

/** A stand-in for another Granary offering one Git application for transfer (its own side is tested in application-transfer.test.ts). */
const matrixTransferToken = "eyJhbGciOiJIUzI1NiJ9.eyJwdXJwb3NlIjoibWF0cml4In0.c2lnbmF0dXJl";
let transferSource: { server: http.Server; url: string } | undefined;
function transferSourceUrl(): string {
  if (!transferSource) throw new Error("The stand-in transfer source has not started.");
  return transferSource.url;
}
beforeAll(async () => {
  const server = http.createServer((request, response) => {
    response.setHeader("Content-Type", "application/json");
    if (request.url === "/api/transfer/finish") return void response.end(JSON.stringify({ finished: true }));
    const application = {
      name: "matrix-transferred",
      sourceKind: "git",
      active: false,
      state: "installed",
      indexOwner: "matrix-user",
      package: null,
      git: { url: `file://${matrixRepository()}`, branch: "main", commit: "abcdef1" },
      installedVersion: null,
      files: [],
    };
    response.end(JSON.stringify({ applications: [application] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  transferSource = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
});
afterAll(async () => {
  await new Promise((resolve) => transferSource?.server.close(resolve));
});

async function buildWorld(database: Db): Promise<World> {
  const user = await createUser(database, { username: "matrix-user" });
  const siteAdmin = await createSiteAdmin(database, { username: "matrix-admin" });
  const otherSiteAdmin = await createSiteAdmin(database, { username: "matrix-other-admin" });
  const bystander = await createUser(database, { username: "matrix-bystander" });
  const [message] = await database
    .insert(emailMessages)
    .values({ transport: "outbox", toAddress: bystander.email, subject: "Hello", template: "usernameReminder", html: "<p>Hello</p>", text: "Hello", status: "stored" })
    .returning({ id: emailMessages.id });
  const organization = await createTestOrganization(database, user, "matrix-org");
  const as = user.actor;
  await addMember(database, as, { organization: organization.username, username: bystander.username });
  // A second owner, so that `user` may delete their account without leaving the organization without one.
  const coOwner = await createUser(database, { username: "matrix-co-owner" });
  await addMember(database, as, { organization: organization.username, username: coOwner.username, role: "owner" });
  await createGroup(database, as, { organization: organization.username, name: "matrix-group", level: "read", reachesAllPackages: true });
  await addGroupMember(database, as, { organization: organization.username, group: "matrix-group", username: otherSiteAdmin.username });
  const organizationPackage = await createPublishedPackage(database, organization, "matrix-org-tools");
  await addPackageGroup(database, as, { owner: organization.username, name: organizationPackage.packageName, group: "matrix-selected", level: "read" });
  await createUser(database, { username: "matrix-newcomer" });
  const published = await createPublishedPackage(database, user, "matrix-tools");
  await addCollaborator(database, as, { owner: user.username, name: published.packageName, username: otherSiteAdmin.username });
  await database.insert(packageRedirects).values({ ownerId: user.id, normalizedName: "matrix-old-name", packageId: published.packageId });
  const notificationIds = {} as World["notificationIds"];
  for (const [kind, person] of [["user", user], ["siteAdmin", siteAdmin]] as const) {
    const [row] = await database.insert(notifications).values({ userId: person.id, kind: "organization.member_added", message: "Hello" }).returning();
    notificationIds[kind] = row!.id;
  }
  return {
    user,
    siteAdmin,
    otherSiteAdmin,
    bystander,
    organization: organization.username,
    organizationPackage: organizationPackage.packageName,
    notificationIds,
    passwordResetToken: await createAccountLink(database, bystander, { purpose: "password_reset" }),
    emailChangeToken: await createAccountLink(database, bystander, { purpose: "email_change", newEmail: "bystander-new@example.test" }),
    outboxMessageId: message!.id,
    auditEventId: (await database.select({ id: auditEvents.id }).from(auditEvents).limit(1))[0]!.id,
    ...published,
    tokenIds: { user: (await createAccessToken(database, user)).id, siteAdmin: (await createAccessToken(database, siteAdmin)).id },
    sessionIds: { user: (await createSession(database, user)).sessionId, siteAdmin: (await createSession(database, siteAdmin)).sessionId },
    queuedRunId: (await enqueue(database, purgeExpiredRecordsJob, {})).runId,
    failedRunId: await createFailedRun(database),
    directoryGroupMappingId: (await createDirectoryGroupMapping(database, siteAdmin.actor, {
      directoryGroupDn: "cn=matrix-mapped,ou=groups,dc=example,dc=test",
      organization: organization.username,
      group: "matrix-group",
    })).id,
    exceptionFingerprint: await (async (failure: Error) => (await recordException(database, failure, {}), fingerprintOf(failure).fingerprint))(new Error("matrix failure")),
    application: await (async () => {
      const [row] = await database
        .insert(applications)
        .values({ name: "matrix-application", sourceKind: "git", indexOwner: user.username, gitUrl: `file://${matrixRepository()}`, gitBranch: "main", gitCommit: "abcdef1" })
        .returning();
      return { id: row!.id, name: row!.name };
    })(),
    ...(await installedTaskApplication(database, user, siteAdmin)),
  };
}

async function installedTaskApplication(database: Db, user: TestUser, siteAdmin: TestUser): Promise<Pick<World, "taskApplicationId" | "taskRunIds">> {
  const [application] = await database
    .insert(applications)
    .values({ name: "matrix-tasks", sourceKind: "package", indexOwner: user.username, packageName: "matrix-tasks", packageVersion: "1.0", state: "installed", environmentPath: "/nonexistent" })
    .returning();
  const [install] = await database
    .insert(applicationInstalls)
    .values({ applicationId: application!.id, status: "succeeded", version: "1.0", environmentPath: "/nonexistent" })
    .returning();
  await database.update(applications).set({ currentInstallId: install!.id, installedVersion: "1.0" }).where(eq(applications.id, application!.id));
  await database.insert(applicationTasks).values({ installId: install!.id, applicationId: application!.id, name: "echo", entryPoint: "matrix_tasks:echo", inputSchema: null });
  const taskRunIds = {} as World["taskRunIds"];
  for (const [kind, person] of [["user", user], ["siteAdmin", siteAdmin]] as const) {
    const [run] = await database
      .insert(taskRuns)
      .values({ userId: person.id, applicationId: application!.id, installId: install!.id, environmentPath: "/nonexistent", taskName: "echo", entryPoint: "matrix_tasks:echo", input: {}, timeoutSeconds: 60, memoryLimitMebibytes: 512 })
      .returning();
    taskRunIds[kind] = run!.id;
  }
  return { taskApplicationId: application!.id, taskRunIds };
}

function actorOf(world: World, kind: ActorKind): { actor: Actor; self: TestUser | null } {
  if (kind === "anonymous") return { actor: anonymous(), self: null };
  const self = kind === "user" ? world.user : world.siteAdmin;
  return { actor: self.actor, self };
}

function call(actor: Actor, path: string, input: unknown): Promise<unknown> {
  let node: unknown = callerFor(actor);
  for (const segment of path.split(".")) node = (node as Record<string, unknown>)[segment];
  return (node as (input: unknown) => Promise<unknown>)(input);
}

describe("the authorization matrix", () => {
  it("has a row for every procedure, and none for procedures that no longer exist", () => {
    const procedures = listProcedures(appRouter).map(({ path }) => path);
    expect({
      proceduresWithoutRow: procedures.filter((path) => !Object.hasOwn(matrix, path)),
      rowsWithoutProcedure: Object.keys(matrix).filter((path) => !procedures.includes(path)),
    }).toEqual({ proceduresWithoutRow: [], rowsWithoutProcedure: [] });
  });

  const cells = Object.entries(matrix).flatMap(([path, row]) =>
    (Object.keys(row.outcomes) as ActorKind[]).map((kind) => ({ path, kind, outcome: row.outcomes[kind], row })),
  );

  it.each(cells)("$path as $kind → $outcome", async ({ path, kind, outcome, row }) => {
    const world = await buildWorld(db);
    const { actor, self } = actorOf(world, kind);
    const input = row.input?.(world, self, kind);
    await row.prepare?.(db);
    if (outcome === "allowed") {
      await expect(call(actor, path, input)).resolves.toBeDefined();
    } else {
      expect((await failureOf(call(actor, path, input))).code).toBe(outcome);
    }
  });
});
