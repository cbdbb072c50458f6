/**
 * What a person's profile shows besides their packages: the organizations they belong to, as far as the visitor
 * may see those organizations' members (the policy's organizationsWithVisibleMembers).
 */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { profileMembershipsSchema } from "@/shared/schemas/admin-people";
import { assertCan, organizationsWithVisibleMembers, type Actor } from "../authz";
import type { Db } from "../db";
import { organizationMembers, users } from "../db/schema";
import { alias } from "drizzle-orm/pg-core";

const organization = alias(users, "organization");

export async function listProfileMemberships(db: Db, actor: Actor, rawInput: z.input<typeof profileMembershipsSchema>) {
  assertCan(actor, "site:read");
  const { username } = profileMembershipsSchema.parse(rawInput);
  const rows = await db
    .select({ username: organization.username, name: organization.name, role: organizationMembers.role })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .innerJoin(organization, eq(organization.id, organizationMembers.organizationId))
    .where(
      and(
        sql`lower(${users.username}) = ${username.toLowerCase()}`,
        eq(users.kind, "user"),
        eq(users.isActive, true),
        organizationsWithVisibleMembers(actor, organizationMembers.organizationId),
      ),
    )
    .orderBy(sql`lower(${organization.username})`)
    .limit(200);
  return { organizations: rows };
}
