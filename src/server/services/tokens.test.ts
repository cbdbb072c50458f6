/**
 * The token service and the API's credential headers: secrets, storage, names, lifetimes, listing, revocation,
 * regeneration, the rule for tokens minted by tokens, audit events, e-mails and leak reports.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf, unauthorizedMessage } from "@/test/caller";
import { lockTable, setUpTestDatabase } from "@/test/db";
import {
  anonymous,
  createAccessToken,
  createDeactivatedUser,
  createSiteAdmin,
  createUser,
  knownPassword,
  onlyEmailTo,
  recordedAuditEvents,
  sentEmails,
  testOrigin,
} from "@/test/factories";
import { maxLeakReportEntries } from "@/shared/schemas/tokens";
import { tokenScopeNames } from "@/shared/token-scopes";
import { actorFromCredentialHeaders } from "../api/credentials";
import { type Actor } from "../authz";
import { clientAddressHeader } from "../client-address";
import { accessTokens, auditEvents, exceptions } from "../db/schema";
import { sendEmail } from "../email";
import { hashSecret } from "./passwords";
import { authenticateToken, tokenLookupsFor } from "./token-checks";
import { reportLeakedTokens, type LeakNotifier } from "./token-leaks";
import { generateTokenSecret } from "./token-secrets";
import { revokeToken } from "./tokens";

const db = setUpTestDatabase();
const day = 24 * 60 * 60 * 1000;

async function tokenRow(id: string) {
  const [row] = await db.select().from(accessTokens).where(eq(accessTokens.id, id));
  if (!row) throw new Error(`No token ${id}.`);
  return row;
}


function bearer(secret: string): Headers {
  return new Headers({ authorization: `Bearer ${secret}`, [clientAddressHeader]: testOrigin.ipAddress });
}

/** The actor the API would see for these headers (what createRequestContext does before the session cookie). */
async function apiActor(headers: Headers): Promise<Actor> {
  const actor = await actorFromCredentialHeaders(db, headers);
  if (!actor) throw new Error("The headers carried no credentials.");
  return actor;
}

describe("secrets", () => {
  it("are granary- and 43 base62 characters, drawn from the whole alphabet", () => {
    const secrets = Array.from({ length: 300 }, generateTokenSecret);
    for (const secret of secrets) expect(secret).toMatch(/^granary-[A-Za-z0-9]{43}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
    const characters = new Set(secrets.flatMap((secret) => [...secret.slice("granary-".length)]));
    expect(characters.size).toBe(62);
  });

  it("are shown once and stored only as their SHA-256", async () => {
    const user = await createUser(db);
    const { token, secret } = await callerFor(user.actor).tokens.create({ name: "ci", scopes: ["conda:download"] });
    const row = await tokenRow(token.id);
    expect(row.secretHash).toBe(hashSecret(secret));
    expect(JSON.stringify(row)).not.toContain(secret.slice("granary-".length));
    const { items } = await callerFor(user.actor).tokens.list();
    expect(JSON.stringify(items)).not.toContain(secret.slice("granary-".length));
    expect(JSON.stringify(items)).not.toContain(row.secretHash);
  });
});

describe("creating tokens", () => {
  it("defaults to one year, takes a chosen lifetime, and refuses lifetimes out of range on the field", async () => {
    const user = await createUser(db);
    const api = callerFor(user.actor);
    const before = Date.now();
    const { token } = await api.tokens.create({ name: "default", scopes: ["repos"] });
    expect(token.expiresAt.getTime() - before).toBeGreaterThanOrEqual(365 * day - 1000);
    expect(token.expiresAt.getTime() - before).toBeLessThan(365 * day + 60_000);
    expect(token).toMatchObject({ name: "default", scopes: ["repos"], channel: null, status: "active", lastUsedAt: null, revokedAt: null });
    const short = await api.tokens.create({ name: "short", scopes: ["repos"], expiresInDays: 7 });
    expect(Math.round((short.token.expiresAt.getTime() - short.token.createdAt.getTime()) / day)).toBe(7);
    const long = await api.tokens.create({ name: "long", scopes: ["repos"], expiresInDays: 3650 });
    expect(Math.round((long.token.expiresAt.getTime() - long.token.createdAt.getTime()) / day)).toBe(3650);
    for (const expiresInDays of [0, 3651, 1.5]) {
      const failure = await failureOf(api.tokens.create({ name: `bad-${expiresInDays}`, scopes: ["repos"], expiresInDays }));
      expect(failure.code).toBe("BAD_REQUEST");
      expect(failure.fieldErrors).toHaveProperty("expiresInDays");
    }
  });

  it("refuses unknown scopes, no scopes and unknown channels on their fields", async () => {
    const user = await createUser(db);
    const api = callerFor(user.actor);
    const unknown = await failureOf(api.tokens.create({ name: "x", scopes: ["conda:download", "everything"] }));
    expect(unknown.code).toBe("BAD_REQUEST");
    expect(unknown.fieldErrors?.scopes).toContain("everything");
    expect((await failureOf(api.tokens.create({ name: "x", scopes: [] }))).fieldErrors).toHaveProperty("scopes");
    const channel = await failureOf(api.tokens.create({ name: "x", scopes: ["repos"], channel: "nobody-here" }));
    expect(channel.code).toBe("BAD_REQUEST");
    expect(channel.fieldErrors?.channel).toContain("nobody-here");
    expect((await failureOf(api.tokens.create({ name: " ", scopes: ["repos"] }))).fieldErrors).toHaveProperty("name");
    expect((await failureOf(api.tokens.create({ name: "nul\u0000", scopes: ["repos"] }))).fieldErrors).toHaveProperty("name");
    expect((await failureOf(api.tokens.create({ name: "x", scopes: ["repos"], channel: "a\u0000b" }))).fieldErrors).toHaveProperty("channel");
    expect((await failureOf(api.tokens.create({ name: "x", scopes: ["repos\u0000"] }))).fieldErrors).toHaveProperty("scopes");
    expect(await db.select().from(accessTokens)).toEqual([]);
  });

  it("keeps names unique among live tokens only, whatever their case", async () => {
    const user = await createUser(db);
    const api = callerFor(user.actor);
    const first = await api.tokens.create({ name: "deploy", scopes: ["repos"] });
    const duplicate = await failureOf(api.tokens.create({ name: "Deploy", scopes: ["conda"] }));
    expect(duplicate.code).toBe("CONFLICT");
    expect(duplicate.fieldErrors?.name).toContain("Deploy");
    // Another account may use the name.
    await expect(callerFor((await createUser(db)).actor).tokens.create({ name: "deploy", scopes: ["repos"] })).resolves.toBeDefined();

    await api.tokens.revoke({ id: first.token.id });
    const second = await api.tokens.create({ name: "deploy", scopes: ["repos"] });
    // An expired token gives its name up to a new one and stays listed as expired.
    await db.update(accessTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(accessTokens.id, second.token.id));
    const third = await api.tokens.create({ name: "deploy", scopes: ["repos"] });
    const { items } = await api.tokens.list();
    expect(items.map((token) => [token.id, token.status])).toEqual([
      [third.token.id, "active"],
      [second.token.id, "expired"],
      [first.token.id, "revoked"],
    ]);
  });

  it("restricts a token to a channel by owner name", async () => {
    const user = await createUser(db, { username: "builder" });
    await createUser(db, { username: "Team-Channel" });
    const { token } = await callerFor(user.actor).tokens.create({ name: "team", scopes: ["conda:download"], channel: "team-channel" });
    expect(token.channel).toBe("Team-Channel");
    expect((await callerFor(user.actor).tokens.list()).items[0]).toMatchObject({ name: "team", channel: "Team-Channel" });
  });

  it("e-mails the account and records the creation, without the secret", async () => {
    const user = await createUser(db);
    const { token, secret } = await callerFor(user.actor).tokens.create({ name: "laptop", scopes: ["pypi", "conda"] });
    const mail = await onlyEmailTo(db, user.email);
    expect(mail.template).toBe("tokenCreated");
    expect(mail.subject).toContain("laptop");
    expect(mail.text).toContain("pypi, conda");
    expect(mail.text).toContain(testOrigin.ipAddress);
    expect(mail.text).toContain(`http://granary.test/${user.username}/settings/access`);
    expect(`${mail.text}${mail.html}`).not.toContain(secret);
    const [event] = await recordedAuditEvents(db, { action: "token.created" });
    expect(event).toMatchObject({
      actorUserId: user.id,
      targetType: "access_token",
      targetId: token.id,
      targetLabel: "laptop",
      subjectUserId: user.id,
      ipAddress: testOrigin.ipAddress,
      details: { scopes: ["pypi", "conda"], channel: null },
    });
  });

  it("lists the scope table for the token page", async () => {
    const scopes = await callerFor(anonymous()).tokens.scopes();
    expect(scopes.map((entry) => entry.scope)).toEqual([...tokenScopeNames]);
    expect(scopes.find((entry) => entry.scope === "pypi:upload")).toEqual({
      scope: "pypi:upload",
      description: "Uploads of Python distributions to PyPI indexes (with twine or the upload API)",
      permissions: ["pypi:upload"],
    });
  });
});

describe("tokens minted by tokens", () => {
  it("need all or api:write, and only get scopes within the caller's own", async () => {
    const user = await createUser(db);
    const readOnly = await createAccessToken(db, user, { scopes: ["api:read"] });
    const readOnlyFailure = await failureOf(callerFor(await apiActor(bearer(readOnly.secret))).tokens.create({ name: "n", scopes: ["api:read"] }));
    expect(readOnlyFailure.code).toBe("FORBIDDEN");

    const writer = callerFor(await apiActor(bearer((await createAccessToken(db, user, { scopes: ["api:write"] })).secret)));
    const broader = await failureOf(writer.tokens.create({ name: "n", scopes: ["conda:download"] }));
    expect(broader.code).toBe("FORBIDDEN");
    expect(broader.fieldErrors?.scopes).toContain("conda:download");
    expect((await failureOf(writer.tokens.create({ name: "n", scopes: ["all"] }))).code).toBe("FORBIDDEN");
    await expect(writer.tokens.create({ name: "n", scopes: ["api:write"] })).resolves.toBeDefined();

    const everything = callerFor(await apiActor(bearer((await createAccessToken(db, user, { scopes: ["all"] })).secret)));
    await expect(everything.tokens.create({ name: "narrow", scopes: ["conda", "pypi:download", "api"] })).resolves.toBeDefined();
    await expect(everything.tokens.create({ name: "same", scopes: ["all"] })).resolves.toBeDefined();
    // Scopes compare by what they grant: api is api:read and api:write.
    const api = callerFor(await apiActor(bearer((await createAccessToken(db, user, { scopes: ["api"] })).secret)));
    await expect(api.tokens.create({ name: "reader", scopes: ["api:read"] })).resolves.toBeDefined();
  });

  it("keep the caller's channel restriction", async () => {
    const user = await createUser(db);
    const channel = await createUser(db, { username: "restricted-channel" });
    await createUser(db, { username: "other-channel" });
    const restricted = callerFor(await apiActor(bearer((await createAccessToken(db, user, { scopes: ["all"], channelOwnerId: channel.id })).secret)));
    expect((await failureOf(restricted.tokens.create({ name: "a", scopes: ["repos"] }))).fieldErrors).toHaveProperty("channel");
    expect((await failureOf(restricted.tokens.create({ name: "b", scopes: ["repos"], channel: "other-channel" }))).code).toBe("FORBIDDEN");
    const { token } = await restricted.tokens.create({ name: "c", scopes: ["repos"], channel: "restricted-channel" });
    expect(token.channel).toBe("restricted-channel");
  });

  it("never gain session-only powers", async () => {
    const user = await createUser(db);
    const everything = callerFor(await apiActor(bearer((await createAccessToken(db, user, { scopes: ["all"] })).secret)));
    const password = { currentPassword: knownPassword, newPassword: "another password", newPasswordConfirmation: "another password" };
    expect((await failureOf(everything.account.changePassword(password))).code).toBe("FORBIDDEN");
    expect((await failureOf(everything.account.requestEmailChange({ email: "new@example.test", currentPassword: knownPassword }))).code).toBe("FORBIDDEN");
    expect((await failureOf(everything.account.delete({ confirmation: user.username, currentPassword: knownPassword }))).code).toBe("FORBIDDEN");
    expect((await failureOf(everything.account.signOut())).code).toBe("FORBIDDEN");
    expect((await failureOf(everything.account.signIn({ login: user.username, password: knownPassword }))).code).toBe("FORBIDDEN");
  });
});

describe("revoking and regenerating", () => {
  it("revokes by id or by name; other accounts' tokens do not exist; revoking twice is fine", async () => {
    const user = await createUser(db);
    const other = await createUser(db);
    const api = callerFor(user.actor);
    const byId = await api.tokens.create({ name: "one", scopes: ["repos"] });
    await api.tokens.create({ name: "two", scopes: ["repos"] });
    const theirs = await createAccessToken(db, other, { name: "theirs" });
    expect(await api.tokens.revoke({ id: byId.token.id })).toEqual({ ok: true });
    expect(await api.tokens.revoke({ id: byId.token.id })).toEqual({ ok: true });
    expect(await api.tokens.revoke({ name: "TWO" })).toEqual({ ok: true });
    expect((await failureOf(api.tokens.revoke({ id: theirs.id }))).code).toBe("NOT_FOUND");
    expect((await failureOf(api.tokens.revoke({ name: "theirs" }))).code).toBe("NOT_FOUND");
    expect((await failureOf(api.tokens.revoke({ id: "not-a-uuid" }))).code).toBe("NOT_FOUND");
    expect((await failureOf(api.tokens.revoke({ id: "00000000-0000-4000-8000-000000000000" }))).code).toBe("NOT_FOUND");
    expect((await failureOf(api.tokens.revoke({}))).code).toBe("BAD_REQUEST");
    expect((await failureOf(api.tokens.revoke({ id: byId.token.id, name: "one" }))).code).toBe("BAD_REQUEST");
    expect((await tokenRow(theirs.id)).revokedAt).toBeNull();
    const revoked = await recordedAuditEvents(db, { action: "token.revoked" });
    expect(revoked.map((event) => event.targetLabel)).toEqual(["one", "two"]);
    expect(revoked[0]).toMatchObject({ actorUserId: user.id, subjectUserId: user.id, details: { reason: "revoked" } });
  });

  it("regenerates in one step: same name, scopes, channel and lifetime, a new secret, the old one dead", async () => {
    const user = await createUser(db);
    await createUser(db, { username: "regen-channel" });
    const api = callerFor(user.actor);
    const old = await api.tokens.create({ name: "rotate me", scopes: ["conda", "pypi:upload"], channel: "regen-channel", expiresInDays: 30 });
    const fresh = await api.tokens.regenerate({ id: old.token.id });
    expect(fresh.secret).not.toBe(old.secret);
    expect(fresh.token).toMatchObject({ name: "rotate me", scopes: ["conda", "pypi:upload"], channel: "regen-channel", status: "active" });
    expect(Math.round((fresh.token.expiresAt.getTime() - fresh.token.createdAt.getTime()) / day)).toBe(30);
    expect(await unauthorizedMessage(apiActor(bearer(old.secret)))).toContain("revoked");
    expect((await apiActor(bearer(fresh.secret))).kind).toBe("user");
    expect(await tokenRow(old.token.id)).toMatchObject({ revokedReason: "regenerated" });
    // The revocation and the new token share a transaction, so their order in the trail is not fixed.
    const actions = (await recordedAuditEvents(db)).filter((event) => event.action.startsWith("token.")).map((event) => event.action);
    expect(actions.sort()).toEqual(["token.created", "token.created", "token.revoked", "token.used_from_new_ip"]);
    expect((await sentEmails(db, { to: user.email })).map((mail) => mail.template)).toEqual(["tokenCreated", "tokenCreated"]);
    expect((await failureOf(api.tokens.regenerate({ id: old.token.id }))).code).toBe("PRECONDITION_FAILED");
    expect((await failureOf(callerFor((await createUser(db)).actor).tokens.regenerate({ id: fresh.token.id }))).code).toBe("NOT_FOUND");
  });

  it("lets a token regenerate itself only within its own scopes", async () => {
    const user = await createUser(db);
    const wide = await createAccessToken(db, user, { scopes: ["all"] });
    const writer = callerFor(await apiActor(bearer((await createAccessToken(db, user, { scopes: ["api:write"] })).secret)));
    expect((await failureOf(writer.tokens.regenerate({ id: wide.id }))).code).toBe("FORBIDDEN");
    expect((await tokenRow(wide.id)).revokedAt).toBeNull();
  });
});

describe("checking a token on each request", () => {
  it("accepts Bearer, X-API-Key, the path header and Basic with __token__ or the owner's name", async () => {
    const user = await createUser(db, { username: "Checker", email: "checker@example.test" });
    const { secret } = await createAccessToken(db, user, { name: "cli", scopes: ["api:read"] });
    const basic = (login: string, password: string) => new Headers({ authorization: `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}` });
    for (const headers of [
      bearer(secret),
      new Headers({ "x-api-key": secret }),
      new Headers({ "x-granary-path-token": secret }),
      basic("__token__", secret),
      basic("checker", secret),
      basic("Checker@example.test", secret),
    ]) {
      const actor = await apiActor(headers);
      expect(actor).toMatchObject({ kind: "user", user: { username: "Checker" }, via: "token", token: { name: "cli", scopes: ["api:read"] } });
    }
    expect(await unauthorizedMessage(apiActor(basic("someone-else", secret)))).toContain("another account");
    expect(await unauthorizedMessage(apiActor(bearer("granary-" + "x".repeat(43))))).toContain("not valid");
    expect(await unauthorizedMessage(apiActor(bearer("not a token")))).toContain("not valid");
    expect(await unauthorizedMessage(apiActor(new Headers({ authorization: "Digest abc" })))).toContain("Digest");
    expect(await actorFromCredentialHeaders(db, new Headers())).toBeNull();
  });

  it("accepts Basic username and password for the API (how the CLI logs in), but not from another site's page", async () => {
    const user = await createUser(db, { username: "cli-user" });
    const basic = `Basic ${Buffer.from(`cli-user:${knownPassword}`).toString("base64")}`;
    const actor = await apiActor(new Headers({ authorization: basic }));
    expect(actor).toMatchObject({ kind: "user", user: { id: user.id }, via: "password" });
    expect(actor.kind === "user" && actor.token).toBeFalsy();
    const minted = await callerFor(actor).tokens.create({ name: "login", scopes: ["all"] });
    expect(minted.secret).toMatch(/^granary-/);
    expect(await unauthorizedMessage(apiActor(new Headers({ authorization: `Basic ${Buffer.from("cli-user:wrong password").toString("base64")}` })))).toContain(
      "not right",
    );
    expect(await unauthorizedMessage(apiActor(new Headers({ authorization: basic, "sec-fetch-site": "cross-site" })))).toContain("another site");
  });

  it("answers whoami with how the caller signed in", async () => {
    const user = await createUser(db, { username: "whoami-user", name: "Who Am I" });
    await createUser(db, { username: "whoami-channel" });
    expect(await callerFor(user.actor).account.whoami()).toEqual({
      username: "whoami-user",
      email: user.email,
      name: "Who Am I",
      isSiteAdmin: false,
      via: "session",
      token: null,
    });
    const { token, secret } = await callerFor(user.actor).tokens.create({ name: "scripts", scopes: ["api:read"], channel: "whoami-channel" });
    expect(await callerFor(await apiActor(bearer(secret))).account.whoami()).toMatchObject({
      username: "whoami-user",
      via: "token",
      token: { name: "scripts", scopes: ["api:read"], channel: "whoami-channel", expiresAt: token.expiresAt },
    });
    const basic = `Basic ${Buffer.from(`whoami-user:${knownPassword}`).toString("base64")}`;
    expect(await callerFor(await apiActor(new Headers({ authorization: basic }))).account.whoami()).toMatchObject({ via: "password", token: null });
    const conda = await createAccessToken(db, user, { scopes: ["conda:download"] });
    expect((await failureOf(callerFor(await apiActor(bearer(conda.secret))).account.whoami())).code).toBe("FORBIDDEN");
  });

  it("refuses a revoked or expired token on the very next request, and a deactivated account's", async () => {
    const user = await createUser(db);
    const { token, secret } = await callerFor(user.actor).tokens.create({ name: "short-lived", scopes: ["api"] });
    const viaToken = callerFor(await apiActor(bearer(secret)));
    await expect(viaToken.tokens.list()).resolves.toBeDefined();
    await callerFor(user.actor).tokens.revoke({ id: token.id });
    expect(await unauthorizedMessage(apiActor(bearer(secret)))).toBe("The access token short-lived has been revoked. Create a new one.");

    const expiring = await callerFor(user.actor).tokens.create({ name: "expiring", scopes: ["api"] });
    await apiActor(bearer(expiring.secret));
    await db.update(accessTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(accessTokens.id, expiring.token.id));
    expect(await unauthorizedMessage(apiActor(bearer(expiring.secret)))).toMatch(/^The access token expiring expired on \d{4}-\d{2}-\d{2}\./);

    const deactivated = await createDeactivatedUser(db);
    const theirs = await createAccessToken(db, deactivated);
    expect(await unauthorizedMessage(apiActor(bearer(theirs.secret)))).toContain("deactivated");
  });

  it("records an expiry once, when the expired token is first presented or the owner lists tokens", async () => {
    const user = await createUser(db);
    const presented = await createAccessToken(db, user, { name: "presented", expired: true });
    const listed = await createAccessToken(db, user, { name: "listed", expired: true });
    await unauthorizedMessage(authenticateToken(db, presented.secret, { ipAddress: "198.51.100.20", userAgent: "pip" }));
    await unauthorizedMessage(authenticateToken(db, presented.secret, { ipAddress: "198.51.100.20", userAgent: "pip" }));
    const expiries = await recordedAuditEvents(db, { action: "token.expired" });
    expect(expiries).toHaveLength(1);
    expect(expiries[0]).toMatchObject({ targetId: presented.id, subjectUserId: user.id, actorLabel: "anonymous", ipAddress: "198.51.100.20" });
    await callerFor(user.actor).tokens.list();
    await callerFor(user.actor).tokens.list();
    expect((await recordedAuditEvents(db, { action: "token.expired" })).map((event) => event.targetId)).toEqual([presented.id, listed.id]);
  });

  it("records use from each new address once, and writes last use at most once a minute", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    const home = { ipAddress: "198.51.100.1", userAgent: "conda" };
    const office = { ipAddress: "198.51.100.2", userAgent: "pip" };
    const start = new Date();
    await authenticateToken(db, token.secret, home, { now: start });
    await authenticateToken(db, token.secret, home, { now: new Date(start.getTime() + 30_000) });
    expect(await tokenRow(token.id)).toMatchObject({ lastUsedAt: start, lastUsedIp: home.ipAddress, seenIps: [home.ipAddress] });
    const later = new Date(start.getTime() + 90_000);
    await authenticateToken(db, token.secret, home, { now: later });
    expect((await tokenRow(token.id)).lastUsedAt).toEqual(later);

    await authenticateToken(db, token.secret, office, { now: later });
    await authenticateToken(db, token.secret, home, { now: later });
    await Promise.all([1, 2, 3].map(() => authenticateToken(db, token.secret, { ipAddress: "198.51.100.3", userAgent: "pip" }, { now: later })));
    expect(await tokenRow(token.id)).toMatchObject({ seenIps: [home.ipAddress, office.ipAddress, "198.51.100.3"] });
    const uses = await recordedAuditEvents(db, { action: "token.used_from_new_ip" });
    expect(uses.map((event) => event.ipAddress)).toEqual([home.ipAddress, office.ipAddress, "198.51.100.3"]);
    expect(uses[0]).toMatchObject({ actorUserId: user.id, targetId: token.id, subjectUserId: user.id, details: { ipAddress: home.ipAddress } });
    expect(uses[0]!.actorLabel).toBe(`${user.username} (token ${token.name})`);
  });

  it("looks every request up in the database, sharing one query between requests that arrive together", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    const other = await createAccessToken(db, user);
    await authenticateToken(db, token.secret, testOrigin);
    await authenticateToken(db, other.secret, testOrigin);
    const lookups = tokenLookupsFor(db);
    const before = lookups.queries;
    const checks = await Promise.all(Array.from({ length: 30 }, (_, index) => authenticateToken(db, (index % 2 ? token : other).secret, testOrigin)));
    expect(checks.every((actor) => actor.kind === "user")).toBe(true);
    expect(lookups.queries - before).toBeLessThanOrEqual(2);

    // Nothing is remembered: the check right after a revocation makes its own query and sees it.
    await revokeToken(db, user.actor, { id: token.id });
    expect(await unauthorizedMessage(authenticateToken(db, token.secret, testOrigin))).toContain("revoked");
    expect(lookups.queries - before).toBeGreaterThanOrEqual(2);
  });

  it("has requests that arrive during a lookup wait for the next one, which they share", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    await authenticateToken(db, token.secret, testOrigin);
    const lookups = tokenLookupsFor(db);
    const before = lookups.queries;
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    // Another transaction's lock holds the first lookup in flight for as long as the test needs.
    const release = await lockTable(db, accessTokens);
    let first: Actor | Promise<Actor>;
    const later: (Actor | Promise<Actor>)[] = [];
    try {
      first = authenticateToken(db, token.secret, testOrigin);
      await nextTurn();
      expect(lookups.queries - before).toBe(1);

      // Requests arriving over several turns of the event loop while it is in flight start no query of their own.
      for (let turn = 0; turn < 5; turn++) {
        later.push(...Array.from({ length: 4 }, () => authenticateToken(db, token.secret, testOrigin)));
        await nextTurn();
      }
      expect(lookups.queries - before).toBe(1);
    } finally {
      await release();
    }
    expect((await first).kind).toBe("user");
    expect((await Promise.all(later)).every((actor) => actor.kind === "user")).toBe(true);
    expect(lookups.queries - before).toBe(2);
  });

  it("marks what a token does in the audit trail with the token", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user, { name: "auditor", scopes: ["api:write"] });
    await callerFor(await apiActor(bearer(token.secret))).tokens.create({ name: "child", scopes: ["api:write"] });
    const [created] = await recordedAuditEvents(db, { action: "token.created" });
    expect(created).toMatchObject({ actorLabel: `${user.username} (token auditor)`, details: { token: { id: token.id, name: "auditor" } } });
  });
});

describe("leak reports", () => {
  it("revoke reported live tokens, e-mail and audit, and answer only with counts", async () => {
    const user = await createUser(db);
    const admin = await createSiteAdmin(db);
    const leaked = await createAccessToken(db, user, { name: "leaky" });
    const safe = await createAccessToken(db, user, { name: "safe" });
    const alreadyRevoked = await createAccessToken(db, admin, { revoked: true });
    const reporter = { ipAddress: "192.0.2.50", userAgent: "GitHub-Secret-Scanning" };
    const answer = await reportLeakedTokens(db, reporter, [
      { token: leaked.secret, url: "https://github.com/someone/repo/blob/main/.condarc", source: "github" },
      { token: leaked.secret },
      { token: alreadyRevoked.secret },
      { token: generateTokenSecret() },
      { token: "not even a token" },
    ]);
    expect(answer).toEqual({ received: 5, revoked: 1 });
    // A token that never existed, one already revoked and one just revoked all count as nothing now.
    expect(await reportLeakedTokens(db, reporter, [{ token: generateTokenSecret() }, { token: alreadyRevoked.secret }, { token: leaked.secret }])).toEqual({
      received: 3,
      revoked: 0,
    });
    expect(await tokenRow(leaked.id)).toMatchObject({ revokedReason: "leaked", holdsName: false });
    expect((await tokenRow(safe.id)).revokedAt).toBeNull();
    expect(await unauthorizedMessage(authenticateToken(db, leaked.secret, testOrigin))).toContain("revoked");

    const [event] = await recordedAuditEvents(db, { action: "token.leak_reported" });
    expect(event).toMatchObject({
      actorUserId: null,
      ipAddress: reporter.ipAddress,
      targetId: leaked.id,
      subjectUserId: user.id,
      details: { url: "https://github.com/someone/repo/blob/main/.condarc", source: "github" },
    });
    expect(await db.select().from(auditEvents).where(eq(auditEvents.action, "token.leak_reported"))).toHaveLength(1);
    const mail = await onlyEmailTo(db, user.email);
    expect(mail.template).toBe("tokenLeaked");
    expect(mail.text).toContain("leaky");
    expect(mail.text).toContain("https://github.com/someone/repo/blob/main/.condarc");
    expect(await sentEmails(db, { to: admin.email })).toEqual([]);
  });

  it("revoke every live token of a batch and tell each owner once, listing their tokens", async () => {
    const alice = await createUser(db);
    const bob = await createUser(db);
    const alices = await Promise.all(["ci-one", "ci-two", "laptop"].map((name) => createAccessToken(db, alice, { name })));
    const bobs = await createAccessToken(db, bob, { name: "bobs-build" });
    const answer = await reportLeakedTokens(db, testOrigin, [
      ...alices.map((token) => ({ token: token.secret, url: `https://example.org/paste/${token.name}`, source: "paste" })),
      { token: bobs.secret },
      { token: generateTokenSecret() },
    ]);
    expect(answer).toEqual({ received: 5, revoked: 4 });
    for (const token of [...alices, bobs]) {
      expect((await tokenRow(token.id)).revokedReason).toBe("leaked");
      expect(await unauthorizedMessage(authenticateToken(db, token.secret, testOrigin))).toContain("revoked");
    }
    const toAlice = await onlyEmailTo(db, alice.email);
    expect(toAlice.subject).toBe("3 of your Granary access tokens were found in public and revoked");
    for (const token of alices) {
      expect(toAlice.text).toContain(token.name);
      expect(toAlice.text).toContain(`https://example.org/paste/${token.name}`);
    }
    expect((await onlyEmailTo(db, bob.email)).subject).toBe("Your Granary access token bobs-build was found in public and revoked");
    expect(await recordedAuditEvents(db, { action: "token.leak_reported" })).toHaveLength(4);
  });

  it("revoke a whole report in one transaction", async () => {
    const user = await createUser(db);
    const tokens = await Promise.all(Array.from({ length: maxLeakReportEntries }, (_, index) => createAccessToken(db, user, { name: `batch-${index}` })));
    expect(await reportLeakedTokens(db, testOrigin, tokens.map((token) => ({ token: token.secret })))).toEqual({
      received: maxLeakReportEntries,
      revoked: maxLeakReportEntries,
    });
    const events = await recordedAuditEvents(db, { action: "token.leak_reported" });
    expect(events).toHaveLength(maxLeakReportEntries);
    // The audit trail's times are the database's now(), the start of the transaction that wrote them.
    expect(new Set(events.map((event) => event.createdAt.toISOString())).size).toBe(1);
    expect(await sentEmails(db, { to: user.email })).toHaveLength(1);
  });

  it("keep every revocation when telling an owner fails, and record the failure", async () => {
    const owners = await Promise.all([createUser(db), createUser(db), createUser(db)]);
    const tokens = await Promise.all(owners.map((owner) => createAccessToken(db, owner)));
    const failing: LeakNotifier = {
      sendEmail: async (database, message, transport) => {
        if (message.to === owners[0]!.email) throw new TypeError("dispatcher.getOwner is not a function");
        return sendEmail(database, message, transport);
      },
    };
    expect(await reportLeakedTokens(db, testOrigin, tokens.map((token) => ({ token: token.secret })), failing)).toEqual({ received: 3, revoked: 3 });
    for (const token of tokens) expect((await tokenRow(token.id)).revokedReason).toBe("leaked");
    expect(await sentEmails(db, { to: owners[0]!.email })).toEqual([]);
    for (const owner of owners.slice(1)) expect((await onlyEmailTo(db, owner.email)).template).toBe("tokenLeaked");
    const recorded = await db.select().from(exceptions);
    expect(recorded.map((row) => row.message)).toEqual(["dispatcher.getOwner is not a function"]);
  });

  it("keeps what strangers write printable", async () => {
    const user = await createUser(db);
    const leaked = await createAccessToken(db, user);
    await reportLeakedTokens(db, testOrigin, [{ token: leaked.secret, url: "https://example.org/\u0000x", source: "bot\u0007" }]);
    const [event] = await recordedAuditEvents(db, { action: "token.leak_reported" });
    expect(event?.details).toEqual({ url: "https://example.org/ x", source: "bot" });
  });

  it("refuses what is not a report, and reports of more than the limit", async () => {
    await expect(reportLeakedTokens(db, testOrigin, { token: "granary-x" })).rejects.toThrow();
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    const tooMany = [{ token: token.secret }, ...Array.from({ length: maxLeakReportEntries }, () => ({ token: generateTokenSecret() }))];
    await expect(reportLeakedTokens(db, testOrigin, tooMany)).rejects.toThrow(`Report at most ${maxLeakReportEntries} tokens at a time.`);
    expect((await tokenRow(token.id)).revokedAt).toBeNull();
  });
});
