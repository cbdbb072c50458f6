/**
 * The benchmark's data, written straight into the database through Drizzle: uploading 10,000 real packages
 * over HTTP would take longer than the whole benchmark. The rows look like what publishFile stores for real
 * uploads (conda index.json + about in `metadata`, core metadata for wheels), so the queries and the documents
 * Granary builds from them have realistic sizes. No bytes exist on disk for these files: the indexes do not
 * read them, and the one download measured uses a real file uploaded through the API.
 */
import { createHash, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../src/server/db/client";
import { channelRevisions, fileLabels, packageFiles, packages, plans, users } from "../src/server/db/schema";
import { hashPassword } from "../src/server/services/passwords";

export interface SeedOptions {
  owner: string;
  password: string;
  condaSubdir: string;
  condaFiles: number;
  pypiProject: string;
  pypiFiles: number;
}

export interface SeedSummary {
  ownerId: string;
  condaFiles: number;
  condaPackages: number;
  pypiFiles: number;
}

const batchSize = 1_000;

/** A deterministic stream of numbers, so every run seeds the same channel (same repodata size). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const syllables = ["ar", "bo", "cel", "da", "fi", "gor", "hex", "io", "ka", "lum", "mo", "nex", "or", "py", "qua", "ro", "sci", "tor", "ul", "vex", "wa", "xy", "zen"];
const licenses = ["BSD-3-Clause", "MIT", "Apache-2.0", "LGPL-2.1-or-later", "GPL-3.0-only", "MPL-2.0"];
const commonDependencies = ["libgcc-ng >=12", "libstdcxx-ng >=12", "libzlib >=1.2.13,<2.0.0a0", "openssl >=3.1.4,<4.0a0", "numpy >=1.23.5,<2.0a0", "libblas >=3.9.0,<4.0a0"];
const pythons = [
  { tag: "py310", depends: ["python >=3.10,<3.11.0a0", "python_abi 3.10.* *_cp310"] },
  { tag: "py311", depends: ["python >=3.11,<3.12.0a0", "python_abi 3.11.* *_cp311"] },
];

function hex(random: () => number, length: number): string {
  let text = "";
  while (text.length < length) text += Math.floor(random() * 0x1_0000_0000).toString(16).padStart(8, "0");
  return text.slice(0, length);
}

function packageName(index: number): string {
  const first = syllables[index % syllables.length]!;
  const second = syllables[Math.floor(index / syllables.length) % syllables.length]!;
  return `${first}${second}-lib${index}`;
}

async function insertInBatches<Row>(rows: Row[], insert: (batch: Row[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += batchSize) await insert(rows.slice(start, start + batchSize));
}

export async function seedBenchmarkData(db: Db, options: SeedOptions): Promise<SeedSummary> {
  const random = seededRandom(20_240_601);
  const ownerId = randomUUID();
  // The seeded files declare sizes that add up to far more than the shipped plans' storage, and the uploads come on
  // top: the owner gets a plan without limits, as an administrator would give a team's build account.
  const [unlimited] = await db
    .insert(plans)
    .values({ slug: `benchmark-${options.owner}`, name: `Benchmark (${options.owner})`, description: "No limits, for the benchmark's owner.", audience: "user", maxPrivatePackages: null, maxStorageBytes: null })
    .returning({ id: plans.id });
  // A site administrator, so the launcher does not create (and print) another first administrator.
  await db.insert(users).values({
    planId: unlimited!.id,
    id: ownerId,
    username: options.owner,
    email: `${options.owner}@bench.invalid`,
    name: "Benchmark owner",
    passwordHash: await hashPassword(options.password),
    isSiteAdmin: true,
  });

  // ---------------------------------------------------------------- conda: names x versions x python builds
  const filesPerName = 20;
  const condaPackageCount = Math.ceil(options.condaFiles / filesPerName);
  const packageRows: (typeof packages.$inferInsert)[] = [];
  const fileRows: (typeof packageFiles.$inferInsert)[] = [];
  const baseTimestamp = Date.UTC(2023, 0, 1);
  for (let index = 0; index < condaPackageCount; index++) {
    const name = packageName(index);
    const license = licenses[index % licenses.length]!;
    const summary = `The ${name} library: fast numerical routines for benchmark ${index}`;
    const homepage = `https://example.org/${name}`;
    const packageId = randomUUID();
    const versions: string[] = [];
    for (let fileIndex = 0; fileIndex < filesPerName && fileRows.length < options.condaFiles; fileIndex++) {
      const versionIndex = Math.floor(fileIndex / pythons.length);
      const python = pythons[fileIndex % pythons.length]!;
      const version = `${1 + (index % 3)}.${versionIndex}.${index % 7}`;
      versions.push(version);
      const buildHash = hex(random, 8);
      const buildNumber = versionIndex % 3;
      const build = `${python.tag}h${buildHash}_${buildNumber}`;
      const extension = versionIndex >= 5 ? ".conda" : ".tar.bz2";
      const depends = [...python.depends];
      const extraDependencies = 1 + Math.floor(random() * 4);
      for (let dependency = 0; dependency < extraDependencies; dependency++) {
        depends.push(commonDependencies[(index + dependency) % commonDependencies.length]!);
      }
      if (index > 0 && random() < 0.5) depends.push(`${packageName(Math.floor(random() * index))} >=1.0`);
      const timestamp = baseTimestamp + index * 3_600_000 + fileIndex * 60_000;
      const metadata: Record<string, unknown> = {
        arch: "x86_64",
        build,
        build_number: buildNumber,
        depends,
        ...(random() < 0.2 ? { constrains: [`${packageName((index + 1) % condaPackageCount)} >=2`] } : {}),
        license,
        license_family: license.split("-")[0],
        name,
        platform: "linux",
        subdir: options.condaSubdir,
        timestamp,
        version,
        about: { summary, license, home: homepage, dev_url: `https://github.com/example/${name}` },
      };
      fileRows.push({
        id: randomUUID(),
        packageId,
        ownerId,
        fileType: "conda",
        subdir: options.condaSubdir,
        filename: `${name}-${version}-${build}${extension}`,
        version,
        size: 20_000 + Math.floor(random() * 20_000_000),
        sha256: hex(random, 64),
        md5: hex(random, 32),
        metadata,
        uploadedById: ownerId,
        createdAt: new Date(timestamp),
      });
    }
    packageRows.push({
      id: packageId,
      ownerId,
      name,
      normalizedName: name,
      summary,
      license,
      homepage,
      latestVersion: versions[versions.length - 1] ?? null,
    });
  }

  // ---------------------------------------------------------------- PyPI: versions x (4 wheels + 1 sdist)
  const projectId = randomUUID();
  const moduleName = options.pypiProject.replace(/[-.]/g, "_");
  const wheelTags = [
    "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp311-cp311-macosx_11_0_arm64",
    "cp311-cp311-win_amd64",
  ];
  const pypiRows: (typeof packageFiles.$inferInsert)[] = [];
  let pypiVersion = "";
  for (let versionIndex = 0; pypiRows.length < options.pypiFiles; versionIndex++) {
    pypiVersion = `${Math.floor(versionIndex / 20)}.${Math.floor(versionIndex / 4) % 5}.${versionIndex % 4}`;
    const requiresPython = versionIndex < 50 ? ">=3.8" : ">=3.10";
    const coreMetadata = [
      "Metadata-Version: 2.1",
      `Name: ${options.pypiProject}`,
      `Version: ${pypiVersion}`,
      "Summary: A client library published 500 times for Granary's benchmark",
      "License: MIT",
      `Requires-Python: ${requiresPython}`,
      "Requires-Dist: requests>=2.28",
      "Requires-Dist: numpy>=1.23",
      "",
      "",
    ].join("\n");
    const metadata = {
      name: options.pypiProject,
      version: pypiVersion,
      summary: "A client library published 500 times for Granary's benchmark",
      license: "MIT",
      requires_python: requiresPython,
      requires_dist: ["requests>=2.28", "numpy>=1.23"],
    };
    const createdAt = new Date(Date.UTC(2022, 0, 1) + versionIndex * 86_400_000);
    const common = { packageId: projectId, ownerId, subdir: "pypi", version: pypiVersion, metadata, requiresPython, uploadedById: ownerId, createdAt };
    for (const tag of wheelTags) {
      if (pypiRows.length >= options.pypiFiles) break;
      pypiRows.push({
        ...common,
        id: randomUUID(),
        fileType: "wheel",
        filename: `${moduleName}-${pypiVersion}-${tag}.whl`,
        size: 200_000 + Math.floor(random() * 2_000_000),
        sha256: hex(random, 64),
        md5: hex(random, 32),
        coreMetadata,
        coreMetadataSha256: createHash("sha256").update(coreMetadata).digest("hex"),
      });
    }
    if (pypiRows.length < options.pypiFiles) {
      pypiRows.push({
        ...common,
        id: randomUUID(),
        fileType: "sdist",
        filename: `${moduleName}-${pypiVersion}.tar.gz`,
        size: 100_000 + Math.floor(random() * 500_000),
        sha256: hex(random, 64),
        md5: hex(random, 32),
      });
    }
  }
  packageRows.push({
    id: projectId,
    ownerId,
    name: options.pypiProject,
    normalizedName: options.pypiProject.toLowerCase().replace(/[-_.]+/g, "-"),
    summary: "A client library published 500 times for Granary's benchmark",
    license: "MIT",
    latestVersion: pypiVersion,
  });

  await db.transaction(async (tx) => {
    await insertInBatches(packageRows, (batch) => tx.insert(packages).values(batch));
    const allFiles = [...fileRows, ...pypiRows];
    await insertInBatches(allFiles, (batch) => tx.insert(packageFiles).values(batch));
    await insertInBatches(
      allFiles.map((file) => ({ fileId: file.id!, label: "main" })),
      (batch) => tx.insert(fileLabels).values(batch),
    );
    await tx.insert(channelRevisions).values({ ownerId, revision: 1 });
  });
  // Fresh statistics, as autovacuum would gather them on a real server long before a benchmark.
  await db.execute(sql`analyze`);
  return { ownerId, condaFiles: fileRows.length, condaPackages: condaPackageCount, pypiFiles: pypiRows.length };
}
