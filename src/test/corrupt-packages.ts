/**
 * Damaged packages for tests, made at test time from good ones: bytes flipped inside a member's stored data,
 * inner archives cut short, members edited without updating RECORD. Zip archives are rewritten with Python's
 * zipfile (every rewritten member gets a correct CRC-32, so only the damage meant is there); zstd frames are
 * made with the zstd program. Nothing here is checked in.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { packageTools } from "./package-fixtures";

export interface ZipEdits {
  /** New bytes for existing members, keeping their place and compression. */
  replace?: Record<string, Buffer | string>;
  remove?: string[];
  /** New members, deflated, after the others. */
  add?: Record<string, Buffer | string>;
  /** Store every member uncompressed, so a flipped byte changes the member's content and nothing else. */
  store?: boolean;
}

const rewriteScript = `
import base64, json, sys, zipfile
spec = json.load(sys.stdin)
def decoded(value): return base64.b64decode(value)
with zipfile.ZipFile(spec['source']) as source, zipfile.ZipFile(spec['target'], 'w') as target:
    for info in source.infolist():
        if info.filename in spec['remove']: continue
        data = decoded(spec['replace'][info.filename]) if info.filename in spec['replace'] else source.read(info)
        target.writestr(info, data, compress_type=zipfile.ZIP_STORED if spec['store'] else info.compress_type)
    for name, value in spec['add'].items():
        target.writestr(zipfile.ZipInfo(name, date_time=(2023, 11, 14, 0, 0, 0)), decoded(value), compress_type=zipfile.ZIP_STORED if spec['store'] else zipfile.ZIP_DEFLATED)
`;

const encode = (record: Record<string, Buffer | string> = {}) => Object.fromEntries(Object.entries(record).map(([name, value]) => [name, Buffer.from(value).toString("base64")]));

/** Writes `target` (a path) as `source` with `edits` applied; returns `target`. */
export function rewriteZip(source: string, target: string, edits: ZipEdits): string {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const spec = { source, target, replace: encode(edits.replace), remove: edits.remove ?? [], add: encode(edits.add), store: edits.store ?? false };
  execFileSync(packageTools.debianPython, ["-c", rewriteScript], { input: JSON.stringify(spec), stdio: ["pipe", "pipe", "pipe"] });
  return target;
}

export interface ZipMemberLayout {
  name: string;
  /** Offset of the member's local header in the file. */
  headerOffset: number;
  /** Offset and length of its stored (possibly compressed) data. */
  dataOffset: number;
  compressedSize: number;
  compressType: number;
}

const layoutScript = `
import json, struct, sys, zipfile
with open(sys.argv[1], 'rb') as raw, zipfile.ZipFile(sys.argv[1]) as z:
    out = []
    for info in z.infolist():
        raw.seek(info.header_offset)
        header = raw.read(30)
        name_length, extra_length = struct.unpack('<HH', header[26:30])
        out.append({'name': info.filename, 'headerOffset': info.header_offset, 'dataOffset': info.header_offset + 30 + name_length + extra_length, 'compressedSize': info.compress_size, 'compressType': info.compress_type})
    print(json.dumps(out))
`;

export function zipLayout(file: string): ZipMemberLayout[] {
  return JSON.parse(execFileSync(packageTools.debianPython, ["-c", layoutScript, file], { encoding: "utf8" })) as ZipMemberLayout[];
}

export function memberLayout(file: string, name: string): ZipMemberLayout {
  const member = zipLayout(file).find((candidate) => candidate.name === name);
  if (!member) throw new Error(`${file} has no member ${name}`);
  return member;
}

/** A member's bytes as stored in the zip (for a .conda, the compressed inner tarball). */
export function readZipMember(file: string, name: string): Buffer {
  const script = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z: sys.stdout.buffer.write(z.read(sys.argv[2]))";
  return execFileSync(packageTools.debianPython, ["-c", script, file, name], { maxBuffer: 1 << 30 });
}

/** Writes a copy of `source` to `target` with the bytes at `offset` changed (every bit flipped). */
export function flipByte(source: string, target: string, offset: number): string {
  const bytes = fs.readFileSync(source);
  if (offset < 0 || offset >= bytes.length) throw new Error(`offset ${offset} is outside ${source}`);
  bytes[offset] = bytes[offset]! ^ 0xff;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, bytes);
  return target;
}

/** Writes a copy of `source` to `target` with `bytes` written over it at `offset`. */
export function patchBytes(source: string, target: string, offset: number, bytes: Buffer): string {
  const content = fs.readFileSync(source);
  bytes.copy(content, offset);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
  return target;
}

export function zstdCompress(data: Buffer, extraArguments: string[] = []): Buffer {
  return execFileSync(packageTools.zstd, ["--compress", "--stdout", "--quiet", "-3", ...extraArguments], { input: data, maxBuffer: 1 << 30 });
}

export function zstdDecompress(data: Buffer): Buffer {
  return execFileSync(packageTools.zstd, ["--decompress", "--stdout", "--quiet"], { input: data, maxBuffer: 1 << 30 });
}

/** RECORD's hash column for `data`: `sha256=` and the urlsafe base64 digest without padding. */
export function recordHash(data: Buffer | string, algorithm = "sha256"): string {
  return `${algorithm}=${createHash(algorithm).update(data).digest("base64url")}`;
}

export type TarMember = { name: string; data: Buffer | string } | { name: string; hardlink: string } | { name: string; symlink: string };

const tarScript = `
import base64, io, json, sys, tarfile
buffer = io.BytesIO()
spec = json.load(sys.stdin)
with tarfile.open(fileobj=buffer, mode='w', format=getattr(tarfile, spec['format'])) as t:
    for m in spec['members']:
        info = tarfile.TarInfo(m['name']); info.mtime = 1700000000
        if 'hardlink' in m: info.type, info.linkname = tarfile.LNKTYPE, m['hardlink']; t.addfile(info)
        elif 'symlink' in m: info.type, info.linkname = tarfile.SYMTYPE, m['symlink']; t.addfile(info)
        else:
            data = base64.b64decode(m['data']); info.size = len(data); t.addfile(info, io.BytesIO(data))
sys.stdout.buffer.write(buffer.getvalue())
`;

/**
 * A tar archive as Python's tarfile writes it (which is what conda-package-handling uses), hard and soft links
 * included; long names go into pax records, or with `gnu` into GNU long-name and long-link members.
 */
export function makeTar(members: TarMember[], format: "pax" | "gnu" = "pax"): Buffer {
  const input = members.map((member) => ("data" in member ? { name: member.name, data: Buffer.from(member.data).toString("base64") } : member));
  const spec = { format: format === "pax" ? "PAX_FORMAT" : "GNU_FORMAT", members: input };
  return execFileSync(packageTools.debianPython, ["-c", tarScript], { input: JSON.stringify(spec), maxBuffer: 1 << 30 });
}

/** bzip2 at `level` (1 makes 100 kB blocks, so a small archive spans several). */
export function bzip2Compress(data: Buffer, level = 9): Buffer {
  const script = "import bz2, sys\nsys.stdout.buffer.write(bz2.compress(sys.stdin.buffer.read(), int(sys.argv[1])))";
  return execFileSync(packageTools.debianPython, ["-c", script, String(level)], { input: data, maxBuffer: 1 << 30 });
}
