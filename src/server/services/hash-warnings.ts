/**
 * Admin → Hash Warnings (seed 003): for each type of stored object, how many there are and how many different
 * content hashes (sha256) they have. Identical objects share their bytes, which is fine now and then; a type whose
 * share of different hashes is low stores the same thing over and over (a task that ignores its input, a package
 * re-uploaded under many names), and gets a warning below the site's threshold (Admin → General). Types: package
 * files by kind (.conda and .tar.bz2 conda packages apart, wheels, sdists, notebooks, environments), and each
 * application task's results and output files. The most repeated hashes of each type say what holds them.
 */
import { sql } from "drizzle-orm";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { readGeneralSettings } from "./general-settings";

/** Repeated hashes shown per type, and holders shown per hash. */
const repeatedHashesPerType = 5;
const holdersPerHash = 5;

export interface HashHolder {
  label: string;
  href: string;
}

export interface RepeatedHash {
  sha256: string;
  count: number;
  holders: HashHolder[];
}

export interface HashTypeSummary {
  /** Stable key: `package:<kind>` or `task:<application id>:<task>:<result|file>`. */
  key: string;
  label: string;
  group: "Package files" | "Task results";
  objects: number;
  distinctHashes: number;
  /** distinctHashes / objects, from 0 to 1. */
  share: number;
  warning: boolean;
  repeated: RepeatedHash[];
}

const packageKinds: Record<string, string> = {
  "conda-conda": "Conda packages (.conda)",
  "conda-tar.bz2": "Conda packages (.tar.bz2)",
  wheel: "Wheels",
  sdist: "Source distributions (sdist)",
  notebook: "Notebooks",
  environment: "Environments",
};

/** The kind a package file is counted under: conda packages by their format, the others by their file type. */
const packageKind = sql`case when pf.file_type = 'conda' then case when pf.filename like '%.conda' then 'conda-conda' else 'conda-tar.bz2' end else pf.file_type end`;

export async function getHashWarnings(db: Db, actor: Actor): Promise<{ thresholdPercent: number; types: HashTypeSummary[] }> {
  assertCan(actor, "admin:applications:read");
  const thresholdPercent = (await readGeneralSettings(db)).hashWarningPercent;
  const threshold = thresholdPercent / 100;

  const packageCounts = await db.execute<{ kind: string; objects: number; distinct: number }>(sql`
    select ${packageKind} as kind, count(*)::int as objects, count(distinct pf.sha256)::int as distinct
    from package_files pf group by 1`);
  const packageRepeated = await db.execute<{ kind: string; sha256: string; count: number }>(sql`
    select kind, sha256, count from (
      select ${packageKind} as kind, pf.sha256, count(*)::int as count,
        row_number() over (partition by ${packageKind} order by count(*) desc, pf.sha256) as rank
      from package_files pf group by 1, 2 having count(*) > 1
    ) ranked where rank <= ${repeatedHashesPerType} order by kind, count desc, sha256`);
  const packageHolders = packageRepeated.length
    ? await db.execute<{ kind: string; sha256: string; owner: string; package: string; filename: string }>(sql`
        select kind, sha256, owner, package, filename from (
          select ${packageKind} as kind, pf.sha256, u.username as owner, p.name as package, pf.filename,
            row_number() over (partition by ${packageKind}, pf.sha256 order by u.username, p.name, pf.filename) as rank
          from package_files pf join packages p on p.id = pf.package_id join users u on u.id = pf.owner_id
          where pf.sha256 in (${sql.join([...new Set(packageRepeated.map((row) => row.sha256))].map((sha256) => sql`${sha256}`), sql`, `)})
        ) ranked where rank <= ${holdersPerHash} order by owner, package, filename`)
    : [];

  const taskKind = sql`tr.application_id::text || ':' || tr.task_name || ':' || tro.kind`;
  const taskCounts = await db.execute<{ kind: string; application: string; task: string; object_kind: string; objects: number; distinct: number }>(sql`
    select ${taskKind} as kind, a.name as application, tr.task_name as task, tro.kind as object_kind, count(*)::int as objects, count(distinct tro.sha256)::int as distinct
    from task_run_objects tro join task_runs tr on tr.id = tro.run_id join applications a on a.id = tr.application_id
    group by 1, 2, 3, 4`);
  const taskRepeated = await db.execute<{ kind: string; sha256: string; count: number }>(sql`
    select kind, sha256, count from (
      select ${taskKind} as kind, tro.sha256, count(*)::int as count,
        row_number() over (partition by ${taskKind} order by count(*) desc, tro.sha256) as rank
      from task_run_objects tro join task_runs tr on tr.id = tro.run_id group by 1, 2 having count(*) > 1
    ) ranked where rank <= ${repeatedHashesPerType} order by kind, count desc, sha256`);
  const taskHolders = taskRepeated.length
    ? await db.execute<{ kind: string; sha256: string; run_id: string; username: string; name: string; queued_at: Date }>(sql`
        select kind, sha256, run_id, username, name, queued_at from (
          select ${taskKind} as kind, tro.sha256, tr.id as run_id, u.username, tro.name, tr.queued_at,
            row_number() over (partition by ${taskKind}, tro.sha256 order by tr.queued_at desc, tr.id) as rank
          from task_run_objects tro join task_runs tr on tr.id = tro.run_id join users u on u.id = tr.user_id
          where tro.sha256 in (${sql.join([...new Set(taskRepeated.map((row) => row.sha256))].map((sha256) => sql`${sha256}`), sql`, `)})
        ) ranked where rank <= ${holdersPerHash} order by queued_at desc`)
    : [];

  const summary = (key: string, label: string, group: HashTypeSummary["group"], objects: number, distinct: number, repeated: RepeatedHash[]): HashTypeSummary => {
    const share = objects === 0 ? 1 : distinct / objects;
    return { key, label, group, objects, distinctHashes: distinct, share, warning: objects > 0 && share < threshold, repeated };
  };

  const types: HashTypeSummary[] = [];
  for (const [kind, label] of Object.entries(packageKinds)) {
    const counts = packageCounts.find((row) => row.kind === kind);
    if (!counts) continue;
    const repeated = packageRepeated
      .filter((row) => row.kind === kind)
      .map((row) => ({
        sha256: row.sha256,
        count: row.count,
        holders: packageHolders
          .filter((holder) => holder.kind === kind && holder.sha256 === row.sha256)
          .map((holder) => ({ label: `${holder.owner}/${holder.package}: ${holder.filename}`, href: `/${encodeURIComponent(holder.owner)}/${encodeURIComponent(holder.package)}` })),
      }));
    types.push(summary(`package:${kind}`, label, "Package files", counts.objects, counts.distinct, repeated));
  }
  const sortedTasks = [...taskCounts].sort((a, b) => a.application.localeCompare(b.application) || a.task.localeCompare(b.task) || a.object_kind.localeCompare(b.object_kind));
  for (const counts of sortedTasks) {
    const repeated = taskRepeated
      .filter((row) => row.kind === counts.kind)
      .map((row) => ({
        sha256: row.sha256,
        count: row.count,
        holders: taskHolders
          .filter((holder) => holder.kind === counts.kind && holder.sha256 === row.sha256)
          .map((holder) => ({ label: `${holder.username}'s run: ${holder.name}`, href: `/tools/applications/runs/${holder.run_id}` })),
      }));
    const what = counts.object_kind === "result" ? "results" : "output files";
    types.push(summary(`task:${counts.kind}`, `${counts.application} · ${counts.task}: ${what}`, "Task results", counts.objects, counts.distinct, repeated));
  }
  return { thresholdPercent, types };
}
