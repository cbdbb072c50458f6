import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import type { Entry } from "yauzl";
import { decodeUtf8, type FileProblems } from "./problems";
import type { ZipArchive } from "./zip";

/**
 * A wheel's RECORD (PEP 376 as used by PEP 427): one CSV row `path,algorithm=digest,size` per file. Every
 * member must be listed with a hash that matches, and every listed file must be there, except RECORD itself
 * (which cannot hold its own hash) and the signature files PEP 427 keeps out of it. PEP 427 asks for sha256
 * or better, so sha384 and sha512 are accepted too, and md5 and sha1 are not.
 */

const acceptedAlgorithms: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

interface RecordRow {
  algorithm: string;
  digest: Buffer;
  size: number | null;
}

export async function checkWheelRecord(zip: ZipArchive, entries: Entry[], distInfo: string, problems: FileProblems, maxRecordBytes: number): Promise<void> {
  const recordPath = `${distInfo}/RECORD`;
  const recordEntry = entries.find((entry) => entry.fileName === recordPath);
  if (!recordEntry) throw problems.invalid(`it has no ${recordPath}`);
  const unlisted = new Set([recordPath, `${distInfo}/RECORD.jws`, `${distInfo}/RECORD.p7s`]);
  // Messages say just RECORD: a wheel has one, and its folder's name would only lengthen them.
  const rows = parseRecord(decodeUtf8(await zip.read(recordEntry, maxRecordBytes), problems, "RECORD"), problems, unlisted);

  // What can be told from the central directory is checked before a byte of data is read.
  const files = entries.filter((entry) => !entry.fileName.endsWith("/") && !unlisted.has(entry.fileName));
  for (const entry of files) {
    const row = rows.get(entry.fileName);
    if (!row) throw problems.invalid(`${entry.fileName} is not listed in RECORD`);
    if (row.size !== null && row.size !== entry.uncompressedSize) {
      throw problems.invalid(`${entry.fileName} is ${entry.uncompressedSize} bytes, but RECORD says ${row.size}`);
    }
  }
  const names = new Set(entries.map((entry) => entry.fileName));
  for (const path of rows.keys()) {
    if (!names.has(path)) throw problems.invalid(`RECORD lists ${path}, which is not in the wheel`);
  }

  for (const entry of entries) {
    if (entry === recordEntry) continue;
    const row = rows.get(entry.fileName);
    if (!row || unlisted.has(entry.fileName)) {
      await zip.verify(entry);
      continue;
    }
    const hash = createHash(row.algorithm);
    for await (const chunk of zip.bytes(entry)) hash.update(chunk);
    if (!hash.digest().equals(row.digest)) throw problems.invalid(`${entry.fileName} fails its RECORD ${row.algorithm}`);
  }
}

/** Rows by path. Directory rows and the files RECORD need not list are left out: nothing is checked for them. */
function parseRecord(text: string, problems: FileProblems, unlisted: Set<string>): Map<string, RecordRow> {
  let lines: string[][];
  try {
    lines = parse(text.replace(/^\uFEFF/, ""), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw problems.metadata("RECORD", `is not valid CSV (${error instanceof Error ? error.message : String(error)})`);
  }
  const rows = new Map<string, RecordRow>();
  lines.forEach((line, index) => {
    if (line.length !== 3) throw problems.metadata("RECORD", `has a row that is not path,hash,size (row ${index + 1})`);
    const [path, hash, size] = line as [string, string, string];
    if (path === "" || path.endsWith("/") || unlisted.has(path)) return;
    if (hash === "") throw problems.invalid(`RECORD gives ${path} no hash`);
    const equals = hash.indexOf("=");
    const algorithm = equals > 0 ? hash.slice(0, equals).toLowerCase() : "";
    const digestLength = acceptedAlgorithms[algorithm];
    if (digestLength === undefined) {
      throw problems.invalid(`RECORD gives ${path} ${equals > 0 ? `a ${algorithm} hash` : "a hash without an algorithm"}; wheels need sha256, sha384 or sha512`);
    }
    const encoded = hash.slice(equals + 1);
    const digest = Buffer.from(encoded, "base64url");
    if (!/^[A-Za-z0-9_-]+={0,2}$/.test(encoded) || digest.length !== digestLength) {
      throw problems.metadata("RECORD", `has a ${algorithm} for ${path} that is not a urlsafe-base64 digest`);
    }
    if (size !== "" && !/^\d+$/.test(size)) throw problems.metadata("RECORD", `has a size for ${path} that is not a whole number (${size})`);
    const previous = rows.get(path);
    if (previous && !previous.digest.equals(digest)) throw problems.invalid(`RECORD lists ${path} twice, with different hashes`);
    rows.set(path, { algorithm, digest, size: size === "" ? null : Number(size) });
  });
  return rows;
}
