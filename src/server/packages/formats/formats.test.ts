import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bzip2Compress,
  flipByte,
  makeTar,
  memberLayout,
  patchBytes,
  readZipMember,
  recordHash,
  rewriteZip,
  zstdCompress,
  zstdDecompress,
  type TarMember,
  type ZipEdits,
} from "@/test/corrupt-packages";
import { packageTools } from "@/test/package-fixtures";
import { debianPython, requireTools } from "@/test/tools";
import { AppError } from "../../errors";
import { scanBzip2File } from "./bzip2";
import { canonicalVersion, parseCoreMetadata, versionsAgree } from "./core-metadata";
import { parseDistribution } from "./index";
import { scanGzipFile } from "./gzip";
import { FileProblems } from "./problems";
import { decompressZstd } from "./zstd";

/**
 * Fixtures are built here with the tools publishers use (conda-package-handling's `cph`, `python3 -m build`),
 * never checked in; corrupt ones are made from good ones at test time. A missing tool fails this file at once,
 * naming the command that installs it.
 */
requireTools("cph", "pythonBuild", "zstd");

const cph = packageTools.cph;

let workspace: string;

beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), "granary-formats-"));
});

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true });
});

function folder(name: string): string {
  const directory = path.join(workspace, name);
  fs.mkdirSync(directory, { recursive: true });
  return directory;
}

function writeFile(directory: string, name: string, content: string | Buffer): string {
  const target = path.join(directory, name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
  return target;
}

/** A copy of `source` under another file name, optionally cut to its first `keepBytes`. */
function copyAs(source: string, name: string, keepBytes?: number): string {
  const bytes = fs.readFileSync(source);
  return writeFile(folder(`copies-${randomBytes(4).toString("hex")}`), name, keepBytes === undefined ? bytes : bytes.subarray(0, keepBytes));
}

function firstHalf(source: string, name = path.basename(source)): string {
  return copyAs(source, name, Math.floor(fs.statSync(source).size / 2));
}

async function parseFile(filePath: string, options?: { maxMetadataBytes?: number }) {
  return parseDistribution(filePath, path.basename(filePath), options);
}

/** Runs the parse and returns its AppError, failing the test on success or on any other error. */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the parse to fail");
}

function runPython(script: string, ...args: string[]): void {
  execFileSync(debianPython, ["-c", script, ...args], { stdio: "pipe" });
}

function runPythonWithInput(script: string, input: string, ...args: string[]): void {
  execFileSync(debianPython, ["-c", script, ...args], { input, stdio: ["pipe", "pipe", "pipe"] });
}

interface CondaSource {
  index: Record<string, unknown>;
  about?: Record<string, unknown>;
  /** info/paths.json's entries; by default the payload file with its real sha256 and size, as conda-build writes them. */
  paths?: (payload: { path: string; sha256: string; size: number }) => Record<string, unknown>[];
}

/** Lays out a package prefix and runs `cph create` for each requested format. */
function buildConda(source: CondaSource, filenameStem: string, formats: (".tar.bz2" | ".conda")[]): Record<string, string> {
  const prefix = folder(`conda-src-${filenameStem}-${randomBytes(3).toString("hex")}`);
  const output = folder("conda-out");
  const payload = `lib/python3/site-packages/${String(source.index.name ?? "pkg").replace(/-/g, "_")}/__init__.py`;
  const payloadBytes = Buffer.from("__version__ = 'test'\n");
  writeFile(prefix, payload, payloadBytes);
  writeFile(prefix, "info/index.json", JSON.stringify(source.index, null, 2));
  if (source.about) writeFile(prefix, "info/about.json", JSON.stringify(source.about, null, 2));
  writeFile(prefix, "info/files", `${payload}\n`);
  const facts = { path: payload, sha256: createHash("sha256").update(payloadBytes).digest("hex"), size: payloadBytes.length };
  const paths = source.paths?.(facts) ?? [{ _path: payload, path_type: "hardlink", sha256: facts.sha256, size_in_bytes: facts.size }];
  writeFile(prefix, "info/paths.json", JSON.stringify({ paths, paths_version: 1 }));
  const built: Record<string, string> = {};
  for (const format of formats) {
    const filename = `${filenameStem}${format}`;
    execFileSync(cph, ["create", "--out-folder", output, prefix, filename], { stdio: "pipe", cwd: output });
    built[format] = path.join(output, filename);
    expect(fs.existsSync(built[format]!), `cph produced ${filename}`).toBe(true);
  }
  return built;
}

const noarchIndex = {
  name: "granary-noarch",
  version: "1.0.0",
  build: "py_0",
  build_number: 0,
  subdir: "noarch",
  noarch: "python",
  depends: ["python >=3.8"],
  license: "MIT",
  timestamp: 1_700_000_000_000,
};

const nativeIndex = {
  name: "granary-native",
  version: "2.1",
  build: "h1234567_3",
  build_number: 3,
  subdir: "linux-64",
  platform: "linux",
  arch: "x86_64",
  depends: ["libgcc-ng >=12", "zlib >=1.2.13,<1.3.0a0"],
  constrains: ["openssl >=3"],
  license: "BSD-3-Clause",
  timestamp: 1_700_000_000_001,
};

describe("conda packages", () => {
  let noarch: Record<string, string>;
  let native: Record<string, string>;

  beforeAll(() => {
    noarch = buildConda(
      {
        index: noarchIndex,
        about: {
          summary: "  A noarch package for tests  ",
          description: "Longer words about the package.",
          license: "MIT",
          home: "https://example.org/noarch",
          dev_url: "https://example.org/noarch/src",
          conda_build_version: "3.28.0",
        },
      },
      "granary-noarch-1.0.0-py_0",
      [".tar.bz2", ".conda"],
    );
    native = buildConda(
      { index: nativeIndex, about: { summary: "Native code", dev_url: "https://example.org/native", home: "javascript:alert(1)" } },
      "granary-native-2.1-h1234567_3",
      [".tar.bz2", ".conda"],
    );
  });

  for (const format of [".tar.bz2", ".conda"] as const) {
    it(`reads a noarch ${format} package's index.json and about.json`, async () => {
      const parsed = await parseFile(noarch[format]!);
      expect(parsed).toMatchObject({
        fileType: "conda",
        name: "granary-noarch",
        version: "1.0.0",
        subdir: "noarch",
        summary: "A noarch package for tests",
        description: "Longer words about the package.",
        descriptionContentType: "text/plain",
        license: "MIT",
        homepage: "https://example.org/noarch",
        requiresPython: null,
        coreMetadata: null,
      });
      // index.json's keys stay at the top level exactly as written: repodata.json is built from them.
      expect(parsed.metadata).toMatchObject(noarchIndex);
      expect(parsed.metadata.about).toEqual({ summary: "  A noarch package for tests  ", license: "MIT", home: "https://example.org/noarch", dev_url: "https://example.org/noarch/src" });
    });

    it(`reads a linux-64 ${format} package with dependencies`, async () => {
      const parsed = await parseFile(native[format]!);
      expect(parsed).toMatchObject({ name: "granary-native", version: "2.1", subdir: "linux-64", license: "BSD-3-Clause", summary: "Native code" });
      expect(parsed.metadata).toMatchObject({ depends: nativeIndex.depends, constrains: nativeIndex.constrains, build_number: 3, arch: "x86_64" });
      // A javascript: home page never becomes a link; dev_url is the next best.
      expect(parsed.homepage).toBe("https://example.org/native");
    });

    it(`refuses a truncated ${format} package`, async () => {
      const error = await rejection(parseFile(firstHalf(noarch[format]!)));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(new RegExp(`^granary-noarch-1\\.0\\.0-py_0\\${format} is not a valid \\${format} file: it is truncated or corrupt`));
    });

    it(`refuses a ${format} file whose name disagrees with its index.json`, async () => {
      const renamed = copyAs(noarch[format]!, `granary-noarch-9.9.9-py_0${format}`);
      const error = await rejection(parseFile(renamed));
      expect(error.code).toBe("UNPROCESSABLE_CONTENT");
      expect(error.message).toContain(`the file name must be granary-noarch-1.0.0-py_0${format} to match its info/index.json`);
    });

    it(`caps the metadata read from a ${format} package`, async () => {
      const error = await rejection(parseFile(noarch[format]!, { maxMetadataBytes: 64 }));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(/is larger than the 64 bytes allowed for metadata/);
    });
  }

  it("names a missing index.json field", async () => {
    const { version: _version, ...withoutVersion } = noarchIndex;
    const built = buildConda({ index: withoutVersion }, "granary-noarch-1.0.0-py_0", [".conda"]);
    const error = await rejection(parseFile(built[".conda"]!));
    expect(error.code).toBe("UNPROCESSABLE_CONTENT");
    expect(error.message).toBe("granary-noarch-1.0.0-py_0.conda's info/index.json has no version.");
  });

  it("refuses an unknown subdir and a noarch package outside noarch/", async () => {
    const unknown = buildConda({ index: { ...nativeIndex, subdir: "linux-128" } }, "granary-native-2.1-h1234567_3", [".tar.bz2"]);
    expect((await rejection(parseFile(unknown[".tar.bz2"]!))).message).toContain("has an unknown subdir (linux-128)");
    const misplaced = buildConda({ index: { ...noarchIndex, subdir: "linux-64" } }, "granary-noarch-1.0.0-py_0", [".tar.bz2"]);
    expect((await rejection(parseFile(misplaced[".tar.bz2"]!))).message).toContain("says noarch but has subdir linux-64");
  });

  it("refuses a non-integer build_number", async () => {
    const built = buildConda({ index: { ...noarchIndex, build_number: "0" } }, "granary-noarch-1.0.0-py_0", [".conda"]);
    expect((await rejection(parseFile(built[".conda"]!))).message).toContain("has a build_number that is not a non-negative integer");
  });

  it("reads metadata that sits behind more than 8 MiB of other info files", async () => {
    // cph would take seconds to compress this at its level 21, so the archives are assembled directly, with
    // the same 64 MiB zstd window cph declares: the decoder's shrunken 8 MiB window is not enough and it must
    // decode again with the real one; the .tar.bz2 spans many bzip2 blocks.
    const directory = folder("bulky-info");
    runPython(
      `import io, json, sys, tarfile, zipfile, bz2, zstandard
lines = ['lib/python3/site-packages/granary_bulk/module_%d/data_%d.py' % (i, (i * 7919) % 100003) for i in range(160000)]
members = [('info/recipe/bulk.txt', '\\n'.join(lines).encode()), ('info/index.json', sys.argv[2].encode())]
buffer = io.BytesIO()
with tarfile.open(fileobj=buffer, mode='w') as t:
    for name, data in members:
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
raw = buffer.getvalue()
assert len(raw) > 9 << 20
parameters = zstandard.ZstdCompressionParameters.from_level(3, window_log=26)
compressed = io.BytesIO()
with zstandard.ZstdCompressor(compression_params=parameters).stream_writer(compressed, closefd=False) as writer:
    writer.write(raw)
stem = 'granary-noarch-1.0.0-py_0'
with zipfile.ZipFile(sys.argv[1] + '/' + stem + '.conda', 'w') as z:
    z.writestr('metadata.json', json.dumps({'conda_pkg_format_version': 2}))
    z.writestr('pkg-' + stem + '.tar.zst', zstandard.ZstdCompressor().compress(bytes(10240)))
    z.writestr('info-' + stem + '.tar.zst', compressed.getvalue())
with open(sys.argv[1] + '/' + stem + '.tar.bz2', 'wb') as f:
    f.write(bz2.compress(raw))`,
      directory,
      JSON.stringify(noarchIndex),
    );
    for (const extension of [".conda", ".tar.bz2"]) {
      const parsed = await parseFile(path.join(directory, `granary-noarch-1.0.0-py_0${extension}`));
      expect(parsed.metadata).toEqual(noarchIndex);
    }
  });

  it("refuses a .conda zip without an info tarball", async () => {
    const target = path.join(folder("no-info"), "granary-noarch-1.0.0-py_0.conda");
    runPython(
      "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('metadata.json', '{\"conda_pkg_format_version\": 2}')\n    z.writestr('pkg-granary-noarch-1.0.0-py_0.tar.zst', b'')",
      target,
    );
    const error = await rejection(parseFile(target));
    expect(error.message).toBe("granary-noarch-1.0.0-py_0.conda is not a valid .conda file: it has no info-*.tar.zst.");
  });

  it("refuses a .tar.bz2 without info/index.json", async () => {
    const target = path.join(folder("no-index"), "granary-noarch-1.0.0-py_0.tar.bz2");
    runPython(
      "import io, sys, tarfile\nwith tarfile.open(sys.argv[1], 'w:bz2') as t:\n    data = b'hello'\n    info = tarfile.TarInfo('lib/hello.txt'); info.size = len(data)\n    t.addfile(info, io.BytesIO(data))",
      target,
    );
    expect((await rejection(parseFile(target))).message).toBe("granary-noarch-1.0.0-py_0.tar.bz2 is not a valid .tar.bz2 file: it has no info/index.json.");
  });

  it("follows pax and GNU long-name headers and multi-stream bzip2", async () => {
    const index = JSON.stringify(noarchIndex);
    for (const format of ["PAX_FORMAT", "GNU_FORMAT"]) {
      const target = path.join(folder(`long-names-${format}`), "granary-noarch-1.0.0-py_0.tar.bz2");
      runPython(
        `import bz2, io, sys, tarfile
buffer = io.BytesIO()
with tarfile.open(fileobj=buffer, mode='w', format=tarfile.${format}) as t:
    for name, data in [('info/' + 'x' * 150 + '/deep.txt', b'deep'), ('info/index.json', sys.argv[2].encode())]:
        info = tarfile.TarInfo(name); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
raw = buffer.getvalue()
with open(sys.argv[1], 'wb') as f:
    f.write(bz2.compress(raw[:700]) + bz2.compress(raw[700:]))`,
        target,
        index,
      );
      expect((await parseFile(target)).metadata).toMatchObject(noarchIndex);
    }
  });
});

describe("corrupt conda packages", () => {
  const stem = "granary-noarch-1.0.0-py_0";
  const payloadMember = `pkg-${stem}.tar.zst`;
  const infoMember = `info-${stem}.tar.zst`;
  let good: Record<string, string>;

  beforeAll(() => {
    good = buildConda({ index: noarchIndex, about: { summary: "For corruption" } }, stem, [".tar.bz2", ".conda"]);
  });

  /** Where a damaged copy goes: its own folder, under the package's own file name. */
  const target = (extension = ".conda") => path.join(folder(`corrupt-${randomBytes(4).toString("hex")}`), `${stem}${extension}`);

  async function refusal(file: string): Promise<string> {
    const error = await rejection(parseFile(file));
    expect(error.code, error.message).toBe("BAD_REQUEST");
    return error.message;
  }

  /** The .conda with its payload tarball replaced by `tar`, compressed with `zstdArguments`. */
  function withPayloadTar(tar: Buffer, zstdArguments: string[] = []): string {
    return rewriteZip(good[".conda"]!, target(), { replace: { [payloadMember]: zstdCompress(tar, zstdArguments) } });
  }

  const payloadTar = () => zstdDecompress(readZipMember(good[".conda"]!, payloadMember));

  it("refuses a .conda whose payload member fails its CRC-32", async () => {
    const member = memberLayout(good[".conda"]!, payloadMember);
    const damaged = flipByte(good[".conda"]!, target(), member.dataOffset + Math.floor(member.compressedSize / 2));
    expect(await refusal(damaged)).toBe(`${stem}.conda is not a valid .conda file: ${payloadMember} fails its CRC-32 check.`);
  });

  it("refuses a .conda whose payload or info tarball is cut short", async () => {
    for (const member of [payloadMember, infoMember]) {
      const compressed = readZipMember(good[".conda"]!, member);
      const cut = rewriteZip(good[".conda"]!, target(), { replace: { [member]: compressed.subarray(0, compressed.length - 8) } });
      expect(await refusal(cut)).toBe(`${stem}.conda is not a valid .conda file: ${member} is truncated.`);
    }
  });

  it("refuses a .conda whose payload tar is not whole or has a damaged header", async () => {
    const tar = payloadTar();
    // The first member's header and data, without the end-of-archive blocks.
    expect(await refusal(withPayloadTar(tar.subarray(0, 1024)))).toBe(
      `${stem}.conda is not a valid .conda file: it is truncated or corrupt (${payloadMember} ends in the middle of the archive).`,
    );
    const damagedHeader = Buffer.from(tar);
    damagedHeader[5] = damagedHeader[5]! ^ 0x01;
    expect(await refusal(withPayloadTar(damagedHeader))).toBe(`${stem}.conda is not a valid .conda file: it is truncated or corrupt (${payloadMember}: bad tar header checksum).`);
  });

  it("refuses a .conda whose payload fails its zstd frame checksum", async () => {
    // Random bytes are stored in raw zstd blocks, so a flipped byte decodes without complaint: only the
    // frame's checksum shows it (paths.json does not list this file).
    const tar = makeTar([
      { name: "lib/python3/site-packages/granary_noarch/__init__.py", data: "__version__ = 'test'\n" },
      { name: "share/granary/blob.bin", data: randomBytes(256 * 1024) },
    ]);
    const compressed = zstdCompress(tar, ["--check"]);
    compressed[Math.floor(compressed.length / 2)] = compressed[Math.floor(compressed.length / 2)]! ^ 0x01;
    const damaged = rewriteZip(good[".conda"]!, target(), { replace: { [payloadMember]: compressed } });
    expect(await refusal(damaged)).toBe(`${stem}.conda is not a valid .conda file: ${payloadMember} fails its zstd checksum.`);
    // The same payload, undamaged, is accepted with its checksum.
    expect((await parseFile(withPayloadTar(tar, ["--check"]))).name).toBe("granary-noarch");
  });

  it("decodes every other tarball of a .conda too", async () => {
    const extra = rewriteZip(good[".conda"]!, target(), { add: { "extra.tar.zst": zstdCompress(payloadTar().subarray(0, 1024)) } });
    expect(await refusal(extra)).toContain("(extra.tar.zst ends in the middle of the archive)");
  });

  for (const extension of [".conda", ".tar.bz2"] as const) {
    const payloadLabel = extension === ".conda" ? payloadMember : "the package";

    it(`checks a ${extension} payload against the sha256 and size info/paths.json gives`, async () => {
      const zeros = "0".repeat(64);
      const wrongHash = buildConda({ index: noarchIndex, paths: ({ path: file, size }) => [{ _path: file, sha256: zeros, size_in_bytes: size }] }, stem, [extension]);
      const payload = "lib/python3/site-packages/granary_noarch/__init__.py";
      expect(await refusal(wrongHash[extension]!)).toBe(`${stem}${extension} is not a valid ${extension} file: ${payload} fails its info/paths.json sha256.`);
      const wrongSize = buildConda({ index: noarchIndex, paths: ({ path: file, sha256 }) => [{ _path: file, path_type: "hardlink", sha256, size_in_bytes: 99 }] }, stem, [extension]);
      expect(await refusal(wrongSize[extension]!)).toBe(`${stem}${extension} is not a valid ${extension} file: ${payload} is 21 bytes, but info/paths.json says 99.`);
      const missing = buildConda({ index: noarchIndex, paths: ({ sha256 }) => [{ _path: "lib/missing.py", path_type: "hardlink", sha256 }] }, stem, [extension]);
      expect(await refusal(missing[extension]!)).toBe(`${stem}${extension} is not a valid ${extension} file: info/paths.json lists lib/missing.py, which is not a file in ${payloadLabel}.`);
      // Softlinks and directories are not compared, and entries without sha256 or size are not checked at all.
      const unchecked = buildConda(
        {
          index: noarchIndex,
          paths: ({ path: file }) => [{ _path: file }, { _path: "lib/link.py", path_type: "softlink", sha256: zeros }, { _path: "lib/empty", path_type: "directory" }],
        },
        stem,
        [extension],
      );
      expect((await parseFile(unchecked[extension]!)).name).toBe("granary-noarch");
      const malformed = buildConda({ index: noarchIndex, paths: ({ path: file }) => [{ _path: file, sha256: "not hex" }] }, stem, [extension]);
      const error = await rejection(parseFile(malformed[extension]!));
      expect(error).toMatchObject({ code: "UNPROCESSABLE_CONTENT", message: `${stem}${extension}'s info/paths.json gives ${payload} a sha256 that is not 64 hexadecimal digits.` });
    });
  }

  /** A .tar.bz2 made directly, so its blocks and links are as the test needs. */
  function tarBz2(members: TarMember[], options: { level?: number; cutTarAt?: number; paths?: Record<string, unknown>[]; format?: "pax" | "gnu" } = {}): string {
    const info: TarMember[] = [
      { name: "info/index.json", data: JSON.stringify(noarchIndex) },
      { name: "info/paths.json", data: JSON.stringify({ paths: options.paths ?? [], paths_version: 1 }) },
    ];
    const tar = makeTar([...info, ...members], options.format);
    const file = target(".tar.bz2");
    fs.writeFileSync(file, bzip2Compress(options.cutTarAt === undefined ? tar : tar.subarray(0, options.cutTarAt), options.level));
    return file;
  }

  it("decodes a .tar.bz2 to its end, past the info/ it needs", async () => {
    const blob = randomBytes(600 * 1024);
    // 100 kB blocks: the damage is several blocks after info/, which is all that had to be decoded before.
    const whole = tarBz2([{ name: "share/granary/blob.bin", data: blob }], { level: 1 });
    expect((await parseFile(whole)).name).toBe("granary-noarch");
    const damaged = flipByte(whole, target(".tar.bz2"), Math.floor(fs.statSync(whole).size * 0.8));
    expect(await refusal(damaged)).toMatch(new RegExp(`^${stem}\\.tar\\.bz2 is not a valid \\.tar\\.bz2 file: it is truncated or corrupt \\(bzip2`));
    const tar = makeTar([{ name: "info/index.json", data: JSON.stringify(noarchIndex) }, { name: "share/granary/blob.bin", data: blob }]);
    const cut = tarBz2([{ name: "share/granary/blob.bin", data: blob }], { cutTarAt: tar.length - 200 * 1024 });
    expect(await refusal(cut)).toBe(`${stem}.tar.bz2 is not a valid .tar.bz2 file: it is truncated or corrupt (the package tarball ends in the middle of the archive).`);
    // Zero padding after the tar's end marker, the last of it in a second bzip2 stream (as parallel compressors
    // write them): damaged, it is found only by decoding past the end of the archive.
    const padded = bzip2Compress(Buffer.concat([tar, Buffer.alloc(256 * 1024)]));
    const padding = bzip2Compress(Buffer.alloc(64 * 1024));
    padding[Math.floor(padding.length / 2)] = padding[Math.floor(padding.length / 2)]! ^ 0x10;
    const paddedFile = target(".tar.bz2");
    fs.writeFileSync(paddedFile, Buffer.concat([padded, padding]));
    expect(await refusal(paddedFile)).toMatch(/it is truncated or corrupt \(bzip2/);
  });

  it("follows tar hard links, long link targets included, when checking info/paths.json", async () => {
    const data = "print('linked')\n";
    const sha256 = createHash("sha256").update(data).digest("hex");
    // Past the 100 bytes a tar header holds: pax writes a linkpath record, GNU tar a long-link member.
    const original = `lib/${"deep/".repeat(25)}original.py`;
    const members: TarMember[] = [
      { name: original, data },
      { name: "lib/hardlink.py", hardlink: original },
      { name: "lib/symlink.py", symlink: "original.py" },
    ];
    const paths = (hardlinkSha256: string) => [
      { _path: original, path_type: "hardlink", sha256, size_in_bytes: data.length },
      { _path: "lib/hardlink.py", path_type: "hardlink", sha256: hardlinkSha256, size_in_bytes: data.length },
      { _path: "lib/symlink.py", path_type: "softlink", sha256 },
    ];
    for (const format of ["pax", "gnu"] as const) {
      expect((await parseFile(tarBz2(members, { paths: paths(sha256), format }))).name, format).toBe("granary-noarch");
      expect(await refusal(tarBz2(members, { paths: paths("f".repeat(64)), format }))).toContain("lib/hardlink.py fails its info/paths.json sha256");
    }
    const linkAsFile = [{ _path: "lib/symlink.py", path_type: "hardlink", sha256 }];
    expect(await refusal(tarBz2(members, { paths: linkAsFile }))).toContain("info/paths.json lists lib/symlink.py, which is a symbolic link in the package");
  });
});

describe("bzip2 and zstd guards", () => {
  it("stops a bzip2 bomb at its expansion budget", async () => {
    const target = path.join(folder("bomb"), "bomb.tar.bz2");
    runPython(
      "import bz2, sys, tarfile\ninfo = tarfile.TarInfo('lib/huge.bin'); info.size = 1 << 32\nwith open(sys.argv[1], 'wb') as f:\n    f.write(bz2.compress(info.tobuf() + bytes(32 << 20)))",
      target,
    );
    const problems = new FileProblems("bomb.tar.bz2", ".tar.bz2");
    const error = await rejection(scanBzip2File(target, () => true, 4 * 1024 * 1024, problems));
    expect(error.message).toBe("bomb.tar.bz2 is not a valid .tar.bz2 file: it expands to more than 4 MiB, far more than a package of its size can hold.");
  });

  it("stops a gzip bomb at its expansion budget", async () => {
    const target = path.join(folder("bomb"), "bomb-1.0.tar.gz");
    runPython("import gzip, sys\nwith open(sys.argv[1], 'wb') as f:\n    f.write(gzip.compress(bytes(16 << 20)))", target);
    const problems = new FileProblems("bomb-1.0.tar.gz", ".tar.gz sdist");
    const error = await rejection(scanGzipFile(target, () => true, 4 * 1024 * 1024, problems));
    expect(error.message).toBe("bomb-1.0.tar.gz is not a valid .tar.gz sdist file: it expands to more than 4 MiB, far more than a package of its size can hold.");
  });

  it("refuses zstd frames that declare giant windows, end early, fail their checksum or are not zstd", async () => {
    const problems = new FileProblems("x.conda", ".conda");
    const options = { budget: 1 << 20, problems, label: "info-x.tar.zst" };
    const decode = (bytes: Uint8Array) => rejection(decompressZstd([bytes], () => {}, options));
    // Magic, a frame header with a 2 GiB window, then one empty raw block.
    const giantWindow = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00]);
    expect((await decode(giantWindow)).message).toBe("x.conda is not a valid .conda file: info-x.tar.zst declares a zstd window larger than 128 MiB.");
    const checked = zstdCompress(Buffer.from("hello, granary\n".repeat(100)), ["--check"]);
    expect((await decode(checked.subarray(0, checked.length - 10))).message).toBe("x.conda is not a valid .conda file: info-x.tar.zst is truncated.");
    const wrongChecksum = Buffer.from(checked);
    wrongChecksum[wrongChecksum.length - 1]! ^= 0xff;
    expect((await decode(wrongChecksum)).message).toBe("x.conda is not a valid .conda file: info-x.tar.zst fails its zstd checksum.");
    expect((await decode(randomBytes(64))).message).toBe("x.conda is not a valid .conda file: info-x.tar.zst holds bytes that are not zstd data.");
    expect((await decode(Buffer.concat([checked, Buffer.from("trailing junk")]))).message).toContain("holds bytes that are not zstd data");
  });

  it("stops a zstd bomb at its expansion budget", async () => {
    const problems = new FileProblems("x.conda", ".conda");
    const bomb = zstdCompress(Buffer.alloc(8 << 20));
    const error = await rejection(decompressZstd([bomb], () => {}, { budget: 1 << 20, problems, label: "pkg-x.tar.zst" }));
    expect(error.message).toBe("x.conda is not a valid .conda file: it expands to more than 1 MiB, far more than a package of its size can hold.");
  });
});

describe("Python distributions", () => {
  let wheel: string;
  let sdist: string;
  let zipSdist: string;

  beforeAll(() => {
    const project = folder("python-project");
    writeFile(
      project,
      "pyproject.toml",
      `[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "granary-demo"
version = "0.3.1"
description = "A tiny project for Granary's parser tests"
readme = "README.md"
requires-python = ">=3.9"
license = { text = "MIT" }
keywords = ["granary", "demo"]
classifiers = ["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"]
dependencies = ["requests>=2.28", "numpy>=1.24; python_version >= '3.10'"]

[project.urls]
Homepage = "https://example.org/granary-demo"

[tool.setuptools]
packages = ["granary_demo"]
`,
    );
    writeFile(project, "README.md", "# Granary demo\n\nSome *markdown* text.\n\n    indented code stays indented\n");
    writeFile(project, "granary_demo/__init__.py", "__version__ = '0.3.1'\n");
    const dist = folder("python-dist");
    execFileSync(debianPython, ["-m", "build", "--no-isolation", "--outdir", dist, project], { stdio: "pipe", cwd: project });
    const built = fs.readdirSync(dist);
    const wheelName = built.find((name) => name.endsWith(".whl"));
    const sdistName = built.find((name) => name.endsWith(".tar.gz"));
    if (!wheelName || !sdistName) throw new Error(`python -m build produced ${built.join(", ")}`);
    wheel = path.join(dist, wheelName);
    sdist = path.join(dist, sdistName);
    zipSdist = path.join(dist, sdistName.replace(/\.tar\.gz$/, ".zip"));
    runPython(
      "import sys, tarfile, zipfile\nwith tarfile.open(sys.argv[1]) as t, zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:\n    for m in t.getmembers():\n        if m.isfile(): z.writestr(m.name, t.extractfile(m).read())",
      sdist,
      zipSdist,
    );
  });

  it("reads a wheel's METADATA", async () => {
    const parsed = await parseFile(wheel);
    expect(parsed).toMatchObject({
      fileType: "wheel",
      name: "granary-demo",
      version: "0.3.1",
      subdir: "pypi",
      summary: "A tiny project for Granary's parser tests",
      descriptionContentType: "text/markdown",
      license: "MIT",
      homepage: "https://example.org/granary-demo",
      requiresPython: ">=3.9",
    });
    expect(parsed.description).toContain("# Granary demo");
    expect(parsed.description).toContain("\n    indented code stays indented");
    expect(parsed.coreMetadata).toMatch(/^Metadata-Version: 2\.\d\nName: granary-demo\n/);
    expect(parsed.metadata).toMatchObject({
      name: "granary-demo",
      version: "0.3.1",
      requires_python: ">=3.9",
      // Kept exactly as setuptools wrote them.
      requires_dist: ["requests (>=2.28)", 'numpy (>=1.24) ; python_version >= "3.10"'],
      classifier: ["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"],
      project_url: ["Homepage, https://example.org/granary-demo"],
      keywords: ["granary", "demo"],
    });
    expect(parsed.metadata).not.toHaveProperty("description");
  });

  for (const kind of ["tar.gz", "zip"] as const) {
    it(`reads a .${kind} sdist's top-level PKG-INFO`, async () => {
      const parsed = await parseFile(kind === "zip" ? zipSdist : sdist);
      expect(parsed).toMatchObject({ fileType: "sdist", name: "granary-demo", version: "0.3.1", subdir: "pypi", coreMetadata: null, requiresPython: ">=3.9" });
      expect(parsed.description).toContain("# Granary demo");
    });
  }

  it("refuses truncated wheels and sdists", async () => {
    for (const file of [wheel, sdist, zipSdist]) {
      const error = await rejection(parseFile(firstHalf(file)));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toContain(`${path.basename(file)} is not a valid`);
      expect(error.message).toContain("it is truncated or corrupt");
    }
  });

  it("refuses a wheel whose file name disagrees with METADATA", async () => {
    const wrongVersion = await rejection(parseFile(copyAs(wheel, "granary_demo-0.4.0-py3-none-any.whl")));
    expect(wrongVersion.code).toBe("UNPROCESSABLE_CONTENT");
    expect(wrongVersion.message).toBe("granary_demo-0.4.0-py3-none-any.whl: wheel filename says version 0.4.0 but METADATA says 0.3.1.");
    const wrongName = await rejection(parseFile(copyAs(wheel, "other_demo-0.3.1-py3-none-any.whl")));
    expect(wrongName.message).toContain("wheel filename says name other_demo but METADATA says granary-demo");
    const malformed = await rejection(parseFile(copyAs(wheel, "granary_demo-0.3.1.whl")));
    expect(malformed.code).toBe("BAD_REQUEST");
    expect(malformed.message).toContain("{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl");
  });

  it("accepts file names that differ only by normalization", async () => {
    expect((await parseFile(copyAs(wheel, "Granary.Demo-0.3.1.0-1-py3-none-any.whl"))).name).toBe("granary-demo");
    expect((await parseFile(copyAs(sdist, "granary_demo-0.3.1.tar.gz"))).version).toBe("0.3.1");
  });

  it("refuses an sdist whose file name disagrees with PKG-INFO", async () => {
    const error = await rejection(parseFile(copyAs(sdist, "granary-demo-0.9.tar.gz")));
    expect(error.message).toBe("granary-demo-0.9.tar.gz: sdist filename says version 0.9 but PKG-INFO says 0.3.1.");
  });

  it("caps the METADATA it reads", async () => {
    const error = await rejection(parseFile(wheel, { maxMetadataBytes: 100 }));
    expect(error.message).toMatch(/its granary_demo-0\.3\.1\.dist-info\/METADATA is larger than the 100 bytes allowed for metadata/);
  });

  describe("corrupt zip members and RECORD", () => {
    const wheelName = "granary_demo-0.3.1-py3-none-any.whl";
    const distInfo = "granary_demo-0.3.1.dist-info";
    const moduleFile = "granary_demo/__init__.py";
    const copyPath = (name = wheelName) => path.join(folder(`damaged-${randomBytes(4).toString("hex")}`), name);

    async function refusal(file: string): Promise<string> {
      const error = await rejection(parseFile(file));
      expect(error.code, error.message).toBe("BAD_REQUEST");
      return error.message;
    }

    const record = () => readZipMember(wheel, `${distInfo}/RECORD`).toString("utf8");
    /** The wheel with RECORD's rows passed through `edit` (one row per line, RECORD's own row included). */
    const withRecord = (edit: (rows: string[]) => string[], edits: Omit<ZipEdits, "replace"> & { replace?: Record<string, string | Buffer> } = {}) =>
      rewriteZip(wheel, copyPath(), { ...edits, replace: { ...edits.replace, [`${distInfo}/RECORD`]: `${edit(record().trimEnd().split("\n")).join("\n")}\n` } });

    it("refuses a member that fails its CRC-32, stored or deflated", async () => {
      const stored = rewriteZip(wheel, copyPath(), { store: true });
      expect((await parseFile(stored)).name).toBe("granary-demo");
      const member = memberLayout(stored, moduleFile);
      expect(await refusal(flipByte(stored, copyPath(), member.dataOffset + 3))).toBe(`${wheelName} is not a valid wheel file: ${moduleFile} fails its CRC-32 check.`);
      // In deflated data the same damage usually breaks the deflate stream first; either way the member is named.
      const deflated = memberLayout(wheel, moduleFile);
      expect(deflated.compressType).toBe(8);
      expect(await refusal(flipByte(wheel, copyPath(), deflated.dataOffset + Math.floor(deflated.compressedSize / 2)))).toMatch(
        new RegExp(`^${wheelName} is not a valid wheel file: .*${moduleFile.replace(/[.]/g, "\\.")}`),
      );
      // A zip sdist has no RECORD: the CRC-32 is all that shows the damage.
      const storedSdist = rewriteZip(zipSdist, copyPath(path.basename(zipSdist)), { store: true });
      const readme = memberLayout(storedSdist, "granary-demo-0.3.1/README.md");
      expect(await refusal(flipByte(storedSdist, copyPath(path.basename(zipSdist)), readme.dataOffset + 5))).toBe(
        `${path.basename(zipSdist)} is not a valid .zip sdist file: granary-demo-0.3.1/README.md fails its CRC-32 check.`,
      );
    });

    it("refuses a local header that disagrees with the central directory", async () => {
      const member = memberLayout(wheel, moduleFile);
      const disagreement = (field: string) => `${wheelName} is not a valid wheel file: ${moduleFile}'s local header disagrees with the central directory about its ${field}.`;
      expect(await refusal(patchBytes(wheel, copyPath(), member.headerOffset + 14, Buffer.from([1, 2, 3, 4])))).toBe(disagreement("CRC-32"));
      expect(await refusal(patchBytes(wheel, copyPath(), member.headerOffset + 22, Buffer.from([0xff, 0, 0, 0])))).toBe(disagreement("size"));
      expect(await refusal(patchBytes(wheel, copyPath(), member.headerOffset + 30, Buffer.from("X")))).toBe(disagreement("name"));
      expect(await refusal(patchBytes(wheel, copyPath(), member.headerOffset + 8, Buffer.from([0, 0])))).toBe(disagreement("compression method"));
    });

    it("reads data descriptors and zip64 local headers, and refuses a descriptor that disagrees", async () => {
      const script = `
import io, sys, zipfile
class Unseekable(io.RawIOBase):
    def __init__(self, f): self.f = f
    def writable(self): return True
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
with zipfile.ZipFile(sys.argv[1]) as source, open(sys.argv[2], 'wb') as raw:
    with zipfile.ZipFile(Unseekable(raw), 'w', zipfile.ZIP_DEFLATED) as streamed:
        for info in source.infolist(): streamed.writestr(info.filename, source.read(info))
with zipfile.ZipFile(sys.argv[1]) as source, zipfile.ZipFile(sys.argv[3], 'w', zipfile.ZIP_DEFLATED) as large:
    for info in source.infolist():
        with large.open(info.filename, 'w', force_zip64=True) as member: member.write(source.read(info))
`;
      const streamed = copyPath();
      const zip64 = copyPath();
      runPython(script, wheel, streamed, zip64);
      expect((await parseFile(streamed)).name).toBe("granary-demo");
      expect((await parseFile(zip64)).name).toBe("granary-demo");
      const member = memberLayout(streamed, moduleFile);
      // The descriptor follows the data: its signature, then the CRC-32.
      expect(fs.readFileSync(streamed).readUInt32LE(member.dataOffset + member.compressedSize)).toBe(0x08074b50);
      const wrongCrc = patchBytes(streamed, copyPath(), member.dataOffset + member.compressedSize + 4, Buffer.from([1, 2, 3, 4]));
      expect(await refusal(wrongCrc)).toBe(`${wheelName} is not a valid wheel file: ${moduleFile}'s local header disagrees with the central directory about its CRC-32.`);
    });

    it("refuses a member name given twice", async () => {
      const doubled = rewriteZip(wheel, copyPath(), { add: { [moduleFile]: "__version__ = 'evil'\n" } });
      expect(await refusal(doubled)).toBe(`${wheelName} is not a valid wheel file: it has ${moduleFile} twice.`);
    });

    it("refuses an archive whose members declare far more than it could hold", async () => {
      const bomb = copyPath(path.basename(zipSdist));
      runPython(
        `import shutil, sys, zipfile
shutil.copy(sys.argv[1], sys.argv[2])
with zipfile.ZipFile(sys.argv[2], 'a', zipfile.ZIP_DEFLATED) as z, z.open('granary_demo-0.3.1/zeros.bin', 'w') as member:
    block = bytes(1 << 20)
    for _ in range(300): member.write(block)`,
        zipSdist,
        bomb,
      );
      expect(await refusal(bomb)).toBe(`${path.basename(zipSdist)} is not a valid .zip sdist file: it expands to more than 256 MiB, far more than a package of its size can hold.`);
    });

    it("refuses a member edited without updating RECORD", async () => {
      // Same length as the original, so only the hash can tell.
      const edited = rewriteZip(wheel, copyPath(), { replace: { [moduleFile]: "__version__ = '0.3.2'\n" } });
      expect(await refusal(edited)).toBe(`${wheelName} is not a valid wheel file: ${moduleFile} fails its RECORD sha256.`);
      const longer = rewriteZip(wheel, copyPath(), { replace: { [moduleFile]: "__version__ = '0.3.10'\n" } });
      expect(await refusal(longer)).toBe(`${wheelName} is not a valid wheel file: ${moduleFile} is 23 bytes, but RECORD says 22.`);
    });

    it("refuses a wheel missing a file RECORD lists, or holding one it does not", async () => {
      expect(await refusal(rewriteZip(wheel, copyPath(), { remove: [moduleFile] }))).toBe(`${wheelName} is not a valid wheel file: RECORD lists ${moduleFile}, which is not in the wheel.`);
      const extra = rewriteZip(wheel, copyPath(), { add: { "granary_demo/extra.py": "print('not listed')\n" } });
      expect(await refusal(extra)).toBe(`${wheelName} is not a valid wheel file: granary_demo/extra.py is not listed in RECORD.`);
      expect(await refusal(rewriteZip(wheel, copyPath(), { remove: [`${distInfo}/RECORD`] }))).toBe(`${wheelName} is not a valid wheel file: it has no ${distInfo}/RECORD.`);
      // PEP 427's signature files stay out of RECORD.
      const signed = rewriteZip(wheel, copyPath(), { add: { [`${distInfo}/RECORD.jws`]: "{}", [`${distInfo}/RECORD.p7s`]: "signature" } });
      expect((await parseFile(signed)).name).toBe("granary-demo");
    });

    it("refuses RECORD rows without a usable hash and accepts sha512 and quoted paths", async () => {
      const moduleRow = (rows: string[]) => rows.findIndex((row) => row.startsWith(`${moduleFile},`));
      const replacingModuleRow = (row: string) => (rows: string[]) => rows.map((line, index) => (index === moduleRow(rows) ? row : line));
      expect(await refusal(withRecord(replacingModuleRow(`${moduleFile},,22`)))).toBe(`${wheelName} is not a valid wheel file: RECORD gives ${moduleFile} no hash.`);
      const md5 = `${moduleFile},md5=${createHash("md5").update("__version__ = '0.3.1'\n").digest("base64url")},22`;
      expect(await refusal(withRecord(replacingModuleRow(md5)))).toBe(`${wheelName} is not a valid wheel file: RECORD gives ${moduleFile} a md5 hash; wheels need sha256, sha384 or sha512.`);
      const sha512 = `${moduleFile},${recordHash("__version__ = '0.3.1'\n", "sha512")},22`;
      expect((await parseFile(withRecord(replacingModuleRow(sha512)))).name).toBe("granary-demo");
      const odd = "granary_demo/data, \"quoted\".txt";
      const quoted = withRecord((rows) => [...rows, `"${odd.replace(/"/g, '""')}",${recordHash("odd")},3`], { add: { [odd]: "odd" } });
      expect((await parseFile(quoted)).name).toBe("granary-demo");
      const notCsv = await rejection(parseFile(withRecord((rows) => [...rows, '"unclosed,sha256=x,1'])));
      expect(notCsv.code).toBe("UNPROCESSABLE_CONTENT");
      expect(notCsv.message).toMatch(new RegExp(`^${wheelName}'s RECORD is not valid CSV`));
    });

    it("accepts the wheels Debian ships and one built by poetry-core", async () => {
      const shipped = "/usr/share/python-wheels";
      const wheels = fs.existsSync(shipped) ? fs.readdirSync(shipped).filter((name) => name.endsWith(".whl")) : [];
      expect(wheels, `${shipped} has no wheels (apt-get install -y python3-pip-whl python3-setuptools-whl python3-wheel-whl)`).not.toHaveLength(0);
      for (const name of wheels) expect((await parseFile(path.join(shipped, name))).fileType, name).toBe("wheel");

      expect(spawnSync(debianPython, ["-c", "import poetry.core"]).status, "poetry-core is not installed (apt-get install -y python3-poetry-core)").toBe(0);
      const project = folder(`poetry-project-${randomBytes(3).toString("hex")}`);
      writeFile(
        project,
        "pyproject.toml",
        '[tool.poetry]\nname = "granary-poetry-demo"\nversion = "1.2.0"\ndescription = "Built by poetry-core"\nauthors = ["Granary <dev@example.org>"]\npackages = [{ include = "granary_poetry_demo" }]\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n',
      );
      writeFile(project, "granary_poetry_demo/__init__.py", "__version__ = '1.2.0'\n");
      writeFile(project, "granary_poetry_demo/data/table.csv", "a,b\n1,2\n");
      const dist = folder(`poetry-dist-${randomBytes(3).toString("hex")}`);
      execFileSync(debianPython, ["-m", "build", "--no-isolation", "--outdir", dist, project], { stdio: "pipe", cwd: project });
      for (const built of fs.readdirSync(dist)) {
        expect((await parseFile(path.join(dist, built))).name, built).toBe("granary-poetry-demo");
      }
    });
  });
});

describe("hand-made wheels", () => {
  function makeWheel(name: string, members: Record<string, string>): string {
    const target = path.join(folder(`wheel-${randomBytes(3).toString("hex")}`), name);
    runPythonWithInput(
      "import json, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n    for n, d in json.load(sys.stdin).items(): z.writestr(n, d)",
      JSON.stringify(members),
      target,
    );
    return target;
  }
  const wheelFile = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";

  it("refuses zero or two METADATA files and a METADATA bomb", async () => {
    const none = makeWheel("demo-1.0-py3-none-any.whl", { "demo/__init__.py": "" });
    expect((await rejection(parseFile(none))).message).toBe("demo-1.0-py3-none-any.whl is not a valid wheel file: it has no .dist-info/METADATA.");
    const metadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
    const two = makeWheel("demo-1.0-py3-none-any.whl", {
      "demo-1.0.dist-info/METADATA": metadata,
      "demo-1.0.dist-info/WHEEL": wheelFile,
      "other-1.0.dist-info/METADATA": metadata,
    });
    expect((await rejection(parseFile(two))).message).toContain("has more than one .dist-info/METADATA");
    // Compresses to a few kB, expands past the cap.
    const bomb = makeWheel("demo-1.0-py3-none-any.whl", { "demo-1.0.dist-info/METADATA": metadata + "\n" + "a".repeat(3 << 20), "demo-1.0.dist-info/WHEEL": wheelFile });
    expect((await rejection(parseFile(bomb, { maxMetadataBytes: 1 << 20 }))).message).toContain("METADATA is larger than the 1 MiB allowed for metadata");
    const noVersion = makeWheel("demo-1.0-py3-none-any.whl", { "demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\n", "demo-1.0.dist-info/WHEEL": wheelFile });
    const error = await rejection(parseFile(noVersion));
    expect(error.code).toBe("UNPROCESSABLE_CONTENT");
    expect(error.message).toBe("demo-1.0-py3-none-any.whl's METADATA has no Version.");
  });
});

describe("core metadata", () => {
  const problems = new FileProblems("demo-1.0.tar.gz", "sdist");

  it("joins continuation lines, collects repeated fields and reads the legacy Description header", () => {
    const text = [
      "Metadata-Version: 1.2",
      "Name: demo",
      "Version: 1.0",
      "Summary: One line",
      "License: Line one",
      "  line two",
      "Platform: linux",
      "Obsoletes-Dist: old",
      "Description: A legacy description",
      "       |",
      "       |    with indented code",
      "Requires-Dist: a",
      "Requires-Dist: b",
      "X-Custom: one",
      "X-Custom: two",
      "",
    ].join("\r\n");
    const parsed = parseCoreMetadata(text, problems, "PKG-INFO");
    expect(parsed.description).toBe("A legacy description\n\n    with indented code");
    expect(parsed.descriptionContentType).toBe("text/x-rst");
    expect(parsed.license).toBeNull();
    expect(parsed.metadata).toMatchObject({
      license: "Line one\nline two",
      platform: ["linux"],
      obsoletes_dist: ["old"],
      requires_dist: ["a", "b"],
      x_custom: ["one", "two"],
      summary: "One line",
    });
  });

  it("takes the body after the blank line as the description", () => {
    const parsed = parseCoreMetadata("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nDescription-Content-Type: text/markdown; charset=UTF-8\n\n# Title\n\nBody\n\n", problems, "METADATA");
    expect(parsed).toMatchObject({ description: "# Title\n\nBody", descriptionContentType: "text/markdown" });
  });

  it("names malformed lines and invalid versions", () => {
    expect(() => parseCoreMetadata("Metadata-Version: 2.1\nthis is not a header\n", problems, "PKG-INFO")).toThrow(/PKG-INFO has a line that is not a "Field: value" header \(line 2\)/);
    expect(() => parseCoreMetadata("Metadata-Version: 2.1\nName: demo\nVersion: one\n", problems, "PKG-INFO")).toThrow(/has a Version \(one\) that is not a PEP 440 version/);
  });

  it("compares versions the way the wheel and sdist file names escape them", () => {
    expect(canonicalVersion("1.0.0-RC1")).toBe("1rc1");
    expect(canonicalVersion("v1.02.post-3.dev4+Ubuntu-1")).toBe("1.2.post3.dev4+ubuntu.1");
    expect(versionsAgree("1.0_post1", "1.0-post1")).toBe(true);
    expect(versionsAgree("1.0rc1", "1.0.0-rc.1")).toBe(true);
    expect(versionsAgree("1.0", "1.1")).toBe(false);
  });
});

describe("notebooks", () => {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3" }, language_info: { name: "python" } },
    cells: [
      { cell_type: "code", source: ["print('hi')"], metadata: {}, outputs: [], execution_count: null },
      { cell_type: "markdown", source: ["Intro line\n", "\n", "## Sales   forecast 2024 ##\n"], metadata: {} },
    ],
  };

  it("reads kernel, language, cell count and a summary from the first markdown heading", async () => {
    const parsed = await parseFile(writeFile(folder("notebooks"), "forecast.ipynb", JSON.stringify(notebook)));
    expect(parsed).toEqual({
      fileType: "notebook",
      name: "forecast",
      version: null,
      subdir: "notebooks",
      summary: "Sales   forecast 2024",
      description: null,
      descriptionContentType: null,
      license: null,
      homepage: null,
      requiresPython: null,
      coreMetadata: null,
      metadata: { nbformat: 4, nbformat_minor: 5, kernel: "python3", language: "python", cells: 2 },
    });
  });

  it("keeps summaries to 200 characters", async () => {
    const long = { ...notebook, cells: [{ cell_type: "markdown", source: "x".repeat(500), metadata: {} }] };
    const parsed = await parseFile(writeFile(folder("notebooks"), "long.ipynb", JSON.stringify(long)));
    expect(parsed.summary).toHaveLength(200);
  });

  it("refuses a notebook that is not JSON, lacks cells or is too old", async () => {
    const notJson = await rejection(parseFile(writeFile(folder("notebooks"), "broken.ipynb", "{ not json")));
    expect(notJson).toMatchObject({ code: "BAD_REQUEST", message: "broken.ipynb is not a valid notebook file: it is not JSON." });
    const { cells: _cells, ...withoutCells } = notebook;
    const noCells = await rejection(parseFile(writeFile(folder("notebooks"), "empty.ipynb", JSON.stringify(withoutCells))));
    expect(noCells).toMatchObject({ code: "UNPROCESSABLE_CONTENT", message: "empty.ipynb's notebook JSON has no cells list." });
    const old = await rejection(parseFile(writeFile(folder("notebooks"), "old.ipynb", JSON.stringify({ ...notebook, nbformat: 3 }))));
    expect(old.message).toContain("only nbformat 4 and later are accepted");
  });
});

describe("environment files", () => {
  const environment = "name: analysis\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pandas>=2\n  - pip\n  - pip:\n      - requests==2.31.0\n";

  it("reads name, channels and dependencies", async () => {
    const parsed = await parseFile(writeFile(folder("environments"), "environment.yml", environment));
    expect(parsed).toMatchObject({ fileType: "environment", name: "analysis", version: null, subdir: "environments" });
    expect(parsed.metadata).toEqual({
      name: "analysis",
      channels: ["conda-forge"],
      dependencies: ["python=3.11", "pandas>=2", "pip", { pip: ["requests==2.31.0"] }],
    });
    expect((await parseFile(writeFile(folder("environments"), "env.yaml", "name: bare\ndependencies: [numpy]\n"))).metadata).toEqual({ name: "bare", channels: [], dependencies: ["numpy"] });
  });

  it("refuses files without a name, with bad dependencies or that are not YAML mappings", async () => {
    const noName = await rejection(parseFile(writeFile(folder("environments"), "environment.yml", "dependencies:\n  - numpy\n")));
    expect(noName).toMatchObject({ code: "UNPROCESSABLE_CONTENT", message: "environment.yml's environment has no name." });
    const badDependency = await rejection(parseFile(writeFile(folder("environments"), "deps.yml", "name: x\ndependencies:\n  - conda: [numpy]\n")));
    expect(badDependency.message).toContain("has a dependency that is neither a package spec nor a pip list");
    const notMapping = await rejection(parseFile(writeFile(folder("environments"), "list.yml", "- just\n- a list\n")));
    expect(notMapping.message).toBe("list.yml is not a valid environment file: it is not a YAML mapping.");
    const invalid = await rejection(parseFile(writeFile(folder("environments"), "bad.yml", "name: [unclosed\n")));
    expect(invalid.message).toMatch(/^bad\.yml is not a valid environment file: it is not valid YAML/);
  });
});

describe("any file", () => {
  it("refuses random bytes under every accepted extension with a clean AppError", async () => {
    const junk = randomBytes(64 * 1024);
    for (const name of ["junk-1.0-0.tar.bz2", "junk-1.0-0.conda", "junk-1.0-py3-none-any.whl", "junk-1.0.tar.gz", "junk-1.0.zip", "junk.ipynb", "junk.yml", "junk.yaml"]) {
      const error = await rejection(parseFile(writeFile(folder("junk"), name, junk)));
      expect(error.code, name).toBe("BAD_REQUEST");
      expect(error.message.startsWith(`${name} is not a valid `), error.message).toBe(true);
    }
  });

  it("refuses empty files", async () => {
    for (const name of ["empty-1.0-0.tar.bz2", "empty-1.0-0.conda", "empty-1.0-py3-none-any.whl", "empty-1.0.tar.gz", "empty.ipynb"]) {
      expect((await rejection(parseFile(writeFile(folder("empty"), name, "")))).code, name).toBe("BAD_REQUEST");
    }
  });

  it("names the accepted types for an unknown extension", async () => {
    const error = await rejection(parseFile(writeFile(folder("unknown"), "setup.exe", "MZ")));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("setup.exe is not a package type Granary accepts: upload a .conda, .tar.bz2, .whl, .tar.gz, .zip, .ipynb, .yml, .yaml file.");
  });
});
