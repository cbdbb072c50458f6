/**
 * Leaked tokens: whoever holds a secret may have it revoked (secret scanners report to
 * POST /api/tokens/leak-report). Each reported live token is revoked, its owner e-mailed and the report audited.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { leakReportSchema } from "@/shared/schemas/tokens";
import { looksLikeToken } from "@/shared/token-scopes";
import { anonymousActor, type RequestOrigin } from "../authz";
import type { Db } from "../db";
import { accessTokens, users } from "../db/schema";
import { sendEmail } from "../email";
import { recordAudit } from "./audit";
import { forgetCachedCredentials } from "./token-cache";
import { hashTokenSecret } from "./token-secrets";
import { tokensPageUrl } from "./tokens";


/**
 * The leak-report endpoint's work: whoever holds a secret may have it revoked. Each reported live token is
 * revoked, its owner e-mailed and the report audited; the answer is the same whether any token existed.
 */
export async function reportLeakedTokens(db: Db, origin: RequestOrigin, rawReports: unknown): Promise<{ received: number }> {
  const reports = leakReportSchema.parse(rawReports);
  const reporter = anonymousActor(origin);
  const handled = new Set<string>();
  for (const report of reports) {
    const secret = report.token.trim();
    if (!looksLikeToken(secret) || handled.has(secret)) continue;
    handled.add(secret);
    const url = report.url?.trim() || null;
    const source = report.source?.trim() || null;
    const now = new Date();
    const revoked = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(accessTokens)
        .set({ revokedAt: now, revokedReason: "leaked", holdsName: false })
        .where(and(eq(accessTokens.secretHash, hashTokenSecret(secret)), isNull(accessTokens.revokedAt), gt(accessTokens.expiresAt, now)))
        .returning();
      if (!row) return null;
      await recordAudit(tx, reporter, {
        action: "token.leak_reported",
        target: { type: "access_token", id: row.id, label: row.name },
        subjectUserId: row.userId,
        details: { url, source },
      });
      return row;
    });
    if (!revoked) continue;
    forgetCachedCredentials(revoked.userId);
    const [owner] = await db.select({ username: users.username, email: users.email }).from(users).where(eq(users.id, revoked.userId));
    if (!owner) continue;
    await sendEmail(db, {
      to: owner.email,
      template: "tokenLeaked",
      props: { username: owner.username, tokenName: revoked.name, url, source, tokensUrl: tokensPageUrl(owner.username) },
    });
  }
  return { received: reports.length };
}
