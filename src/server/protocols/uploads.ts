/**
 * Uploads: twine's legacy API (multipart/form-data, `:action=file_upload`) and the conda tooling's raw-body
 * upload, which the web UI's upload page also uses. Bytes stream straight into the blob store's temporary file;
 * publishFile then parses, validates and commits everything or nothing.
 */
import type { Readable } from "node:stream";
import busboy from "busboy";
import { mayPublishUnder } from "../authz";
import type { FileType } from "../db/schema";
import { AppError } from "../errors";
import { fileTypeOfName } from "../packages/formats";
import type { Channel } from "../services/channels";
import { ChecksumMismatchError, publishFile } from "../services/publishing";
import { formatBytes, type ReceivedBlob } from "../storage";
import { requireChannel, type RequestContext } from "./context";
import { headerValue, sendBuffer } from "./http";

/** A multipart body carries form fields besides the file: allow for them before calling a body too large. */
const multipartAllowance = 2 * 1024 * 1024;

async function requirePublisher(context: RequestContext, channel: Channel): Promise<void> {
  // Checked before a byte of the body is read, so a refused upload costs nothing.
  if (!(await mayPublishUnder(context.services.db, context.actor, channel.ownerId))) {
    throw new AppError("FORBIDDEN", `You cannot publish under ${channel.username}.`);
  }
}

function refuseDeclaredOversize(context: RequestContext, allowance: number): void {
  const declared = Number(headerValue(context.request, "content-length"));
  if (Number.isFinite(declared) && declared > context.services.maxUploadBytes + allowance) {
    throw new AppError("PAYLOAD_TOO_LARGE", `The file is larger than the ${formatBytes(context.services.maxUploadBytes)} this server accepts.`);
  }
}

/** The request body as an iterable that, unlike the request itself, is not destroyed when reading stops early. */
function bodyOf(stream: Readable): AsyncIterable<Uint8Array> {
  return stream.iterator({ destroyOnReturn: false });
}

function isTrue(value: string | null): boolean {
  return value !== null && ["1", "true", "yes", "on"].includes(value.toLowerCase());
}

/** `private=1` or `private=0` is the uploader's choice; without it a new package gets the site's default access. */
function privacyChoice(value: string | null): boolean | undefined {
  if (value === null || value.trim() === "") return undefined;
  return isTrue(value);
}

const sha256Pattern = /^[0-9a-fA-F]{64}$/;
const md5Pattern = /^[0-9a-fA-F]{32}$/;

// ---------------------------------------------------------------------------------------------- conda / web UI

/**
 * POST /api/channels/<owner>/upload/<filename>?sha256=<hex>&label=<label>&private=1&force=1 with the file as the
 * body: 201 and the published file as JSON.
 */
export async function serveCondaUpload(context: RequestContext, params: { owner: string; filename: string }): Promise<void> {
  const { query, services } = context;
  const channel = await requireChannel(context, params.owner);
  await requirePublisher(context, channel);
  const expectedSha256 = query.get("sha256");
  if (expectedSha256 !== null && !sha256Pattern.test(expectedSha256)) {
    throw new AppError("BAD_REQUEST", "The sha256 parameter must be 64 hexadecimal digits.");
  }
  refuseDeclaredOversize(context, 0);
  const blob = await services.store.receive(bodyOf(context.request), services.maxUploadBytes);
  const published = await publishFile(
    services.db,
    context.actor,
    {
      ownerName: channel.username,
      filename: params.filename,
      blob,
      expectedSha256: expectedSha256 ?? undefined,
      labels: query.getAll("label").filter(Boolean),
      makePrivate: privacyChoice(query.get("private")),
      replaceExisting: isTrue(query.get("force")),
    },
    services.store,
  );
  services.channels.forget(channel.username);
  const body = {
    ...published,
    downloadUrl: `/${encodeURIComponent(published.owner)}/files/${encodeURIComponent(published.subdir)}/${encodeURIComponent(published.filename)}`,
  };
  sendBuffer(context.request, context.response, 201, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }, JSON.stringify(body));
}

/** The conda upload API answers a damaged upload with 406, as anaconda-client expects. */
export function condaUploadStatus(error: AppError): number | undefined {
  return error instanceof ChecksumMismatchError ? 406 : undefined;
}

// ---------------------------------------------------------------------------------------------- twine

/** twine publishes Python distributions; everything else goes through the upload API. */
const twineFileTypes: readonly (FileType | null)[] = ["wheel", "sdist"];

interface TwineForm {
  fields: Map<string, string>;
  upload: { blob: ReceivedBlob; filename: string } | null;
}

/**
 * Parses twine's multipart form, streaming the `content` part into the store. Resolves once the whole body is
 * read; a file over the size limit rejects at once with 413 (the handler then drains the rest of the body).
 */
function readTwineForm(context: RequestContext): Promise<TwineForm> {
  const { request, services } = context;
  return new Promise<TwineForm>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: { files: 2, fields: 200, fieldSize: multipartAllowance, fileSize: services.maxUploadBytes + 1 },
      });
    } catch {
      reject(new AppError("BAD_REQUEST", "Upload with Content-Type multipart/form-data, as twine does."));
      return;
    }
    const fields = new Map<string, string>();
    let receiving: Promise<{ blob: ReceivedBlob; filename: string }> | null = null;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      // Destroying the parser fails a part still being received, whose temporary file receive() then removes;
      // a part already received is discarded here.
      parser.destroy();
      void receiving?.then(({ blob }) => services.store.discard(blob)).catch(() => {});
      reject(error);
    };

    parser.on("field", (name, value, info) => {
      if (info.valueTruncated) fail(new AppError("BAD_REQUEST", `The form field ${name} is longer than this server accepts.`));
      else fields.set(name, value);
    });
    parser.on("file", (name, stream, info) => {
      // The parser fails a part (an error on its stream) when the form ends early or is destroyed. receive() hears of
      // it through its iterator, even of an error from before it started reading; this listener only keeps such an
      // early error, or one on a part nobody reads, from being thrown at the process.
      stream.on("error", () => {});
      if (name !== "content" || receiving) {
        // Signatures and other attachments are not kept.
        stream.resume();
        return;
      }
      const filename = (info.filename ?? "").split(/[\\/]/).pop() ?? "";
      if (!twineFileTypes.includes(fileTypeOfName(filename))) {
        stream.resume();
        fail(new AppError("BAD_REQUEST", `${filename} is not a wheel or an sdist: twine's upload takes Python distributions only; upload other files through the upload API.`));
        return;
      }
      receiving = services.store.receive(bodyOf(stream), services.maxUploadBytes).then(
        (blob) => ({ blob, filename }),
        (error: unknown) => {
          // Let the parser finish the part so the rest of the body can still be drained.
          stream.resume();
          fail(error);
          throw error;
        },
      );
      receiving.catch(() => {});
    });
    parser.on("error", () => fail(new AppError("BAD_REQUEST", "The multipart form is malformed or incomplete.")));
    parser.on("close", () => {
      if (settled) return;
      const pending = receiving ?? Promise.resolve(null);
      pending.then(
        (upload) => {
          if (settled) {
            if (upload) void services.store.discard(upload.blob);
            return;
          }
          settled = true;
          resolve({ fields, upload });
        },
        () => {},
      );
    });
    request.on("close", () => {
      if (!request.complete) fail(new AppError("BAD_REQUEST", "The upload was interrupted before the whole form arrived."));
    });
    request.pipe(parser);
  });
}

function checkTwineFields(form: TwineForm, upload: { blob: ReceivedBlob; filename: string }): string | undefined {
  const action = form.fields.get(":action");
  if (action !== "file_upload") {
    throw new AppError("BAD_REQUEST", action ? `The :action ${action} is not supported; only file_upload is.` : "The form has no :action=file_upload field.");
  }
  const sha256 = form.fields.get("sha256_digest")?.trim();
  const md5 = form.fields.get("md5_digest")?.trim();
  if (!sha256 && !md5) throw new AppError("BAD_REQUEST", "Send the file's sha256_digest (twine does) so the upload can be checked.");
  if (sha256 && !sha256Pattern.test(sha256)) throw new AppError("BAD_REQUEST", "sha256_digest must be 64 hexadecimal digits.");
  if (md5 && !md5Pattern.test(md5)) throw new AppError("BAD_REQUEST", "md5_digest must be 32 hexadecimal digits.");
  if (md5 && md5.toLowerCase() !== upload.blob.md5) {
    throw new AppError("BAD_REQUEST", `The md5 of ${upload.filename} is ${upload.blob.md5}, not the ${md5.toLowerCase()} the client announced: the upload was damaged.`);
  }
  return sha256;
}

/** POST /<owner>/pypi/legacy/: 200 when published, 409 for a file that exists, 400 with the reason otherwise. */
export async function serveTwineUpload(context: RequestContext, params: { owner: string }): Promise<void> {
  const { services } = context;
  const channel = await requireChannel(context, params.owner);
  await requirePublisher(context, channel);
  if (!headerValue(context.request, "content-type")?.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("BAD_REQUEST", "Upload with Content-Type multipart/form-data, as twine does.");
  }
  refuseDeclaredOversize(context, multipartAllowance);
  const form = await readTwineForm(context);
  const upload = form.upload;
  if (!upload) throw new AppError("BAD_REQUEST", "The form has no content part with the file.");
  let expectedSha256: string | undefined;
  try {
    expectedSha256 = checkTwineFields(form, upload);
  } catch (error) {
    await services.store.discard(upload.blob);
    throw error;
  }
  const published = await publishFile(
    services.db,
    context.actor,
    { ownerName: channel.username, filename: upload.filename, blob: upload.blob, expectedSha256 },
    services.store,
  );
  services.channels.forget(channel.username);
  sendBuffer(context.request, context.response, 200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }, `Published ${published.filename}.\n`);
}

/** PyPI answers every refused upload with 400 and the reason; twine prints it. */
export function twineUploadStatus(error: AppError): number | undefined {
  return error.code === "UNPROCESSABLE_CONTENT" ? 400 : undefined;
}
