/**
 * Issue 12's world for the admin section of bench/run.sh, written in SQL (generate_series) straight into the
 * benchmark's database while Granary runs: 100,000 people (70% signed in at some time, 10% also through a package
 * client), 1,000 organizations with 50,000 memberships, 20,000 packages of the first 5,000 people, one site
 * administrator who signs in to measure, and 1,000,000 audit events over the last year (25 actions, 98% by people,
 * the rest anonymous). Everything follows from the row numbers, so every run seeds the same world.
 *
 *   npx tsx bench/admin.ts <database-url> <password> <output.json>
 *
 * Then it runs the admin pages' own queries (through the services, with a logger that catches their SQL) under
 * EXPLAIN ANALYZE (timing off: per-node clocks would cost more than the statements on this machine), and writes their plans and times with what bench/run.sh measures: the administrator, the search
 * terms, and the filters of the Security Log's filtered pages.
 */
import fs from "node:fs";
import { sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "../src/server/db/schema";
import type { Db } from "../src/server/db/client";
import { userActor } from "../src/server/authz";
import { hashPassword } from "../src/server/services/passwords";
import { listAdminUsers } from "../src/server/services/admin-users";
import { listSecurityEvents } from "../src/server/services/security-log";

export const peopleCount = 100_000;
export const eventCount = 1_000_000;
const organizationCount = 1_000;
const packageCount = 20_000;
const publishingPeople = 5_000;

export const adminName = "adminbench-admin";
/** Part of a username, of an address, and a rarer one: each matches a different share of the accounts. */
export const userSearchTerms = ["user0042", "user09999", "admin.bench", "user1234"];
/** Actions the trail holds; action n of the seed is the (7n mod 25)th. */
const actions = [
  "auth.sign_in", "auth.sign_out", "auth.sign_in_failed", "token.created", "token.revoked", "package.file_uploaded", "package.deleted",
  "package.privacy_changed", "account.password_changed", "account.profile_updated", "organization.member_added", "organization.member_removed",
  "group.created", "group.member_added", "admin.user_deactivated", "admin.user_reactivated", "admin.settings_updated", "account.email_changed",
  "account.password_reset_requested", "account.password_reset_completed", "token.used_from_new_ip", "package.labels_changed",
  "package.collaborator_added", "auth.session_revoked", "plan.changed",
];
/** The filtered pages: sign-ins in one month, and one person's events. */
export const filteredAction = "auth.sign_in";
export const filteredActor = "user000777";

export interface AdminSeed {
  admin: string;
  userSearchTerms: string[];
  filteredAction: string;
  filteredRange: { from: string; until: string };
  filteredActor: string;
  counts: Record<string, number>;
  plans: Array<{ name: string; milliseconds: number; plan: string }>;
  seedMilliseconds: number;
}

const domain = "admin.bench.invalid";
const uuidOf = (name: SQL) => sql`md5(${name})::uuid`;
/** A number written into the statement (generate_series cannot tell the type of an untyped parameter). */
const n = (value: number) => sql.raw(String(value));
const personId = (number: SQL) => uuidOf(sql`'adminbench-person' || (${number})`);
const organizationId = (number: SQL) => uuidOf(sql`'adminbench-org' || (${number})`);

async function timed(db: Db, query: SQL): Promise<void> {
  const started = Date.now();
  await db.execute(query);
  const elapsed = Date.now() - started;
  if (elapsed > 1_000) console.error(`[bench admin] ${elapsed} ms`);
}

export async function seedAdmin(db: Db, password: string): Promise<Omit<AdminSeed, "plans">> {
  const started = Date.now();
  const passwordHash = await hashPassword(password);
  await db.transaction(async (tx) => {
    await timed(tx, sql`insert into users (id, username, kind, email, name, created_at, last_sign_in_at, password_last_used_at)
      select ${personId(sql`n`)}, 'user' || lpad(n::text, 6, '0'), 'user', 'user' || n || '@${sql.raw(domain)}', 'Person ' || n,
        now() - interval '3 years' + n * interval '15 minutes',
        case when n % 10 < 7 then now() - ((n::bigint * 7919) % 525600) * interval '1 minute' end,
        case when n % 10 = 0 then now() - ((n::bigint * 104729) % 525600) * interval '1 minute' end
      from generate_series(1, ${n(peopleCount)}) as n`);
    await timed(tx, sql`insert into users (username, kind, email, name, password_hash, is_site_admin, keeps_local_password)
      values (${adminName}, 'user', ${`${adminName}@${domain}`}, 'Admin benchmark', ${passwordHash}, true, true)`);
    await timed(tx, sql`insert into users (id, username, kind, email, name, created_at)
      select ${organizationId(sql`n`)}, 'adminorg' || lpad(n::text, 4, '0'), 'organization', 'adminorg' || n || '@${sql.raw(domain)}', 'Organization ' || n,
        now() - interval '2 years' + n * interval '1 hour'
      from generate_series(1, ${n(organizationCount)}) as n`);
    await timed(tx, sql`insert into organization_members (organization_id, user_id, role)
      select ${organizationId(sql`n`)}, ${personId(sql`n`)}, 'owner' from generate_series(1, ${n(organizationCount)}) as n
      union all
      select ${organizationId(sql`1 + n % ${n(organizationCount)}`)}, ${personId(sql`n`)}, 'member' from generate_series(${n(organizationCount + 1)}, ${n(peopleCount)}) as n where n % 2 = 0`);
    await timed(tx, sql`insert into packages (owner_id, name, normalized_name, summary, latest_version, is_private)
      select ${personId(sql`1 + (j * 7) % ${n(publishingPeople)}`)}, 'adminbench-' || j, 'adminbench-' || j, 'A package', '1.0.0', j % 5 = 0
      from generate_series(1, ${n(packageCount)}) as j`);
    await timed(tx, sql`insert into audit_events (action, actor_user_id, actor_label, target_type, target_label, subject_user_id, ip_address, user_agent, details, created_at)
      select (${sql.raw(`array[${actions.map((action) => `'${action}'`).join(", ")}]`)})[1 + (n * 7) % ${n(actions.length)}],
        case when n % 50 = 0 then null else ${personId(sql`1 + (n * 13) % ${n(peopleCount)}`)} end,
        case when n % 50 = 0 then 'anonymous' else 'user' || lpad((1 + (n * 13) % ${n(peopleCount)})::text, 6, '0') end,
        'user', 'user' || lpad((1 + (n * 13) % ${n(peopleCount)})::text, 6, '0'),
        case when n % 50 = 0 then null else ${personId(sql`1 + (n * 13) % ${n(peopleCount)}`)} end,
        '198.51.100.' || (n % 250), 'bench', jsonb_build_object('n', n),
        now() - n * interval '31 seconds'
      from generate_series(1, ${n(eventCount)}) as n`);
  });
  // As autovacuum would leave a settled database: statistics, and the visibility map that index-only scans need.
  await db.execute(sql`vacuum (analyze)`);
  const [counts] = await db.execute<Record<string, string>>(sql`select
      (select count(*) from users where kind = 'user') as people,
      (select count(*) from users where kind = 'organization') as organizations,
      (select count(*) from organization_members) as memberships,
      (select count(*) from packages) as packages,
      (select count(*) from audit_events) as audit_events`);
  const month = new Date(Date.now() - 60 * 24 * 60 * 60 * 1000);
  const from = month.toISOString().slice(0, 10);
  const until = new Date(month.getTime() + 29 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  return {
    admin: adminName,
    userSearchTerms,
    filteredAction,
    filteredRange: { from, until },
    filteredActor,
    counts: Object.fromEntries(Object.entries(counts ?? {}).map(([key, value]) => [key, Number(value)])),
    seedMilliseconds: Date.now() - started,
  };
}

/**
 * The services' own statements under EXPLAIN ANALYZE: a logger catches each statement a call makes, and each is
 * explained with its parameters. The time is PostgreSQL's execution time of the slowest statement of the call.
 */
async function explainAll(url: string, seed: Omit<AdminSeed, "plans">) {
  const client = postgres(url, { max: 1, onnotice: () => {}, types: { bigint: postgres.BigInt } });
  const caught: Array<{ query: string; params: unknown[] }> = [];
  const db = drizzle(client, { schema, logger: { logQuery: (query, params) => caught.push({ query, params }) } }) as unknown as Db;
  const [admin] = await client`select id, username, email from users where username = ${adminName}`;
  const actor = userActor({ id: admin!.id as string, username: adminName, email: admin!.email as string, name: null, isSiteAdmin: true });
  const calls: Array<[string, () => Promise<unknown>]> = [
    ["users, first page", () => listAdminUsers(db, actor, { pageSize: 50 })],
    [`users, search "${seed.userSearchTerms[0]}"`, () => listAdminUsers(db, actor, { pageSize: 50, query: seed.userSearchTerms[0] })],
    ["users, last seen first", () => listAdminUsers(db, actor, { pageSize: 50, sort: "last_seen" })],
    ["users, newest first, page 100", () => listAdminUsers(db, actor, { pageSize: 50, sort: "created", page: 100 })],
    ["users, most packages first", () => listAdminUsers(db, actor, { pageSize: 50, sort: "packages" })],
    ["security log, first page", () => listSecurityEvents(db, actor, { pageSize: 50 })],
    [`security log, ${seed.filteredAction} ${seed.filteredRange.from}..${seed.filteredRange.until}`, () =>
      listSecurityEvents(db, actor, { pageSize: 50, action: seed.filteredAction, ...seed.filteredRange })],
    [`security log, actor ${seed.filteredActor}`, () => listSecurityEvents(db, actor, { pageSize: 50, actor: seed.filteredActor })],
  ];
  const plans: AdminSeed["plans"] = [];
  try {
    for (const [name, call] of calls) {
      caught.length = 0;
      await call();
      let slowest = { milliseconds: 0, plan: "" };
      for (const statement of [...caught]) {
        const rows = await client.unsafe(`explain (analyze, buffers, timing off) ${statement.query}`, statement.params as never[]);
        const plan = rows.map((row) => String(row["QUERY PLAN"])).join("\n");
        const milliseconds = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? 0);
        if (milliseconds >= slowest.milliseconds) slowest = { milliseconds, plan: `${statement.query.replace(/\s+/g, " ")}\n${plan}` };
      }
      plans.push({ name, ...slowest });
      console.error(`[bench admin] EXPLAIN ANALYZE ${name}: slowest statement ${slowest.milliseconds} ms`);
    }
  } finally {
    await client.end({ timeout: 5 });
  }
  return plans;
}

async function main(databaseUrl: string, password: string, output: string) {
  if (process.env.BENCH_ADMIN_EXPLAIN_ONLY === "1") {
    // Again on a database seeded before (to try an index): the plans only.
    const seeded = JSON.parse(fs.readFileSync(output, "utf8")) as AdminSeed;
    fs.writeFileSync(output, `${JSON.stringify({ ...seeded, plans: await explainAll(databaseUrl, seeded) }, null, 2)}\n`);
    return;
  }
  const client = postgres(databaseUrl, { max: 2, onnotice: () => {}, types: { bigint: postgres.BigInt } });
  const db = drizzle(client, { schema }) as unknown as Db;
  try {
    const seeded = await seedAdmin(db, password);
    console.error(`[bench admin] seeded ${JSON.stringify(seeded.counts)} in ${seeded.seedMilliseconds} ms`);
    const plans = await explainAll(databaseUrl, seeded);
    fs.writeFileSync(output, `${JSON.stringify({ ...seeded, plans }, null, 2)}\n`);
  } finally {
    await client.end({ timeout: 5 });
  }
}

if (process.argv[1]?.endsWith("admin.ts")) {
  const [databaseUrl, password, output] = process.argv.slice(2);
  if (!databaseUrl || !password || !output) {
    console.error("usage: tsx bench/admin.ts <database-url> <password> <output.json>");
    process.exit(2);
  }
  main(databaseUrl, password, output).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
