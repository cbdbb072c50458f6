/**
 * Leaked tokens: whoever holds a secret may have it revoked (secret scanners report to
 * POST /api/tokens/leak-report). Every reported live token is revoked and audited in one transaction; once it has
 * committed, each owner is told once, in one message listing their tokens.
 */
import { and, gt, inArray, isNull } from "drizzle-orm";
import { leakReportSchema } from "@/shared/schemas/tokens";
import { looksLikeToken } from "@/shared/token-scopes";
import { anonymousActor, type RequestOrigin } from "../authz";
import type { Db } from "../db";
import { accessTokens, users } from "../db/schema";
import { sendEmail } from "../email";
import { recordAudit } from "./audit";
import { recordException } from "./exceptions";
import { forgetCachedCredentials } from "./token-cache";
import { hashTokenSecret } from "./token-secrets";
import { tokensPageUrl } from "./tokens";

/**
 * What the reporter is told. Not which tokens existed: only how many entries arrived and how many of them were live
 * tokens that this report has just revoked.
 *
 * GitHub's secret scanning (the main reporter) needs nothing but a 2xx, and its partner format could take a label
 * per token (true or false positive) in the answer. Per-token labels are left out on purpose: the endpoint takes
 * reports from anyone, so an answer that named live tokens would be an oracle for guessing them. The counts are safe
 * because of what a count can mean: every token it counts was revoked by this very request, so it tells the reporter
 * only that some secrets they already held no longer work, and a token that never existed, was already revoked or
 * has expired counts the same (as nothing). A reporter learns nothing they could use a token for.
 */
export interface LeakReportOutcome {
  /** Entries in the report, as sent. */
  received: number;
  /** Live tokens among them, now revoked (each counted once however often it was reported). */
  revoked: number;
}

/** How the owners are told; the service's callers pass nothing, tests pass one that fails. */
export interface LeakNotifier {
  sendEmail: typeof sendEmail;
}

interface ReportedSecret {
  url: string | null;
  source: string | null;
}

interface RevokedToken {
  id: string;
  name: string;
  userId: string;
  secretHash: string;
}

/**
 * The leak-report endpoint's work. The reported live tokens are revoked, with an audit event each, in one
 * transaction; then every process forgets them; then each owner is e-mailed. Mail comes last and on its own: a
 * failing render or delivery is recorded as an exception and never undoes or stops a revocation, nor changes the
 * answer.
 */
export async function reportLeakedTokens(
  db: Db,
  origin: RequestOrigin,
  rawReports: unknown,
  notifier: LeakNotifier = { sendEmail },
): Promise<LeakReportOutcome> {
  const reports = leakReportSchema.parse(rawReports);
  const reporter = anonymousActor(origin);
  // The first report of a secret names where it was found.
  const reported = new Map<string, ReportedSecret>();
  for (const report of reports) {
    const secret = report.token.trim();
    if (!looksLikeToken(secret)) continue;
    const secretHash = hashTokenSecret(secret);
    if (!reported.has(secretHash)) reported.set(secretHash, { url: report.url?.trim() || null, source: report.source?.trim() || null });
  }
  if (reported.size === 0) return { received: reports.length, revoked: 0 };

  const now = new Date();
  const revoked = await db.transaction(async (tx) => {
    const rows: RevokedToken[] = await tx
      .update(accessTokens)
      .set({ revokedAt: now, revokedReason: "leaked", holdsName: false })
      .where(and(inArray(accessTokens.secretHash, [...reported.keys()]), isNull(accessTokens.revokedAt), gt(accessTokens.expiresAt, now)))
      .returning({ id: accessTokens.id, name: accessTokens.name, userId: accessTokens.userId, secretHash: accessTokens.secretHash });
    for (const row of rows) {
      await recordAudit(tx, reporter, {
        action: "token.leak_reported",
        target: { type: "access_token", id: row.id, label: row.name },
        subjectUserId: row.userId,
        details: { ...reported.get(row.secretHash) },
      });
    }
    return rows;
  });
  for (const userId of new Set(revoked.map((row) => row.userId))) forgetCachedCredentials(userId);
  await tellOwners(db, revoked, reported, notifier);
  return { received: reports.length, revoked: revoked.length };
}

/** One message per owner, listing their revoked tokens. Never throws: the revocations have committed. */
async function tellOwners(db: Db, revoked: RevokedToken[], reported: Map<string, ReportedSecret>, notifier: LeakNotifier): Promise<void> {
  if (revoked.length === 0) return;
  const report = (error: unknown) => recordException(db, error, { route: "POST /api/tokens/leak-report: telling a token's owner", method: "POST" });
  let owners: { id: string; username: string; email: string }[];
  try {
    const ownerIds = [...new Set(revoked.map((row) => row.userId))];
    owners = await db.select({ id: users.id, username: users.username, email: users.email }).from(users).where(inArray(users.id, ownerIds));
  } catch (error) {
    await report(error);
    return;
  }
  for (const owner of owners) {
    const tokens = revoked
      .filter((row) => row.userId === owner.id)
      .map((row) => ({ name: row.name, ...reported.get(row.secretHash)! }))
      .sort((first, second) => first.name.localeCompare(second.name));
    try {
      await notifier.sendEmail(db, {
        to: owner.email,
        template: "tokenLeaked",
        props: { username: owner.username, tokens, tokensUrl: await tokensPageUrl(db, owner.username) },
      });
    } catch (error) {
      await report(error);
    }
  }
}
