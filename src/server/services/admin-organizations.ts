/**
 * Admin → Organizations (seed 003) in the orders an administrator asks for: by name, newest, most members or most
 * packages, a numbered page at a time. By name a page is read from an index; the counted orders count each
 * organization's members or packages from their indexes (10,000 organizations are a few milliseconds), and the
 * columns shown are counted for the page's rows only.
 */
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { listAdminOrganizationsSchema, type AdminOrganizationSort } from "@/shared/schemas/admin-people";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";

function containsPattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
}

const orderBy: Record<AdminOrganizationSort, SQL> = {
  name: sql`lower(o.username)`,
  created: sql`o.created_at desc, o.id desc`,
  members: sql`(select count(*) from organization_members as m where m.organization_id = o.id) desc, lower(o.username)`,
  packages: sql`(select count(*) from packages as p where p.owner_id = o.id) desc, lower(o.username)`,
};

export async function listAdminOrganizations(db: Db, actor: Actor, rawInput: z.input<typeof listAdminOrganizationsSchema>) {
  assertCan(actor, "admin:organizations:read");
  const input = listAdminOrganizationsSchema.parse(rawInput);
  const pattern = input.query ? containsPattern(input.query) : undefined;
  const where = sql`o.kind = 'organization' ${pattern ? sql`and (o.username ilike ${pattern} or o.name ilike ${pattern})` : sql``}`;
  const [ids, [total]] = await Promise.all([
    db
      .execute<{ id: string }>(
        sql`select o.id from users as o where ${where} order by ${orderBy[input.sort]} limit ${input.pageSize} offset ${(input.page - 1) * input.pageSize}`,
      )
      .then((found) => found.map((row) => row.id)),
    db.execute<{ total: number }>(sql`select count(*)::int as total from users as o where ${where}`),
  ]);
  const described =
    ids.length === 0
      ? []
      : await db.execute<{
          id: string;
          username: string;
          name: string | null;
          created_at: string | Date;
          members: number;
          owners: string[];
          packages: number;
          plan: string;
        }>(sql`select o.id, o.username, o.name, o.created_at,
            (select count(*)::int from organization_members as m where m.organization_id = o.id) as members,
            array(select u.username from organization_members as m join users as u on u.id = m.user_id
              where m.organization_id = o.id and m.role = 'owner' order by lower(u.username)) as owners,
            (select count(*)::int from packages as p where p.owner_id = o.id) as packages,
            -- An organization without a plan of its own has the organizations' default.
            coalesce((select p.name from plans as p where p.id = o.plan_id),
              (select p.name from plans as p where p.audience = 'organization' and p.is_default)) as plan
          from users as o where o.id in ${ids}`);
  const byId = new Map(described.map((row) => [row.id, row]));
  const rows = ids.flatMap((id) => byId.get(id) ?? []);
  return {
    items: rows.map((row) => ({
      username: row.username,
      name: row.name,
      createdAt: new Date(row.created_at),
      members: row.members,
      owners: row.owners,
      packages: row.packages,
      plan: row.plan,
    })),
    total: total?.total ?? 0,
    page: input.page,
    pageSize: input.pageSize,
    sort: input.sort,
  };
}
