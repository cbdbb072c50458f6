/**
 * The source's side of a transfer of applications (services/application-transfer.ts): a transfer token as Bearer,
 * checked before anything is read, then the listing, one offered file, or the end of the transfer. Every refusal is
 * a 401 with the reason in `{ error }`, and nothing is served.
 */
import { AppError } from "../errors";
import { findTransferFile, finishTransferSession, listApplicationsForTransfer, openTransferSession } from "../services/application-transfer";
import type { RequestContext } from "./context";
import { serveStoredFile } from "./files";
import { headerValue, sendBuffer } from "./http";

const maxFinishBodyBytes = 64 * 1024;

function sendJson(context: RequestContext, body: unknown): void {
  sendBuffer(context.request, context.response, 200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }, JSON.stringify(body));
}

export async function serveTransferListing(context: RequestContext): Promise<void> {
  await openTransferSession(context.services.db, headerValue(context.request, "authorization"));
  sendJson(context, { applications: await listApplicationsForTransfer(context.services.db) });
}

export async function serveTransferFile(context: RequestContext, params: { fileId: string }): Promise<void> {
  await openTransferSession(context.services.db, headerValue(context.request, "authorization"));
  const file = await findTransferFile(context.services.db, params.fileId);
  // Never kept by a cache on the way: it was served on a token's word.
  await serveStoredFile(context, { ...file, isPrivate: true }, { attachment: true, contentType: "application/octet-stream" });
}

export async function serveTransferFinish(context: RequestContext): Promise<void> {
  const session = await openTransferSession(context.services.db, headerValue(context.request, "authorization"));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of context.request.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > maxFinishBodyBytes) throw new AppError("PAYLOAD_TOO_LARGE", "The end of a transfer says at most 64 KiB.");
    chunks.push(chunk as Buffer);
  }
  let summary: unknown = null;
  try {
    summary = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
  } catch {
    throw new AppError("BAD_REQUEST", 'Send { "applications": [names] } as JSON.');
  }
  await finishTransferSession(context.services.db, session.tokenId, session.issuedBy, summary);
  sendJson(context, { finished: true });
}
