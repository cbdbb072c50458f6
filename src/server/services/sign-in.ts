/**
 * Checking a username-or-e-mail and password, for the sign-in form (which starts a session) and for the HTTP Basic
 * credentials package clients and scripts send with their requests (each one a password use, bookkept like a
 * token use rather than as a sign-in), and the session check made on every request.
 *
 * Throttling is what OWASP's credential-stuffing guidance and the large sites (GitHub, Okta) do instead of locking
 * accounts, which would let anyone lock anyone out: failures are counted over a sliding window per client address,
 * per account from that address, and per account from everywhere. The first two refuse further attempts from
 * that address, the attacker's, even with the right password, until the window moves on. The account-wide count
 * only slows every check of the account down, by a delay that doubles with each further failure up to a bound:
 * it never refuses, so the right password from an address that has not been failing always gets in.
 *
 * With accounts from an LDAP directory (Admin → General), the password is checked by binding there instead
 * (ldap-accounts.ts), under the same throttle; only break-glass accounts keep checking their local password.
 *
 * Browser sessions, opened after a sign-in through the form, are sessions.ts's.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { and, eq, gt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { signInSchema } from "@/shared/schemas/account";
import { assertCan, userActor, type Actor, type ActorUser, type AuthenticationMethod } from "../authz";
import { throttlingAddress } from "../client-address";
import type { Db } from "../db";
import { signInFailures, users } from "../db/schema";
import { AppError } from "../errors";
import { attemptedAccount, findByLogin, toActorUser, unknownLoginDigest, type SessionGrant, type UserRow } from "./account-records";
import { recordAudit } from "./audit";
import { wrongCredentialsMessage } from "./authorization-header";
import { checkDirectoryCredentials } from "./ldap-accounts";
import { loadDirectoryConfig } from "./ldap-settings";
import { verifyDecoyPassword, verifyPassword } from "./passwords";

// ---------------------------------------------------------------------------------------------- throttling

/**
 * Failures count against the account whichever name it was addressed by (username or e-mail, any case), and
 * against a keyed hash of the name when no account matches, so probing unknown names is throttled the same way
 * without keeping what was typed (people type passwords into the username field).
 */
export function signInFailureKey(user: UserRow | undefined, login: string): string {
  return user ? `account:${user.id}` : `login:${unknownLoginDigest(login)}`;
}

function windowMilliseconds(): number {
  return env.SIGN_IN_WINDOW_MINUTES * 60 * 1000;
}

interface FailureCounts {
  /** From this address, whatever the account. */
  fromAddress: number;
  oldestFromAddress: Date | null;
  /** For this account (or unknown name) from this address. */
  forAccountFromAddress: number;
  oldestForAccountFromAddress: Date | null;
  /** For this account from every address. */
  forAccount: number;
}

/** The three counts in one query over both indexes. */
async function countFailures(db: Db, loginKey: string, address: string): Promise<FailureCounts> {
  const fromAddress = sql`${signInFailures.ipAddress} = ${address}`;
  const forAccountFromAddress = sql`${signInFailures.loginKey} = ${loginKey} and ${signInFailures.ipAddress} = ${address}`;
  const [row] = await db
    .select({
      fromAddress: sql<number>`count(*) filter (where ${fromAddress})`.mapWith(Number),
      oldestFromAddress: sql<string | null>`min(${signInFailures.createdAt}) filter (where ${fromAddress})`,
      forAccountFromAddress: sql<number>`count(*) filter (where ${forAccountFromAddress})`.mapWith(Number),
      oldestForAccountFromAddress: sql<string | null>`min(${signInFailures.createdAt}) filter (where ${forAccountFromAddress})`,
      forAccount: sql<number>`count(*) filter (where ${signInFailures.loginKey} = ${loginKey})`.mapWith(Number),
    })
    .from(signInFailures)
    .where(
      and(
        gt(signInFailures.createdAt, new Date(Date.now() - windowMilliseconds())),
        or(eq(signInFailures.ipAddress, address), eq(signInFailures.loginKey, loginKey)),
      ),
    );
  const asDate = (value: string | Date | null | undefined) => (value ? new Date(value) : null);
  return {
    fromAddress: row?.fromAddress ?? 0,
    oldestFromAddress: asDate(row?.oldestFromAddress),
    forAccountFromAddress: row?.forAccountFromAddress ?? 0,
    oldestForAccountFromAddress: asDate(row?.oldestForAccountFromAddress),
    forAccount: row?.forAccount ?? 0,
  };
}

function minutesUntilRetry(oldestFailure: Date | null): number {
  if (!oldestFailure) return env.SIGN_IN_WINDOW_MINUTES;
  return Math.max(1, Math.ceil((oldestFailure.getTime() + windowMilliseconds() - Date.now()) / 60_000));
}

const minutes = (count: number) => `${count} minute${count === 1 ? "" : "s"}`;

/**
 * How long a check of an account waits after this many failures for it from everywhere in the window: nothing
 * up to SIGN_IN_DELAY_AFTER_ACCOUNT_FAILURES, then one second, doubling with each further failure, never more
 * than SIGN_IN_MAX_DELAY_SECONDS.
 */
export function accountDelayMilliseconds(accountFailures: number): number {
  const beyond = accountFailures - env.SIGN_IN_DELAY_AFTER_ACCOUNT_FAILURES;
  if (beyond < 0) return 0;
  return Math.min(1000 * 2 ** Math.min(beyond, 30), env.SIGN_IN_MAX_DELAY_SECONDS * 1000);
}

export interface PasswordCheckOptions {
  /** How the account-wide delay is waited out; tests record it instead of waiting. */
  pause?: (milliseconds: number) => Promise<unknown>;
}

type PasswordMethod = Exclude<AuthenticationMethod, "token">;

/** The attempt running or last queued for each client address in this process. */
const attemptsByAddress = new Map<string, Promise<unknown>>();

/**
 * Runs the attempts from one address one after another, so each sees the failures of those before it: a burst of
 * parallel guesses cannot all slip under a limit, and an address trying many at once waits for each in turn.
 * Nothing is held meanwhile but a promise (no connection, no lock). With several app servers, each keeps its own.
 */
async function oneAtATimeFrom<T>(address: string, attempt: () => Promise<T>): Promise<T> {
  const previous = attemptsByAddress.get(address) ?? Promise.resolve();
  const current = previous.then(attempt, attempt);
  const settled = current.catch(() => undefined);
  attemptsByAddress.set(address, settled);
  try {
    return await current;
  } finally {
    if (attemptsByAddress.get(address) === settled) attemptsByAddress.delete(address);
  }
}

/** Checks the credentials under the throttle and returns the active account they name. */
async function verifyCredentials(
  db: Db,
  actor: Actor,
  input: z.infer<typeof signInSchema>,
  method: PasswordMethod,
  options: PasswordCheckOptions,
): Promise<{ user: UserRow; checkedBy: "directory" | "local_password" }> {
  const address = throttlingAddress(actor.origin.ipAddress);
  const user = await findByLogin(db, input.login);
  // With accounts from a directory, only the break-glass accounts check a local password.
  const directory = user?.keepsLocalPassword ? null : await loadDirectoryConfig(db);
  const loginKey = signInFailureKey(user, input.login);
  const account = attemptedAccount(user, input.login);

  return oneAtATimeFrom(address, async () => {
    const counts = await countFailures(db, loginKey, address);
    const refusal =
      counts.fromAddress >= env.SIGN_IN_MAX_FAILURES_PER_IP
        ? {
            reason: "address",
            failures: counts.fromAddress,
            message: `Too many failed sign-in attempts from this address. Wait ${minutes(minutesUntilRetry(counts.oldestFromAddress))} before trying again.`,
          }
        : counts.forAccountFromAddress >= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP
          ? {
              reason: "account_from_address",
              failures: counts.forAccountFromAddress,
              message: `Too many failed sign-in attempts for this account from this address. Wait ${minutes(minutesUntilRetry(counts.oldestForAccountFromAddress))} before trying again, or reset your password.`,
            }
          : null;
    if (refusal) {
      // A refused attempt checks no password, so it is not a failure: it neither extends the wait nor slows the account.
      await recordAudit(db, actor, {
        action: "auth.sign_in_throttled",
        target: account.target,
        subjectUserId: account.subjectUserId,
        details: { ...account.details, method, reason: refusal.reason, failures: refusal.failures },
      });
      throw new AppError("TOO_MANY_REQUESTS", refusal.message);
    }

    const delay = accountDelayMilliseconds(counts.forAccount);
    if (delay > 0) await (options.pause ?? sleep)(delay);
    const delayDetails = delay > 0 ? { delaySeconds: delay / 1000, accountFailures: counts.forAccount } : {};

    const failed = async (reason: string, extra: Record<string, unknown> = {}): Promise<never> => {
      await db.insert(signInFailures).values({ loginKey, ipAddress: address });
      await recordAudit(db, actor, {
        action: "auth.sign_in_failed",
        target: account.target,
        subjectUserId: account.subjectUserId,
        details: { ...account.details, method, reason, ...extra, ...delayDetails },
      });
      throw new AppError("UNAUTHORIZED", wrongCredentialsMessage);
    };

    let accepted: UserRow;
    if (directory) {
      const check = await checkDirectoryCredentials(db, actor, directory, input.login, input.password, method);
      if (check.outcome !== "accepted") return failed(check.outcome, { via: "ldap" });
      accepted = check.user;
    } else {
      const passwordMatches = user ? await verifyPassword(user.passwordHash, input.password) : (await verifyDecoyPassword(input.password), false);
      if (!user || !passwordMatches) return failed(user ? "wrong_password" : "unknown_account");
      accepted = user;
    }
    if (!accepted.isActive) throw new AppError("FORBIDDEN", "This account has been deactivated. Contact a site administrator.");
    // This address has shown it knows the password; failures from elsewhere still count for the account.
    await db.delete(signInFailures).where(and(eq(signInFailures.loginKey, loginKey), eq(signInFailures.ipAddress, address)));
    return { user: accepted, checkedBy: directory ? "directory" : "local_password" };
  });
}

/** After a password reset, the resetting address starts afresh; failures from other addresses keep counting. */
export async function forgetSignInFailuresFrom(db: Db, user: UserRow, ipAddress: string): Promise<void> {
  await db
    .delete(signInFailures)
    .where(and(eq(signInFailures.loginKey, signInFailureKey(user, user.username)), eq(signInFailures.ipAddress, throttlingAddress(ipAddress))));
}

// ---------------------------------------------------------------------------------------------- sign-in form

/** Signs in through the form (or the tRPC procedure): a session starts, so it is recorded as a sign-in. */
export async function authenticate(
  db: Db,
  actor: Actor,
  rawInput: z.input<typeof signInSchema>,
  options: PasswordCheckOptions = {},
): Promise<SessionGrant> {
  assertCan(actor, "session:create");
  const input = signInSchema.parse(rawInput);
  const { user, checkedBy } = await verifyCredentials(db, actor, input, "session", options);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(tx, userActor(toActorUser(user), actor.origin), {
      action: "auth.sign_in",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      details: { checkedBy },
    });
  });
  return { userId: user.id, sessionVersion: user.sessionVersion };
}

// ---------------------------------------------------------------------------------------------- Basic credentials

/** last-use bookkeeping is written at most this often per account (and whenever the address changes). */
const passwordUseResolution = 60 * 1000;
/** How many recent addresses Basic credentials are remembered from; use from any other one is audited. */
const rememberedPasswordAddresses = 32;

/**
 * Checks the username and password a package client or script sends with a request (HTTP Basic), under the same
 * throttle as the form. Such clients send them with every request, so a use is not a sign-in: like a token use it
 * is written down at most once a minute, and audited only the first time it comes from a new address.
 */
export async function authenticatePasswordUse(
  db: Db,
  actor: Actor,
  rawInput: z.input<typeof signInSchema>,
  options: PasswordCheckOptions = {},
): Promise<SessionGrant> {
  assertCan(actor, "session:create");
  const input = signInSchema.parse(rawInput);
  const { user } = await verifyCredentials(db, actor, input, "password", options);
  await recordPasswordUse(db, userActor(toActorUser(user), actor.origin, "password"), user);
  return { userId: user.id, sessionVersion: user.sessionVersion };
}

async function recordPasswordUse(db: Db, actor: Actor, user: UserRow): Promise<void> {
  const ipAddress = actor.origin.ipAddress;
  const now = new Date();
  if (user.passwordSeenIps.includes(ipAddress)) {
    const recent = user.passwordLastUsedAt && now.getTime() - user.passwordLastUsedAt.getTime() <= passwordUseResolution;
    if (recent && user.passwordLastUsedIp === ipAddress) return;
    await db.update(users).set({ passwordLastUsedAt: now, passwordLastUsedIp: ipAddress }).where(eq(users.id, user.id));
    return;
  }
  // Several first requests may race (pip opens a few at once, several servers may see them): only the one whose
  // update lands records it.
  const [claimed] = await db
    .update(users)
    .set({
      passwordSeenIps: sql`(array_append(${users.passwordSeenIps}, ${ipAddress}::text))[greatest(cardinality(${users.passwordSeenIps}) + 2 - ${rememberedPasswordAddresses}, 1):]`,
      passwordLastUsedAt: now,
      passwordLastUsedIp: ipAddress,
    })
    .where(and(eq(users.id, user.id), sql`not (${ipAddress}::text = any(${users.passwordSeenIps}))`))
    .returning({ id: users.id });
  if (claimed) {
    await recordAudit(db, actor, {
      action: "auth.password_used_from_new_ip",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      details: { ipAddress, userAgent: actor.origin.userAgent },
    });
  }
}

/**
 * Whether credentials accepted earlier still stand (package clients' Basic passwords, remembered for a while): the
 * account must exist, be active, and still be on the session version of the grant (password changes, resets and
 * deactivation bump it).
 */
export async function resolveGrant(db: Db, grant: SessionGrant): Promise<ActorUser | null> {
  const [user] = await db.select().from(users).where(eq(users.id, grant.userId));
  if (!user || user.kind !== "user" || !user.isActive || user.sessionVersion !== grant.sessionVersion) return null;
  return toActorUser(user);
}
