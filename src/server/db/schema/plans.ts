import { sql } from "drizzle-orm";
import { bigint, boolean, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const planAudiences = ["user", "organization"] as const;
export type PlanAudience = (typeof planAudiences)[number];

/**
 * What an owner may keep: a count of private packages and the bytes its files take. Granary takes no payments: a
 * site administrator edits plans, marks which ones owners may switch to themselves, and assigns any plan to any
 * owner. The shipped plans (migration 0005) follow the seed's Free, Personal, Organization and Academic.
 */
export const plans = pgTable(
  "plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stable name for code and the command line: free, personal, free-organization, organization, academic. */
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** Whether the plan is for people's accounts or for organizations. */
    audience: text("audience", { enum: planAudiences }).notNull(),
    /** Null: no limit. */
    maxPrivatePackages: integer("max_private_packages"),
    maxStorageBytes: bigint("max_storage_bytes", { mode: "number" }),
    /** Owners may switch to it themselves; otherwise the Billing page says to ask an administrator. */
    selfService: boolean("self_service").notNull().default(false),
    /** The plan of an owner of this audience that has none assigned. Exactly one per audience. */
    isDefault: boolean("is_default").notNull().default(false),
    /** What the plan costs, as the site says it (Granary takes no payments): "Free", "Ask your administrator", ... */
    priceLabel: text("price_label").notNull().default(""),
    sortOrder: integer("sort_order").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("plans_one_default_per_audience")
      .on(table.audience)
      .where(sql`${table.isDefault}`),
  ],
);
