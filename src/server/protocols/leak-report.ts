/**
 * POST /api/tokens/leak-report: where secret scanners (GitHub's secret scanning, people who stumble on a token)
 * report leaked tokens, as package indexes offer. The body is a JSON array of `{ token, url?, source? }`;
 * every reported live token is revoked and its owner told. The answer never says which tokens existed.
 */
import { ZodError } from "zod";
import { AppError } from "../errors";
import { reportLeakedTokens } from "../services/token-leaks";
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
  let received: number;
  try {
    ({ received } = await reportLeakedTokens(context.services.db, originOf(context.request), body));
  } catch (error) {
    if (error instanceof ZodError) {
      throw new AppError("BAD_REQUEST", `The report is not valid: ${error.issues[0]?.message ?? "send a JSON array of { token, url, source }"}.`);
    }
    throw error;
  }
  sendBuffer(
    context.request,
    context.response,
    200,
    { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
    JSON.stringify({ received, message: "Thank you: every reported token that was live has been revoked and its owner told." }),
  );
}
