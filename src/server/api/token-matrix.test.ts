/**
 * One table: every token scope (and an expired, a revoked and a channel-restricted token) against every tRPC
 * procedure and every package endpoint of the protocol route table. Tokens belong to an ordinary account that
 * owns the packages the cells act on; the outcome must be exactly the one written here. A new procedure or
 * route fails the first test until it gets a row.
 *
 * Cells: ✓ allowed (2xx, or 3xx for redirects), B bad request (400), U unauthorized (401), F forbidden (403), N not
 * found (404). Uploads have a row per route and kind of file: the kind decides the permission (uploadPermissions).
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createAccessToken, createPublishedPackage, createTestOrganization, createUser, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions, writeEnvironment, writeNotebook } from "@/test/package-fixtures";
import { unreachableLdapSettings } from "@/test/ldap-server";
import { requireTools } from "@/test/tools";
import { listProcedures } from "@/test/procedures";
import { tokenScopeNames, type TokenScope } from "@/shared/token-scopes";
import type { Actor } from "../authz";
import type { Db } from "../db/client";
import { fileLabels, fileTypes, notifications, packageFiles, packageRedirects, packages } from "../db/schema";
import { addGroupMember, createGroup } from "../services/groups";
import { addCollaborator, addPackageGroup } from "../services/package-sharing";
import { AppError } from "../errors";
import { protocolRoutes } from "../protocols";
import { call, condaStyleUpload, sha256Of, startTestServer, temporaryDirectory, twineStyleUpload, type TestServer, type WireResponse } from "../protocols/test-support";
import { actorFromCredentialHeaders } from "./credentials";
import { appRouter } from "./root";
import { signedTestLicense } from "@/test/license";

const columns = [...tokenScopeNames, "expired", "revoked", "channel"] as const;
type Column = (typeof columns)[number];
type Cell = "✓" | "B" | "U" | "F" | "N";

//                                         all api a:r a:w a:mg conda c:dl pypi p:dl p:up repos exp rev chan
const sessionOnly =                       "F   F   F   F   F    F     F    F    F    F    F     U   U   F";
const administration =                    "F   F   F   F   F    F     F    F    F    F    F     U   U   F";
const siteRead =                          "✓   ✓   ✓   ✓   ✓    ✓     ✓    ✓    ✓    ✓    ✓     U   U   ✓";
const apiRead =                           "✓   ✓   ✓   F   F    F     F    F    F    F    F     U   U   ✓";
const apiReadOutsideChannel =             "✓   ✓   ✓   F   F    F     F    F    F    F    F     U   U   N";
const groupWriteOutsideChannel =          "✓   F   F   F   ✓    F     F    F    F    F    F     U   U   N";
const packageRead =                       "✓   ✓   ✓   F   F    F     F    F    F    F    ✓     U   U   ✓";
const packageReadOutsideChannel =         "✓   ✓   ✓   F   F    F     F    F    F    F    ✓     U   U   N";
const apiWrite =                          "✓   ✓   F   ✓   F    F     F    F    F    F    F     U   U   ✓";
const apiWriteOutsideChannel =            "✓   ✓   F   ✓   F    F     F    F    F    F    F     U   U   N";
const condaRead =                         "✓   F   F   F   F    ✓     ✓    F    F    F    ✓     U   U   N";
const condaProbe =                        "N   F   F   F   F    N     N    F    F    F    N     U   U   N";
const pypiRead =                          "✓   F   F   F   F    F     F    ✓    ✓    F    ✓     U   U   N";
const pypiRedirect =                      "✓   F   F   F   F    F     F    ✓    ✓    F    ✓     U   U   ✓";
const condaUpload =                       "✓   ✓   F   ✓   F    ✓     F    F    F    F    F     U   U   N";
const pythonUpload =                      "✓   ✓   F   ✓   F    F     F    ✓    F    ✓    F     U   U   N";
const otherUpload =                       "✓   ✓   F   ✓   F    F     F    F    F    F    F     U   U   N";
const notForTwine =                       "B   B   F   B   F    F     F    B    F    B    F     U   U   N";
const anyone =                            "✓   ✓   ✓   ✓   ✓    ✓     ✓    ✓    ✓    ✓    ✓     ✓   ✓   ✓";
const siteReadNotFound =                  "N   N   N   N   N    N     N    N    N    N    N     U   U   N";
// Transfer routes take a transfer token (a JWT), never an access token: every access token is refused.
const transferTokenOnly =                 "U   U   U   U   U    U     U    U    U    U    U     U   U   U";
const malformed =                         "B   B   B   B   B    B     B    B    B    B    B     B   B   B";
const readNotFound =                      "N   N   N   F   F    F     F    F    F    F    F     U   U   N";
const writeNotFound =                     "N   N   F   N   F    F     F    F    F    F    F     U   U   N";

/** The accounts, packages and tokens every cell starts from. */
interface World {
  user: TestUser;
  /** The channel the restricted token is limited to: not the user's own. */
  bystander: TestUser;
  tokens: Record<Column, { id: string; secret: string }>;
  /** A public package of the user's with one conda file, for the package procedures. */
  packageName: string;
  fileId: string;
  /** An organization the user owns, with a member, a group over all packages and one over a selected package. */
  organization: string;
  organizationPackage: string;
  member: TestUser;
  notificationId: string;
}

interface ProcedureRow {
  expected: string;
  input?: (world: World, column: Column) => unknown;
}

const procedureRows: Record<string, ProcedureRow> = {
  "account.signUp": {
    expected: sessionOnly,
    input: () => ({ username: "token-signup", email: "token-signup@example.test", password: "a password", passwordConfirmation: "a password", acceptTerms: true }),
  },
  "account.signIn": { expected: sessionOnly, input: (world) => ({ login: world.user.username, password: world.user.password }) },
  "account.signOut": { expected: sessionOnly },
  "account.remindUsername": { expected: sessionOnly, input: (world) => ({ email: world.user.email }) },
  "account.requestPasswordReset": { expected: sessionOnly, input: (world) => ({ login: world.user.username }) },
  "account.resetPassword": { expected: sessionOnly, input: () => ({ token: "x".repeat(43), password: "a new password", passwordConfirmation: "a new password" }) },
  "account.confirmEmailChange": { expected: sessionOnly, input: () => ({ token: "x".repeat(43) }) },
  "account.get": { expected: apiRead },
  "account.whoami": { expected: apiRead },
  "account.updateProfile": { expected: sessionOnly, input: () => ({ name: "Token" }) },
  "account.changePassword": {
    expected: sessionOnly,
    input: (world) => ({ currentPassword: world.user.password, newPassword: "a new password", newPasswordConfirmation: "a new password" }),
  },
  "account.requestEmailChange": { expected: sessionOnly, input: (world) => ({ email: "changed@example.test", currentPassword: world.user.password }) },
  "account.resendEmailConfirmation": { expected: sessionOnly },
  "account.delete": { expected: sessionOnly, input: (world) => ({ confirmation: world.user.username, currentPassword: world.user.password }) },
  "account.securityHistory": { expected: apiRead, input: () => ({}) },
  "account.listSessions": { expected: apiRead },
  "account.signOutEverywhere": { expected: sessionOnly },
  "account.revokeSession": { expected: sessionOnly, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  // The tokens' account is no administrator: its role refuses these whatever the scope.
  "admin.listUsers": { expected: administration, input: () => ({ query: "tm" }) },
  "admin.listOrganizations": { expected: administration, input: () => ({ query: "tm" }) },
  "admin.setUserActive": { expected: administration, input: (world) => ({ userId: world.bystander.id, active: false }) },
  "admin.updateSettings": { expected: administration, input: () => ({ openRegistration: false }) },
  "admin.listOutbox": { expected: administration, input: () => ({}) },
  "admin.getOutboxMessage": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "admin.listExceptions": { expected: administration, input: () => ({}) },
  "admin.listSecurityLog": { expected: administration, input: () => ({}) },
  "admin.unreadExceptionCount": { expected: administration },
  "admin.markExceptionsRead": { expected: administration },
  "exceptions.group": { expected: administration, input: () => ({ fingerprint: "0".repeat(32) }) },
  "exceptions.setResolved": { expected: administration, input: () => ({ fingerprint: "0".repeat(32), resolved: true }) },
  "dailyReport.get": { expected: administration, input: () => ({ preset: "today" }) },
  "dailyReport.emailSubscription": { expected: administration },
  "dailyReport.setEmailSubscription": { expected: administration, input: () => ({ enabled: true }) },
  "mailSettings.get": { expected: administration },
  "mailSettings.update": { expected: administration, input: () => ({ mode: "off" }) },
  "mailSettings.sendTest": { expected: administration, input: () => ({}) },
  "admin.listActiveUsers": { expected: administration, input: () => ({}) },
  "adminPeople.listUsers": { expected: administration, input: () => ({ query: "tm", sort: "created" }) },
  "adminPeople.listOrganizations": { expected: administration, input: () => ({ query: "tm", sort: "packages" }) },
  "adminPeople.setUserAdmin": { expected: administration, input: (world) => ({ userId: world.bystander.id, admin: true }) },
  "adminPeople.createPasswordResetLink": { expected: administration, input: (world) => ({ username: world.bystander.username }) },
  "adminPeople.listSecurityEvents": { expected: administration, input: () => ({}) },
  "adminPeople.securityLogActions": { expected: administration },
  "adminPeople.getSecurityEvent": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "admin.ldapSettings": { expected: administration },
  "admin.updateLdapSettings": { expected: administration, input: () => unreachableLdapSettings },
  "admin.testLdapConnection": { expected: administration, input: () => ({ settings: unreachableLdapSettings, username: "alice" }) },
  "admin.listDirectoryGroupMappings": { expected: administration },
  "admin.createDirectoryGroupMapping": { expected: administration, input: () => ({ directoryGroupDn: "cn=tm,dc=example,dc=test", organization: "tm-org", group: "tm" }) },
  "admin.deleteDirectoryGroupMapping": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "admin.listLocalPasswordAccounts": { expected: administration },
  "admin.setKeepsLocalPassword": { expected: administration, input: (world) => ({ username: world.bystander.username, keepsLocalPassword: true }) },
  "jobs.workers": { expected: administration },
  "jobs.queues": { expected: administration },
  "jobs.runs": { expected: administration, input: () => ({ queue: "low" }) },
  "jobs.run": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "jobs.retry": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "jobs.cancel": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "jobs.retryFailed": { expected: administration, input: () => ({ queue: "low" }) },
  "jobs.periodicTasks": { expected: administration },
  "jobs.runPeriodicTask": { expected: administration, input: () => ({ name: "statistics-snapshot" }) },
  "jobs.restartWorkers": { expected: administration },
  "license.get": { expected: administration },
  "license.banners": { expected: administration },
  "license.install": { expected: administration, input: () => ({ document: signedTestLicense() }) },
  "siteAdmin.generalSettings": { expected: administration },
  "siteAdmin.updateGeneralSettings": { expected: administration, input: () => ({ siteUrl: "https://granary.example.test", staticUrl: "", defaultPackageAccess: "public" }) },
  "siteAdmin.effectiveConfiguration": { expected: administration },
  "siteAdmin.platformInfo": { expected: administration },
  "siteAdmin.statistics": { expected: administration, input: () => ({ period: "90d" }) },
  "platformActions.mode": { expected: siteRead },
  "platformActions.status": { expected: administration },
  "platformActions.setReadOnly": { expected: administration, input: () => ({ readOnly: false }) },
  "platformActions.restart": { expected: administration },
  "platformActions.deletePublicObjects": { expected: administration, input: () => ({ confirmation: "delete all public objects" }) },
  "logs.system": { expected: administration, input: () => ({ category: "api_errors" }) },
  "logs.audit": { expected: administration, input: () => ({ log: "platform" }) },
  "site.settings": { expected: siteRead },
  "profiles.memberships": { expected: siteRead, input: (world) => ({ username: world.bystander.username }) },
  "packages.search": { expected: packageRead, input: () => ({ query: "tm" }) },
  "packages.listByOwner": { expected: packageReadOutsideChannel, input: (world) => ({ owner: world.user.username }) },
  "packages.get": { expected: packageReadOutsideChannel, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.labels": { expected: packageReadOutsideChannel, input: (world) => ({ owner: world.user.username }) },
  "packages.facets": { expected: packageRead },
  "packages.downloads": { expected: packageReadOutsideChannel, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.notebookPreview": { expected: packageReadOutsideChannel, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.dashboardSummary": { expected: packageRead },
  "packages.mine": { expected: packageRead, input: () => ({}) },
  "packages.favorites": { expected: packageRead, input: () => ({}) },
  "packages.star": { expected: apiWriteOutsideChannel, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.unstar": { expected: apiWriteOutsideChannel, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.setPrivacy": { expected: apiWriteOutsideChannel, input: (world) => ({ owner: world.user.username, name: world.packageName, isPrivate: true }) },
  "packages.addLabel": { expected: apiWriteOutsideChannel, input: (world) => ({ fileId: world.fileId, label: "dev" }) },
  "packages.removeLabel": { expected: apiWriteOutsideChannel, input: (world) => ({ fileId: world.fileId, label: "main" }) },
  "packages.moveLabel": { expected: apiWriteOutsideChannel, input: (world) => ({ fileId: world.fileId, from: "main", to: "stable" }) },
  "packages.deleteFile": { expected: apiWriteOutsideChannel, input: (world) => ({ fileId: world.fileId }) },
  "packages.setReleaseYanked": {
    expected: apiWriteOutsideChannel,
    input: (world) => ({ owner: world.user.username, name: world.packageName, version: "1.0", yanked: true, reason: "token matrix" }),
  },
  "packages.deletePackage": {
    expected: apiWriteOutsideChannel,
    input: (world) => ({ owner: world.user.username, name: world.packageName, confirmation: world.packageName }),
  },
  "tokens.scopes": { expected: siteRead },
  "tokens.list": { expected: apiRead },
  // A token mints within itself: its own scopes, and its own channel.
  "tokens.create": {
    expected: apiWrite,
    input: (world, column) => ({
      name: "minted",
      scopes: isScopeColumn(column) ? [column] : ["all"],
      channel: column === "channel" ? world.bystander.username : undefined,
    }),
  },
  "tokens.revoke": { expected: apiWrite, input: (world, column) => ({ id: world.tokens[column].id }) },
  "organizations.create": { expected: apiWrite, input: (_world, column) => ({ name: `tm-org-${column.replace(/:/g, "-")}`, email: "tm-org@example.test" }) },
  "organizations.get": { expected: packageReadOutsideChannel, input: (world) => ({ organization: world.organization }) },
  "organizations.mine": { expected: apiRead, input: () => ({}) },
  "organizations.members": { expected: apiReadOutsideChannel, input: (world) => ({ organization: world.organization }) },
  "organizations.addMember": { expected: apiWriteOutsideChannel, input: (world) => ({ organization: world.organization, username: world.bystander.username }) },
  "organizations.removeMember": { expected: apiWriteOutsideChannel, input: (world) => ({ organization: world.organization, username: world.member.username }) },
  "organizations.setMemberRole": {
    expected: apiWriteOutsideChannel,
    input: (world) => ({ organization: world.organization, username: world.member.username, role: "owner" }),
  },
  "organizations.delete": { expected: sessionOnly, input: (world) => ({ organization: world.organization, confirmation: world.organization }) },
  "organizations.groups": { expected: apiReadOutsideChannel, input: (world) => ({ organization: world.organization }) },
  "organizations.myGroups": { expected: apiRead },
  // Groups are changed with api:modify-group (or all), as anaconda.org's scope of that name.
  "organizations.createGroup": { expected: groupWriteOutsideChannel, input: (world) => ({ organization: world.organization, name: "tm-new", level: "read" }) },
  "organizations.updateGroup": { expected: groupWriteOutsideChannel, input: (world) => ({ organization: world.organization, group: "tm-group", level: "write" }) },
  "organizations.deleteGroup": { expected: groupWriteOutsideChannel, input: (world) => ({ organization: world.organization, group: "tm-group" }) },
  "organizations.addGroupMember": {
    expected: groupWriteOutsideChannel,
    input: (world) => ({ organization: world.organization, group: "tm-group", username: world.bystander.username }),
  },
  "organizations.removeGroupMember": {
    expected: groupWriteOutsideChannel,
    input: (world) => ({ organization: world.organization, group: "tm-group", username: world.member.username }),
  },
  "notifications.list": { expected: apiRead, input: () => ({}) },
  "notifications.unreadCount": { expected: apiRead },
  "notifications.markRead": { expected: apiWrite, input: (world) => ({ id: world.notificationId }) },
  "notifications.markAllRead": { expected: apiWrite },
  "billing.get": { expected: apiReadOutsideChannel, input: (world) => ({ owner: world.user.username }) },
  "billing.changePlan": { expected: apiWriteOutsideChannel, input: (world) => ({ owner: world.user.username, plan: "free" }) },
  "hashWarnings.list": { expected: administration },
  "tasks.list": { expected: apiRead },
  "tasks.start": { expected: writeNotFound, input: () => ({ applicationId: "00000000-0000-4000-8000-000000000000", task: "echo", input: {} }) },
  "tasks.runs": { expected: apiRead, input: () => ({}) },
  "tasks.run": { expected: readNotFound, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "tasks.rerun": { expected: writeNotFound, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "tasks.cancel": { expected: writeNotFound, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "tasks.settings": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "tasks.updateSettings": { expected: administration, input: () => ({ applicationId: "00000000-0000-4000-8000-000000000000", timeoutSeconds: 60, memoryLimitMebibytes: 512 }) },
  "applications.list": { expected: administration },
  "applications.get": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "applications.installablePackages": { expected: administration },
  "applications.packageVersions": { expected: administration, input: (world) => ({ owner: world.user.username, packageName: world.packageName }) },
  "applications.branchCommits": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000" }) },
  "applications.importErrors": { expected: administration },
  "applications.pythonPackages": { expected: administration, input: () => ({}) },
  "applications.create": {
    expected: administration,
    input: (world) => ({ name: "tm-app", sourceKind: "package", owner: world.user.username, packageName: world.packageName, packageVersion: "1.0" }),
  },
  "applications.update": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000", active: false }) },
  "applications.delete": { expected: administration, input: () => ({ id: "00000000-0000-4000-8000-000000000000", confirmation: "tm-app" }) },
  "applications.transferToken": { expected: administration },
  "applications.transferPreview": { expected: administration, input: () => ({ sourceUrl: "http://127.0.0.1:1", token: "a.b.c" }) },
  "applications.transfer": { expected: administration, input: () => ({ sourceUrl: "http://127.0.0.1:1", token: "a.b.c", names: ["tm-app"] }) },
  "billing.listPlans": { expected: administration },
  "billing.updatePlan": {
    expected: administration,
    input: () => ({ slug: "personal", name: "Personal", description: "", maxPrivatePackages: 1, maxStorageBytes: null, selfService: false, priceLabel: "" }),
  },
  "billing.assignPlan": { expected: administration, input: (world) => ({ owner: world.bystander.username, plan: "personal" }) },
  "billing.academicDomains": { expected: administration },
  "billing.setAcademicDomains": { expected: administration, input: () => ({ domains: ["edu"] }) },
  "packages.access": { expected: packageReadOutsideChannel, input: (world) => ({ owner: world.user.username, name: world.packageName }) },
  "packages.addCollaborator": { expected: apiWriteOutsideChannel, input: (world) => ({ owner: world.user.username, name: world.packageName, username: world.bystander.username }) },
  "packages.removeCollaborator": {
    expected: apiWriteOutsideChannel,
    input: (world) => ({ owner: world.user.username, name: world.packageName, username: world.member.username }),
  },
  "packages.addGroup": { expected: apiWriteOutsideChannel, input: (world) => ({ owner: world.organization, name: world.organizationPackage, group: "tm-new", level: "read" }) },
  "packages.removeGroup": { expected: apiWriteOutsideChannel, input: (world) => ({ owner: world.organization, name: world.organizationPackage, group: "tm-selected" }) },
  "packages.transferTargets": { expected: sessionOnly },
  "packages.transfer": {
    expected: sessionOnly,
    input: (world) => ({ owner: world.user.username, name: world.packageName, to: world.organization, confirmation: world.packageName, password: world.user.password }),
  },
  "packages.redirect": { expected: packageReadOutsideChannel, input: (world) => ({ owner: world.user.username, name: "tm-old-name" }) },
  "tokens.regenerate": { expected: apiWrite, input: (world, column) => ({ id: world.tokens[column].id }) },
};

type UploadKind = "conda" | "wheel" | "sdist" | "notebook" | "environment";

interface RouteRow {
  /** The row's route, when the row's name is not the route's (uploads have a row per kind of file). */
  route?: keyof typeof protocolRoutes;
  expected: string;
  request: (world: World) => { target: string; method?: "GET" | "POST" } | { upload: "conda" | "twine"; file: UploadKind };
}

const condaFile = "tm-conda-1.0-0.tar.bz2";
const wheelFile = "tm_wheel-1.0-py3-none-any.whl";

const routeRows: Record<string, RouteRow> = {
  channeldata: { expected: condaRead, request: (world) => ({ target: `/${world.user.username}/channeldata.json` }) },
  repodata: { expected: condaRead, request: (world) => ({ target: `/${world.user.username}/noarch/repodata.json` }) },
  condaIndexProbe: { expected: condaProbe, request: (world) => ({ target: `/${world.user.username}/noarch/repodata.json.zst` }) },
  condaDownload: { expected: condaRead, request: (world) => ({ target: `/${world.user.username}/noarch/${condaFile}` }) },
  simpleIndex: { expected: pypiRead, request: (world) => ({ target: `/${world.user.username}/simple/` }) },
  simpleProject: { expected: pypiRead, request: (world) => ({ target: `/${world.user.username}/simple/tm-wheel/` }) },
  simpleRedirect: { expected: pypiRedirect, request: (world) => ({ target: `/${world.user.username}/simple/TM_Wheel` }) },
  pypiDownload: { expected: pypiRead, request: (world) => ({ target: `/${world.user.username}/pypi/files/${wheelFile}` }) },
  pypiMetadata: { expected: pypiRead, request: (world) => ({ target: `/${world.user.username}/pypi/files/${wheelFile}.metadata` }) },
  fileDownload: { expected: packageReadOutsideChannel, request: (world) => ({ target: `/${world.user.username}/files/noarch/${condaFile}` }) },
  "twineUpload wheel": { route: "twineUpload", expected: pythonUpload, request: () => ({ upload: "twine", file: "wheel" }) },
  "twineUpload sdist": { route: "twineUpload", expected: pythonUpload, request: () => ({ upload: "twine", file: "sdist" }) },
  "twineUpload conda": { route: "twineUpload", expected: notForTwine, request: () => ({ upload: "twine", file: "conda" }) },
  "twineUpload notebook": { route: "twineUpload", expected: notForTwine, request: () => ({ upload: "twine", file: "notebook" }) },
  "twineUpload environment": { route: "twineUpload", expected: notForTwine, request: () => ({ upload: "twine", file: "environment" }) },
  "condaUpload conda": { route: "condaUpload", expected: condaUpload, request: () => ({ upload: "conda", file: "conda" }) },
  "condaUpload wheel": { route: "condaUpload", expected: pythonUpload, request: () => ({ upload: "conda", file: "wheel" }) },
  "condaUpload sdist": { route: "condaUpload", expected: pythonUpload, request: () => ({ upload: "conda", file: "sdist" }) },
  "condaUpload notebook": { route: "condaUpload", expected: otherUpload, request: () => ({ upload: "conda", file: "notebook" }) },
  "condaUpload environment": { route: "condaUpload", expected: otherUpload, request: () => ({ upload: "conda", file: "environment" }) },
  tokenLeakReport: { expected: anyone, request: () => ({ target: "/api/tokens/leak-report", method: "POST" }) },
  transferApplications: { expected: transferTokenOnly, request: () => ({ target: "/api/transfer/applications" }) },
  transferFile: { expected: transferTokenOnly, request: (world) => ({ target: `/api/transfer/files/${world.fileId}` }) },
  transferFinish: { expected: transferTokenOnly, request: () => ({ target: "/api/transfer/finish", method: "POST" }) },
  notFound: { expected: siteReadNotFound, request: (world) => ({ target: `/${world.user.username}/files/elsewhere/x.txt` }) },
  // Nothing to look up and no credentials to check: every token hears the same 400.
  malformed: { expected: malformed, request: (world) => ({ target: `/${world.user.username}/noarch/x%00.conda` }) },
};

function isScopeColumn(column: Column): column is TokenScope {
  return (tokenScopeNames as readonly string[]).includes(column);
}

function parseExpected(row: string): Record<Column, Cell> {
  const cells = row.trim().split(/\s+/) as Cell[];
  if (cells.length !== columns.length) throw new Error(`A row has ${cells.length} cells, not ${columns.length}: ${row}`);
  return Object.fromEntries(columns.map((column, index) => [column, cells[index]!])) as Record<Column, Cell>;
}

const db = setUpTestDatabase();

// ---------------------------------------------------------------------------------------------- the world

const conda = { bytes: Buffer.from("conda package bytes for the token matrix\n"), metadata: { name: "tm-conda", version: "1.0", build: "0", build_number: 0, depends: [], subdir: "noarch" } };
const wheel = { bytes: Buffer.from("wheel bytes for the token matrix\n"), coreMetadata: "Metadata-Version: 2.1\nName: tm-wheel\nVersion: 1.0\n" };

let worldsBuilt = 0;

async function addPrivateFile(database: Db, owner: TestUser, file: { name: string; fileType: "conda" | "wheel"; subdir: string; filename: string; bytes: Buffer }) {
  const [pkg] = await database
    .insert(packages)
    .values({ ownerId: owner.id, name: file.name, normalizedName: file.name, latestVersion: "1.0", isPrivate: true })
    .returning({ id: packages.id });
  const [row] = await database
    .insert(packageFiles)
    .values({
      packageId: pkg!.id,
      ownerId: owner.id,
      fileType: file.fileType,
      subdir: file.subdir,
      filename: file.filename,
      version: "1.0",
      size: file.bytes.length,
      sha256: sha256Of(file.bytes),
      md5: "0".repeat(32),
      metadata: file.fileType === "conda" ? conda.metadata : { name: file.name, version: "1.0" },
      coreMetadata: file.fileType === "wheel" ? wheel.coreMetadata : null,
      coreMetadataSha256: file.fileType === "wheel" ? sha256Of(wheel.coreMetadata) : null,
      uploadedById: owner.id,
    })
    .returning({ id: packageFiles.id });
  await database.insert(fileLabels).values({ fileId: row!.id, label: "main" });
}

async function buildWorld(database: Db): Promise<World> {
  worldsBuilt += 1;
  const user = await createUser(database, { username: `tm-user-${worldsBuilt}` });
  const bystander = await createUser(database, { username: `tm-other-${worldsBuilt}` });
  const published = await createPublishedPackage(database, user, `tm-tools-${worldsBuilt}`);
  await addPrivateFile(database, user, { name: "tm-conda", fileType: "conda", subdir: "noarch", filename: condaFile, bytes: conda.bytes });
  await addPrivateFile(database, user, { name: "tm-wheel", fileType: "wheel", subdir: "pypi", filename: wheelFile, bytes: wheel.bytes });
  const tokens = {} as World["tokens"];
  for (const scope of tokenScopeNames) tokens[scope] = await createAccessToken(database, user, { name: scope, scopes: [scope] });
  tokens.expired = await createAccessToken(database, user, { name: "expired", scopes: ["all"], expired: true });
  tokens.revoked = await createAccessToken(database, user, { name: "revoked", scopes: ["all"], revoked: true });
  tokens.channel = await createAccessToken(database, user, { name: "channel", scopes: ["all"], channelOwnerId: bystander.id });
  const member = await createUser(database, { username: `tm-member-${worldsBuilt}` });
  const organization = await createTestOrganization(database, user, `tm-org-${worldsBuilt}`);
  const as = user.actor;
  const orgName = organization.username;
  await createGroup(database, as, { organization: orgName, name: "tm-group", level: "read", reachesAllPackages: true });
  await addGroupMember(database, as, { organization: orgName, group: "tm-group", username: member.username });
  const organizationPackage = await createPublishedPackage(database, organization, `tm-org-tools-${worldsBuilt}`);
  await addPackageGroup(database, as, { owner: orgName, name: organizationPackage.packageName, group: "tm-selected", level: "read" });
  await addCollaborator(database, as, { owner: user.username, name: published.packageName, username: member.username });
  await database.insert(packageRedirects).values({ ownerId: user.id, normalizedName: "tm-old-name", packageId: published.packageId });
  const [notification] = await database.insert(notifications).values({ userId: user.id, kind: "organization.member_added", message: "Hello" }).returning();
  return {
    user,
    bystander,
    tokens,
    packageName: published.packageName,
    fileId: published.fileId,
    organization: orgName,
    organizationPackage: organizationPackage.packageName,
    member,
    notificationId: notification!.id,
  };
}

// ---------------------------------------------------------------------------------------------- calling

function bearer(secret: string): Headers {
  return new Headers({ authorization: `Bearer ${secret}` });
}

const trpcCells: Partial<Record<string, Cell>> = { UNAUTHORIZED: "U", FORBIDDEN: "F", NOT_FOUND: "N" };

async function procedureOutcome(world: World, procedurePath: string, row: ProcedureRow, column: Column): Promise<Cell> {
  let actor: Actor | null;
  try {
    actor = await actorFromCredentialHeaders(db, bearer(world.tokens[column].secret));
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHORIZED") return "U";
    throw error;
  }
  if (!actor) throw new Error("The token was not read from the headers.");
  let node: unknown = callerFor(actor);
  for (const segment of procedurePath.split(".")) node = (node as Record<string, unknown>)[segment];
  try {
    await (node as (input: unknown) => Promise<unknown>)(row.input?.(world, column));
    return "✓";
  } catch (error) {
    const cell = error instanceof TRPCError ? trpcCells[error.code] : undefined;
    if (cell) return cell;
    throw new Error(`${procedurePath} as the ${column} token failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const statusCells: Partial<Record<number, Cell>> = { 400: "B", 401: "U", 403: "F", 404: "N" };

let server: TestServer;
let uploads: (Record<UploadKind, string> & { directory: string }) | undefined;
requireTools("cph", "pythonBuild");

async function routeOutcome(world: World, routeName: string, row: RouteRow, column: Column): Promise<Cell> {
  const request = row.request(world);
  const auth = { Authorization: `Bearer ${world.tokens[column].secret}` };
  let response: WireResponse;
  if ("upload" in request) {
    if (!uploads) throw new Error("No upload fixtures.");
    const file = uploads[request.file];
    response =
      request.upload === "conda"
        ? await condaStyleUpload(server, world.user.username, file, auth)
        : await twineStyleUpload(server, world.user.username, file, auth);
  } else {
    const body = request.method === "POST" ? "[]" : undefined;
    response = await call(server, request.target, { method: request.method ?? "GET", headers: { ...auth, "Content-Type": "application/json" }, body });
  }
  if (response.status >= 200 && response.status < 400) return "✓";
  const cell = statusCells[response.status];
  if (cell) return cell;
  throw new Error(`${routeName} as the ${column} token answered ${response.status}: ${response.text}`);
}

beforeAll(async () => {
  server = await startTestServer(db);
  for (const file of [conda.bytes, wheel.bytes]) await server.store.commit(await server.store.receive(Readable.from([file]), 1024));
  const directory = temporaryDirectory("token-matrix");
  const python = buildPythonDistributions({ name: "tm-upload-wheel", version: "1.0" }, directory);
  uploads = {
    directory,
    conda: buildCondaPackage({ name: "tm-upload", version: "1.0" }, directory),
    wheel: python.wheel,
    sdist: python.sdist,
    notebook: writeNotebook(directory, "tm-notebook.ipynb"),
    environment: writeEnvironment(directory, "tm-environment", "tm-environment.yml"),
  };
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (uploads) fs.rmSync(uploads.directory, { recursive: true, force: true });
});

/**
 * Fills a row: a fresh world for the first cell and after any cell that was allowed to change something, so
 * each cell starts from the same state.
 */
async function outcomesOf(changes: boolean, outcome: (world: World, column: Column) => Promise<Cell>): Promise<Record<Column, Cell>> {
  const outcomes = {} as Record<Column, Cell>;
  let world: World | null = null;
  for (const column of columns) {
    world ??= await buildWorld(db);
    outcomes[column] = await outcome(world, column);
    if (changes && outcomes[column] === "✓") world = null;
  }
  return outcomes;
}

describe("the token matrix", () => {
  it("has a row for every procedure and every package endpoint, and a column for every scope", () => {
    const procedures = listProcedures(appRouter).map(({ path: procedurePath }) => procedurePath);
    const routes = Object.keys(protocolRoutes);
    const rowRoutes = Object.entries(routeRows).map(([name, row]) => row.route ?? name);
    expect({
      proceduresWithoutRow: procedures.filter((procedurePath) => !Object.hasOwn(procedureRows, procedurePath)),
      rowsWithoutProcedure: Object.keys(procedureRows).filter((procedurePath) => !procedures.includes(procedurePath)),
      routesWithoutRow: routes.filter((route) => !rowRoutes.includes(route)),
      rowsWithoutRoute: rowRoutes.filter((route) => !routes.includes(route)),
    }).toEqual({ proceduresWithoutRow: [], rowsWithoutProcedure: [], routesWithoutRow: [], rowsWithoutRoute: [] });
    for (const scope of tokenScopeNames) expect(columns).toContain(scope);
    // Both upload routes, for every kind of file Granary takes.
    const uploadRows = Object.values(routeRows)
      .filter((row) => row.route === "condaUpload" || row.route === "twineUpload")
      .map((row) => row.request({} as World))
      .map((request) => ("upload" in request ? `${request.upload} ${request.file}` : request.target));
    for (const route of ["conda", "twine"]) for (const kind of fileTypes) expect(uploadRows).toContain(`${route} ${kind}`);
  });

  const procedureTypes = new Map(listProcedures(appRouter).map((entry) => [entry.path, entry.type]));

  it.each(Object.entries(procedureRows))("%s", async (procedurePath, row) => {
    const outcomes = await outcomesOf(procedureTypes.get(procedurePath) !== "query", (world, column) => procedureOutcome(world, procedurePath, row, column));
    expect(outcomes).toEqual(parseExpected(row.expected));
  });

  it.each(Object.entries(routeRows))("route %s", async (routeName, row) => {
    const changes = (protocolRoutes[row.route ?? (routeName as keyof typeof protocolRoutes)].methods as readonly string[]).includes("POST");
    const outcomes = await outcomesOf(changes, (world, column) => routeOutcome(world, routeName, row, column));
    expect(outcomes).toEqual(parseExpected(row.expected));
  });
});
