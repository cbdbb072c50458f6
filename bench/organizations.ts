/**
 * Issue 11's world for the organizations section of bench/run.sh, written in SQL (generate_series) straight into
 * the benchmark's database while Granary runs: 10,000 organizations, 5,000 people, 100,000 packages (most of them
 * the organizations', 40% of those private; the rest people's own, 15% private), their wheels, two groups per
 * organization with members, collaborators sprinkled over the packages, and one person, the member, in 100 groups of
 * 60 organizations (Read-Only, Read-Write and Administration, over every package or over chosen ones), owner of two
 * small organizations, collaborator on 30 packages elsewhere. Everything follows from the row numbers (ids are md5s
 * of names), so every run seeds the same world.
 *
 *   npx tsx bench/organizations.ts <database-url> <password> <output.json>
 *
 * The output names what bench/run.sh measures: the member, the organization whose listing and pages are asked for,
 * its private and public projects, and the search terms, with the counts the report prints.
 */
import fs from "node:fs";
import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { connectDatabase, type Db } from "../src/server/db/client";
import { hashPassword } from "../src/server/services/passwords";

export const organizationCount = 10_000;
export const peopleCount = 5_000;
/** Packages 1..90,000 belong to organizations: 300 each to the first 100, about 6 each to the other 9,900. */
export const organizationPackageCount = 90_000;
const bigOrganizations = 100;
const bigOrganizationPackages = 30_000;
/** Packages 90,001..100,000 belong to the first 2,000 people, 5 each. */
export const packageCount = 100_000;
const publishingPeople = 2_000;

export const memberName = "orgbench-member";
/** The member's organization whose listing and simple pages are measured: one of the 300-package ones. */
export const measuredOrganization = "org00001";
/** What people type into the search box: a broad word, a narrower one, two words, and a rare one. */
export const searchTerms = ["data", "plot", "time series", "genomics"];

export interface OrganizationsSeed {
  member: string;
  organization: string;
  privateProject: string;
  publicProject: string;
  privateProjectFiles: number;
  publicProjectFiles: number;
  searchTerms: string[];
  counts: Record<string, number>;
  memberReach: Record<string, number>;
  seedMilliseconds: number;
}

/** A deterministic uuid from a name. */
const uuidOf = (name: SQL) => sql`md5(${name})::uuid`;
/** A number 0..99 that follows from the text and from nothing else (the first 32 bits of its md5). */
const percentile = (text: SQL) => sql`((('x' || substr(md5(${text}), 1, 8))::bit(32)::bigint & 2147483647) % 100)`;
/** Every row this seed writes to users has an address in this domain. */
const domain = "orgs.bench.invalid";
const seededAddresses = sql.raw(`'%@${domain}'`);

const organizationId = (number: SQL) => uuidOf(sql`'org' || ${number}`);
const personId = (number: SQL) => uuidOf(sql`'person' || ${number}`);
const packageId = (number: SQL) => uuidOf(sql`'package' || ${number}`);
const groupId = (name: SQL) => uuidOf(sql`'group' || ${name}`);
const memberId = uuidOf(sql`'person-member'`);

/** The owner of organization package j (1..90,000) as an organization number. */
const organizationOfPackage = (j: SQL) =>
  sql`(case when ${j} <= ${bigOrganizationPackages} then 1 + (${j} - 1) % ${bigOrganizations}
    else ${bigOrganizations + 1} + (${j} - ${bigOrganizationPackages + 1}) % ${organizationCount - bigOrganizations} end)`;

/**
 * The 60 organizations the member belongs to, by position 1..60: the first 15 of the 300-package ones, then 45
 * small ones picked across the rest (163 is prime to 9,900, so they differ).
 */
const memberOrganization = (position: SQL) =>
  sql`(case when ${position} <= 15 then ${position} else ${bigOrganizations + 1} + (${position} * 163) % ${organizationCount - bigOrganizations} end)`;

export async function seedOrganizations(db: Db, password: string): Promise<OrganizationsSeed> {
  const started = Date.now();
  const passwordHash = await hashPassword(password);
  await db.transaction(async (tx) => {
    // ------------------------------------------------------------------ owners
    await timed(tx, sql`insert into users (id, username, kind, email, name, password_hash, created_at)
      select ${personId(sql`n`)}, 'person' || lpad(n::text, 5, '0'), 'user', 'person' || n || '@${sql.raw(domain)}', 'Person ' || n, null,
        timestamptz '2022-01-01' + n * interval '1 hour'
      from generate_series(1, ${peopleCount}) as n`);
    await timed(tx, sql`insert into users (id, username, kind, email, name, password_hash, created_at)
      values (${memberId}, ${memberName}, 'user', ${`${memberName}@${domain}`}, 'Organization benchmark member', ${passwordHash}, timestamptz '2022-01-01')`);
    await timed(tx, sql`insert into users (id, username, kind, email, name, created_at)
      select ${organizationId(sql`n`)}, 'org' || lpad(n::text, 5, '0'), 'organization', 'org' || n || '@${sql.raw(domain)}', 'Organization ' || n,
        timestamptz '2022-01-01' + n * interval '10 minutes'
      from generate_series(1, ${organizationCount}) as n`);

    // ------------------------------------------------------------------ memberships: an owner and two members each
    await timed(tx, sql`insert into organization_members (organization_id, user_id, role)
      select ${organizationId(sql`n`)}, ${personId(sql`1 + (n * 7) % ${peopleCount}`)}, 'owner' from generate_series(1, ${organizationCount}) as n
      union all
      select ${organizationId(sql`n`)}, ${personId(sql`1 + (n * 7 + 1) % ${peopleCount}`)}, 'member' from generate_series(1, ${organizationCount}) as n
      union all
      select ${organizationId(sql`n`)}, ${personId(sql`1 + (n * 7 + 2) % ${peopleCount}`)}, 'member' from generate_series(1, ${organizationCount}) as n`);

    // ------------------------------------------------------------------ packages
    // Names and summaries from a few word lists, so that search terms match realistic shares of the packages.
    await timed(tx, sql`insert into packages (id, owner_id, name, normalized_name, summary, license, homepage, latest_version, is_private, created_at, updated_at)
      select ${packageId(sql`j`)},
        case when j <= ${organizationPackageCount} then ${organizationId(organizationOfPackage(sql`j`))}
          else ${personId(sql`1 + (j - ${organizationPackageCount + 1}) % ${publishingPeople}`)} end,
        name, name,
        'A ' || (array['fast', 'small', 'friendly', 'parallel', 'typed', 'robust', 'minimal', 'modern', 'reproducible', 'lazy', 'streaming'])[1 + j % 11]
          || ' library for ' || (array['time series', 'plotting', 'genomics', 'image processing', 'deep learning', 'data frames', 'geospatial data',
            'signal processing', 'statistics', 'web scraping', 'natural language', 'optimization', 'bayesian inference', 'graph analytics',
            'finance', 'climate models', 'spectroscopy', 'tabular data', 'audio', 'robotics', 'chemistry', 'survey analysis', 'astronomy'])[1 + (j / 7) % 23]
          || ' in ' || (array['Python', 'notebooks', 'pipelines', 'the cloud', 'laboratories', 'production', 'teaching'])[1 + (j / 161) % 7],
        (array['MIT', 'BSD-3-Clause', 'Apache-2.0', 'GPL-3.0-only', 'MPL-2.0'])[1 + j % 5],
        'https://example.org/' || name,
        '1.' || (j % 3) || '.0',
        case when j <= ${organizationPackageCount} then ${percentile(sql`'private' || j`)} < 40 else ${percentile(sql`'private' || j`)} < 15 end,
        timestamptz '2023-01-01' + j * interval '5 minutes',
        timestamptz '2023-01-01' + ((j * 7919) % ${packageCount}) * interval '7 minutes'
      from (
        select j, (array['geo', 'bio', 'stat', 'quant', 'astro', 'chem', 'neuro', 'text', 'image', 'audio', 'graph', 'time', 'cloud',
            'spark', 'data', 'plot', 'tensor', 'signal', 'table', 'frame', 'vector', 'sparse', 'micro'])[1 + j % 23]
          || (array['kit', 'tools', 'lib', 'core', 'utils', 'io', 'py', 'flow', 'lab', 'db', 'viz', 'ops', 'hub', 'stack', 'forge', 'bench', 'lens'])[1 + (j / 23) % 17]
          || '-' || j as name
        from generate_series(1, ${packageCount}) as j
      ) as named`);

    // Wheels: one to three per package, labelled main, as uploads leave them.
    await timed(tx, sql`insert into package_files (id, package_id, owner_id, file_type, subdir, filename, version, size, sha256, md5, metadata, requires_python, created_at)
      select ${uuidOf(sql`'file' || p.n || '-' || f`)}, p.id, p.owner_id, 'wheel', 'pypi',
        replace(p.normalized_name, '-', '_') || '-1.' || f || '.0-py3-none-any.whl', '1.' || f || '.0',
        10000 + (p.n * 7919 + f) % 5000000, md5('sha-a' || p.n || '-' || f) || md5('sha-b' || p.n || '-' || f), md5('md5' || p.n || '-' || f),
        jsonb_build_object('name', p.name, 'version', '1.' || f || '.0'), '>=3.9', p.created_at + f * interval '1 day'
      from (select p.id, p.owner_id, p.name, p.normalized_name, p.created_at, substring(p.name from '[0-9]+$')::int as n
              from packages p join users o on o.id = p.owner_id where o.email like ${seededAddresses}) as p,
        generate_series(0, p.n % 3) as f`);
    await timed(tx, sql`insert into file_labels (file_id, label)
      select f.id, 'main' from package_files f join packages p on p.id = f.package_id join users o on o.id = p.owner_id
      where o.email like ${seededAddresses}`);

    // ------------------------------------------------------------------ groups of every organization
    // Readers over every package (the two members), maintainers over two chosen packages (the first member).
    await timed(tx, sql`insert into groups (id, organization_id, name, level, reaches_all_packages)
      select ${groupId(sql`'readers' || n`)}, ${organizationId(sql`n`)}, 'readers', 'read', true from generate_series(1, ${organizationCount}) as n
      union all
      select ${groupId(sql`'maintainers' || n`)}, ${organizationId(sql`n`)}, 'maintainers', 'write', false from generate_series(1, ${organizationCount}) as n`);
    await timed(tx, sql`insert into group_members (group_id, user_id)
      select ${groupId(sql`'readers' || n`)}, ${personId(sql`1 + (n * 7 + 1) % ${peopleCount}`)} from generate_series(1, ${organizationCount}) as n
      union all
      select ${groupId(sql`'readers' || n`)}, ${personId(sql`1 + (n * 7 + 2) % ${peopleCount}`)} from generate_series(1, ${organizationCount}) as n
      union all
      select ${groupId(sql`'maintainers' || n`)}, ${personId(sql`1 + (n * 7 + 1) % ${peopleCount}`)} from generate_series(1, ${organizationCount}) as n`);
    // Ranked in one pass over the packages: a lateral top-2 per organization ran 10,000 searches of a table the
    // planner had no statistics for yet, and took minutes.
    await timed(tx, sql`insert into group_packages (group_id, package_id)
      select ${groupId(sql`'maintainers' || o.n`)}, ranked.id
      from (select id, owner_id, row_number() over (partition by owner_id order by name) as position from packages) as ranked
      join (select n, ${organizationId(sql`n`)} as id from generate_series(1, ${organizationCount}) as n) as o on o.id = ranked.owner_id
      where ranked.position <= 2`);

    // ------------------------------------------------------------------ collaborators: one package in twenty
    await timed(tx, sql`insert into package_collaborators (package_id, user_id)
      select ${packageId(sql`j`)}, ${personId(sql`1 + (j * 13) % ${peopleCount}`)} from generate_series(20, ${packageCount}, 20) as j`);

    // ------------------------------------------------------------------ the member
    // A member of 60 organizations, in 100 of their groups: one in each (round 0), and a second one in the first 40
    // (round 1). Levels cycle through Read-Only, Read-Write and Administration, and groups alternate between every
    // package and five chosen private packages of their organization, so that an organization with two of the
    // member's groups has one of each kind.
    await timed(tx, sql`insert into organization_members (organization_id, user_id, role)
      select ${organizationId(memberOrganization(sql`position`))}, ${memberId}, 'member' from generate_series(1, 60) as position`);
    await timed(tx, sql`insert into groups (id, organization_id, name, level, reaches_all_packages)
      select ${groupId(sql`'member' || k`)}, ${organizationId(memberOrganization(sql`position`))}, 'team-' || k,
        (array['read', 'write', 'admin'])[1 + (position + round) % 3], (position + round) % 2 = 1
      from (select k, 1 + (k - 1) % 60 as position, (k - 1) / 60 as round from generate_series(1, 100) as k) as numbered`);
    await timed(tx, sql`insert into group_members (group_id, user_id) select ${groupId(sql`'member' || k`)}, ${memberId} from generate_series(1, 100) as k`);
    await timed(tx, sql`insert into group_packages (group_id, package_id)
      select g.id, ranked.id from groups g
      join (select id, owner_id, row_number() over (partition by owner_id order by name) as position from packages where is_private) as ranked
        on ranked.owner_id = g.organization_id and ranked.position <= 5
      where not g.reaches_all_packages and g.id in (select ${groupId(sql`'member' || k`)} from generate_series(1, 100) as k)`);
    // Owner of two small organizations of its own, and collaborator on 30 private packages of organizations it is
    // not in, and publisher of a few packages under its own name.
    await timed(tx, sql`insert into organization_members (organization_id, user_id, role)
      select ${organizationId(sql`n`)}, ${memberId}, 'owner' from (values (9001), (9002)) as owned(n)`);
    await timed(tx, sql`insert into package_collaborators (package_id, user_id)
      select id, ${memberId} from packages
      where is_private and owner_id in (select ${organizationId(sql`n`)} from generate_series(5001, 5900) as n)
        and owner_id not in (select organization_id from organization_members where user_id = ${memberId})
      order by name limit 30`);
    await timed(tx, sql`update packages set owner_id = ${memberId} where id in (select ${packageId(sql`j`)} from generate_series(99991, 100000) as j)`);
    await timed(tx, sql`update package_files set owner_id = ${memberId} where package_id in (select ${packageId(sql`j`)} from generate_series(99991, 100000) as j)`);

    await timed(tx, sql`insert into channel_revisions (owner_id, revision)
      select id, 1 from users where email like ${seededAddresses} on conflict (owner_id) do nothing`);
  });
  // As autovacuum would leave a settled database long before a benchmark: statistics, and the visibility map that
  // index-only scans (search's names, packages_name_prefix_idx) need. Without it the first round measured autovacuum.
  await db.execute(sql`vacuum (analyze)`);

  // The measured projects: a private package of the organization that the member reaches only through a group
  // over chosen packages, and a public one, each given 40 wheels (10 versions × 4 tags) like a real project's page.
  const organizationRow = await one<{ id: string }>(db, sql`select id from users where username = ${measuredOrganization}`);
  const privateProject = await one<{ id: string; name: string }>(
    db,
    sql`select p.id, p.name from packages p join group_packages gp on gp.package_id = p.id join group_members gm on gm.group_id = gp.group_id
      where p.owner_id = ${organizationRow.id} and p.is_private and gm.user_id = ${memberId} order by p.name limit 1`,
  );
  const publicProject = await one<{ id: string; name: string }>(
    db,
    sql`select id, name from packages where owner_id = ${organizationRow.id} and not is_private order by name limit 1`,
  );
  const projectFiles = 40;
  await db.transaction(async (tx) => {
    for (const project of [privateProject, publicProject]) {
      await timed(tx, sql`delete from package_files where package_id = ${project.id}`);
      await timed(tx, sql`insert into package_files (id, package_id, owner_id, file_type, subdir, filename, version, size, sha256, md5, metadata, requires_python, created_at)
        select ${uuidOf(sql`'project-file' || ${project.id} || '-' || f`)}, p.id, p.owner_id, 'wheel', 'pypi',
          replace(p.normalized_name, '-', '_') || '-' || (f / 4) || '.0.0-' ||
            (array['cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64',
              'cp312-cp312-macosx_11_0_arm64', 'cp312-cp312-win_amd64'])[1 + f % 4] || '.whl',
          (f / 4) || '.0.0', 200000 + f * 1000, md5('project-sha-a' || f || p.name) || md5('project-sha-b' || f || p.name), md5('project-md5' || f || p.name),
          jsonb_build_object('name', p.name, 'version', (f / 4) || '.0.0'), '>=3.10', timestamptz '2024-01-01' + f * interval '1 day'
        from packages p, generate_series(0, ${projectFiles - 1}) as f where p.id = ${project.id}`);
      await timed(tx, sql`insert into file_labels (file_id, label) select id, 'main' from package_files where package_id = ${project.id}`);
      await timed(tx, sql`update packages set latest_version = '9.0.0' where id = ${project.id}`);
    }
    await timed(tx, sql`update channel_revisions set revision = revision + 1, updated_at = now() where owner_id = ${organizationRow.id}`);
  });
  await db.execute(sql`analyze package_files`);

  const counts = await one<Record<string, string>>(
    db,
    sql`select
      (select count(*) from users where kind = 'organization') as organizations,
      (select count(*) from users where kind = 'user') as people,
      (select count(*) from packages) as packages,
      (select count(*) from packages where is_private) as private_packages,
      (select count(*) from package_files) as files,
      (select count(*) from organization_members) as memberships,
      (select count(*) from groups) as groups,
      (select count(*) from group_members) as group_memberships,
      (select count(*) from group_packages) as group_packages,
      (select count(*) from package_collaborators) as collaborators`,
  );
  const memberReach = await one<Record<string, string>>(
    db,
    sql`select
      (select count(*) from group_members where user_id = ${memberId}) as groups,
      (select count(*) from organization_members where user_id = ${memberId}) as organizations,
      (select count(*) from organization_members where user_id = ${memberId} and role = 'owner') as owned_organizations,
      (select count(*) from groups g join group_members m on m.group_id = g.id where m.user_id = ${memberId} and g.reaches_all_packages) as groups_over_every_package,
      (select count(*) from groups g join group_members m on m.group_id = g.id where m.user_id = ${memberId} and g.level = 'admin') as administration_groups,
      (select count(*) from package_collaborators where user_id = ${memberId}) as collaborations,
      (select count(*) from packages where owner_id = ${memberId}) as own_packages`,
  );
  return {
    member: memberName,
    organization: measuredOrganization,
    privateProject: privateProject.name,
    publicProject: publicProject.name,
    privateProjectFiles: projectFiles,
    publicProjectFiles: projectFiles,
    searchTerms,
    counts: numbers(counts),
    memberReach: numbers(memberReach),
    seedMilliseconds: Date.now() - started,
  };
}

/** Runs one statement of the seed; one that takes more than a second says so (a seed that crawls shows where). */
async function timed(db: Db, query: SQL): Promise<void> {
  const started = Date.now();
  await db.execute(query);
  const elapsed = Date.now() - started;
  if (elapsed > 1_000) console.error(`[bench organizations] ${elapsed} ms: ${new PgDialect().sqlToQuery(query).sql.replace(/\s+/g, " ").slice(0, 80)}`);
}

async function one<Row>(db: Db, query: SQL): Promise<Row> {
  const [row] = await db.execute<Record<string, unknown>>(query);
  if (!row) throw new Error("The benchmark's organization seed found no row where it expected one.");
  return row as Row;
}

function numbers(row: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)]));
}

async function main(databaseUrl: string, password: string, output: string) {
  const { db, close } = connectDatabase(databaseUrl, { max: 2 });
  try {
    const seeded = await seedOrganizations(db, password);
    fs.writeFileSync(output, `${JSON.stringify(seeded, null, 2)}\n`);
    console.error(
      `[bench organizations] seeded ${seeded.counts.organizations} organizations, ${seeded.counts.packages} packages (${seeded.counts.private_packages} private), ` +
        `${seeded.counts.groups} groups in ${seeded.seedMilliseconds} ms; ${seeded.member} is in ${seeded.memberReach.groups} groups`,
    );
  } finally {
    await close();
  }
}

if (process.argv[1]?.endsWith("organizations.ts")) {
  const [databaseUrl, password, output] = process.argv.slice(2);
  if (!databaseUrl || !password || !output) {
    console.error("usage: tsx bench/organizations.ts <database-url> <password> <output.json>");
    process.exit(2);
  }
  main(databaseUrl, password, output).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
