import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../errors";
import { scanBzip2File } from "./bzip2";
import { canonicalVersion, parseCoreMetadata, versionsAgree } from "./core-metadata";
import { parseDistribution } from "./index";
import { scanGzipFile } from "./gzip";
import { FileProblems } from "./problems";
import { packageTools } from "@/test/package-fixtures";
import { debianPython, requireTools } from "@/test/tools";
import { decompressZstd } from "./zstd";

/**
 * Fixtures are built here with the tools publishers use (conda-package-handling's `cph`, `python3 -m build`),
 * never checked in. A missing tool fails this file at once, naming the command that installs it.
 */
requireTools("cph", "pythonBuild");

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
}

/** Lays out a package prefix and runs `cph create` for each requested format. */
function buildConda(source: CondaSource, filenameStem: string, formats: (".tar.bz2" | ".conda")[]): Record<string, string> {
  const prefix = folder(`conda-src-${filenameStem}-${randomBytes(3).toString("hex")}`);
  const output = folder("conda-out");
  const payload = `lib/python3/site-packages/${String(source.index.name ?? "pkg").replace(/-/g, "_")}/__init__.py`;
  writeFile(prefix, payload, "__version__ = 'test'\n");
  writeFile(prefix, "info/index.json", JSON.stringify(source.index, null, 2));
  if (source.about) writeFile(prefix, "info/about.json", JSON.stringify(source.about, null, 2));
  writeFile(prefix, "info/files", `${payload}\n`);
  writeFile(prefix, "info/paths.json", JSON.stringify({ paths: [{ _path: payload, path_type: "hardlink", size_in_bytes: 21 }], paths_version: 1 }));
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
    z.writestr('pkg-' + stem + '.tar.zst', zstandard.ZstdCompressor().compress(b''))
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

describe("bzip2 and zstd guards", () => {
  it("stops a bzip2 bomb at its expansion budget", async () => {
    const target = path.join(folder("bomb"), "bomb.tar.bz2");
    runPython(
      "import bz2, sys, tarfile\ninfo = tarfile.TarInfo('lib/huge.bin'); info.size = 1 << 32\nwith open(sys.argv[1], 'wb') as f:\n    f.write(bz2.compress(info.tobuf() + bytes(32 << 20)))",
      target,
    );
    const problems = new FileProblems("bomb.tar.bz2", ".tar.bz2");
    const error = await rejection(scanBzip2File(target, () => true, 4 * 1024 * 1024, problems));
    expect(error.message).toBe("bomb.tar.bz2 is not a valid .tar.bz2 file: it expands to more than 4 MiB before its metadata could be read.");
  });

  it("stops a gzip bomb at its expansion budget", async () => {
    const target = path.join(folder("bomb"), "bomb-1.0.tar.gz");
    runPython("import gzip, sys\nwith open(sys.argv[1], 'wb') as f:\n    f.write(gzip.compress(bytes(16 << 20)))", target);
    const problems = new FileProblems("bomb-1.0.tar.gz", ".tar.gz sdist");
    const error = await rejection(scanGzipFile(target, () => true, 4 * 1024 * 1024, problems));
    expect(error.message).toBe("bomb-1.0.tar.gz is not a valid .tar.gz sdist file: it expands to more than 4 MiB before its metadata could be read.");
  });

  it("refuses zstd frames that declare giant windows or end early", () => {
    const problems = new FileProblems("x.conda", ".conda");
    const options = { shrinkWindows: true, budget: 1 << 20, problems, label: "info-x.tar.zst" };
    // Magic, a frame header with a 2 GiB window, then one empty raw block.
    const giantWindow = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00]);
    expect(() => decompressZstd(giantWindow, () => true, options)).toThrow(/declares a zstd window larger than 128 MiB/);
    expect(() => decompressZstd(giantWindow.subarray(0, 7), () => true, options)).toThrow(/info-x\.tar\.zst ends early/);
    expect(() => decompressZstd(randomBytes(64), () => true, options)).toThrow(/truncated or corrupt/);
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
