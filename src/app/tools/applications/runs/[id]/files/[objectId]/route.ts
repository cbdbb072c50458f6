import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { getCurrentActor } from "@/server/auth/actor";
import { can, type Permission } from "@/server/authz";
import { getDb } from "@/server/db";
import { AppError } from "@/server/errors";
import { getTaskRunObject } from "@/server/services/application-tasks";
import { getBlobStore } from "@/server/storage";

/** The same permission as the run's page and its procedure; the service checks the run is the actor's to see. */
export const permission: Permission = "task:read";

const notFound = () => new Response("Not found.\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });

/** A file a task run stored (its result.json or a file of its output folder), as an attachment. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string; objectId: string }> }): Promise<Response> {
  const actor = await getCurrentActor();
  if (actor.kind !== "user" || !can(actor, permission)) return notFound();
  const { id, objectId } = await params;
  let object;
  try {
    object = await getTaskRunObject(getDb(), actor, { runId: id, objectId });
  } catch (error) {
    if (error instanceof AppError) return notFound();
    throw error;
  }
  const blobPath = getBlobStore().blobPath(object.sha256);
  if (!fs.existsSync(blobPath)) return notFound();
  const filename = path.posix.basename(object.name).replace(/[^A-Za-z0-9._-]/g, "_") || "file";
  return new Response(Readable.toWeb(fs.createReadStream(blobPath)) as ReadableStream, {
    headers: {
      "content-type": object.kind === "result" ? "application/json" : "application/octet-stream",
      "content-length": String(object.size),
      "content-disposition": `attachment; filename="${filename}"`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
      etag: `"${object.sha256}"`,
    },
  });
}
