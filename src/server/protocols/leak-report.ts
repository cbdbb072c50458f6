/**
 * POST /api/tokens/leak-report: where secret scanners (GitHub's secret scanning, people who stumble on a token)
 * report leaked tokens, as package indexes offer. The body is a JSON array of `{ token, url?, source? }`, at most
 * maxLeakReportEntries of them and 1 MiB (refused with 413 before more than that is read); every reported live token
 * is revoked and its owner told. The answer never says which tokens existed.
 */
import { ZodError } from "zod";
import { AppError } from "../errors";
import { reportLeakedTokens, type LeakReportOutcome } from "../services/token-leaks";
import type { RequestContext } from "./context";
import { headerValue, originOf, sendBuffer } from "./http";

const maxReportBytes = 1024 * 1024;

async function readBody(context: RequestContext): Promise<string> {
  const declared = Number(headerValue(context.request, "content-length"));
  if (Number.isFinite(declared) && declared > maxReportBytes) throw new AppError("PAYLOAD_TOO_LARGE", "A leak report is at most 1 MiB.");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of context.request.iterator({ destroyOnReturn: false })) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > maxReportBytes) throw new AppError("PAYLOAD_TOO_LARGE", "A leak report is at most 1 MiB.");
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function serveLeakReport(context: RequestContext): Promise<void> {
  const text = await readBody(context);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", 'Send a JSON array such as [{ "token": "granary-...", "url": "https://...", "source": "..." }].');
  }
  let outcome: LeakReportOutcome;
  try {
    outcome = await reportLeakedTokens(context.services.db, originOf(context.request), body);
  } catch (error) {
    if (error instanceof ZodError) {
      throw new AppError("BAD_REQUEST", `The report is not valid: ${error.issues[0]?.message ?? "send a JSON array of { token, url, source }."}`);
    }
    throw error;
  }
  // The counts say what was done without saying which tokens existed (see LeakReportOutcome).
  const message =
    outcome.revoked === 0
      ? "Thank you. None of the reported tokens was live: nothing needed revoking."
      : `Thank you. ${outcome.revoked === 1 ? "One reported token was live and has" : `${outcome.revoked} reported tokens were live and have`} been revoked; their owners are told.`;
  sendBuffer(
    context.request,
    context.response,
    200,
    { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
    JSON.stringify({ received: outcome.received, revoked: outcome.revoked, message }),
  );
}
