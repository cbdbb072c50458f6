import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { plans } from "./plans";

export const ownerKinds = ["user", "organization"] as const;
export type OwnerKind = (typeof ownerKinds)[number];

/**
 * Owners: people's accounts and organizations share this table, so they share one namespace, the same channel
 * URLs and the same package pages. Only rows of kind `user` sign in; an organization has no password and is
 * reached through its members (organizations.ts).
 */
export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Kept as typed; uniqueness is case-insensitive through the index on lower(username). */
    username: text("username").notNull(),
    kind: text("kind", { enum: ownerKinds }).notNull().default("user"),
    /** For an organization, the address its administrators gave; unique among people's accounts only. */
    email: text("email").notNull(),
    name: text("name"),
    /** Null for organizations, which never sign in. */
    passwordHash: text("password_hash"),
    /** When the account's current address was confirmed by a link sent to it (academic plans follow from it). */
    emailConfirmedAt: timestamp("email_confirmed_at", { withTimezone: true }),
    /** The owner's plan; null means the default plan for its kind (plans.ts). */
    planId: uuid("plan_id").references(() => plans.id, { onDelete: "set null" }),
    isSiteAdmin: boolean("is_site_admin").notNull().default(false),
    isActive: boolean("is_active").notNull().default(true),
    /**
     * Set for accounts that come from the LDAP directory (their entry's DN when last seen): they sign in by binding
     * there, and their e-mail, name and mapped groups follow the directory (services/ldap-accounts.ts).
     */
    directoryDn: text("directory_dn"),
    /**
     * Break-glass: signs in with its local password even when accounts come from a directory, so a broken directory
     * never locks every administrator out. The first site administrator is one from the start.
     */
    keepsLocalPassword: boolean("keeps_local_password").notNull().default(false),
    /** Bumped to end every session at once: sessions carry the version they were issued under. */
    sessionVersion: integer("session_version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
    /**
     * Package clients and scripts that send the username and password with each request (HTTP Basic) are
     * bookkept like token uses, not as sign-ins: written at most once a minute, or when the address changes.
     */
    passwordLastUsedAt: timestamp("password_last_used_at", { withTimezone: true }),
    passwordLastUsedIp: text("password_last_used_ip"),
    /** The most recent addresses Basic credentials came from: use from any other is recorded in the audit trail. */
    passwordSeenIps: text("password_seen_ips").array().notNull().default(sql`'{}'::text[]`),
    /**
     * How many packages the owner has, kept by triggers on packages (migration 0021) so that Admin → Users can list
     * people with the most packages first from an index, instead of counting every owner's packages per page.
     */
    packageCount: integer("package_count").notNull().default(0),
  },
  (table) => [
    uniqueIndex("users_username_lower_unique").on(sql`lower(${table.username})`),
    uniqueIndex("users_email_lower_unique").on(sql`lower(${table.email})`).where(sql`${table.kind} = 'user'`),
    index("users_kind_idx").on(table.kind),
    // The Daily Report counts accounts and organizations created in a range of days.
    index("users_kind_created_idx").on(table.kind, table.createdAt),
    index("users_directory_dn_idx").on(sql`lower(${table.directoryDn})`).where(sql`${table.directoryDn} is not null`),
    // Admin → Users at 100,000 accounts: a page in order of creation or of last sight, and a search by part of a
    // name or address through pg_trgm (whose extension the search migration created), without reading every row.
    index("users_people_created_idx").on(table.createdAt.desc(), table.id.desc()).where(sql`${table.kind} = 'user'`),
    index("users_people_last_seen_idx").on(sql`(greatest(${table.lastSignInAt}, ${table.passwordLastUsedAt})) desc nulls last`, table.id.desc()).where(sql`${table.kind} = 'user'`),
    index("users_people_package_count_idx").on(table.packageCount.desc(), sql`lower(${table.username})`).where(sql`${table.kind} = 'user'`),
    index("users_username_trgm_idx").using("gin", sql`${table.username} gin_trgm_ops`),
    index("users_email_trgm_idx").using("gin", sql`${table.email} gin_trgm_ops`),
  ],
);

/** Single-use links e-mailed for password resets and e-mail confirmations; only a hash of the secret is kept. */
export const accountTokens = pgTable(
  "account_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ["password_reset", "email_change", "email_confirmation"] }).notNull(),
    secretHash: text("secret_hash").notNull(),
    /** For e-mail changes: the address being confirmed. */
    newEmail: text("new_email"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("account_tokens_secret_hash_unique").on(table.secretHash), index("account_tokens_user_idx").on(table.userId)],
);

/**
 * Failed sign-ins, counted over a sliding window: per client address, per account from that address (both refuse
 * further attempts), and per account from everywhere (which only slows attempts down), see services/sign-in.ts.
 */
export const signInFailures = pgTable(
  "sign_in_failures",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /**
     * `account:<id>` for an existing account; for a name that matches none, `login:<keyed hash of the name>`:
     * people type passwords into the username field, so what they typed is never kept.
     */
    loginKey: text("login_key").notNull(),
    /** The client address as throttled (an IPv6 client by its /64, see client-address.ts). */
    ipAddress: text("ip_address").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("sign_in_failures_login_idx").on(table.loginKey, table.createdAt),
    index("sign_in_failures_ip_idx").on(table.ipAddress, table.createdAt),
  ],
);

/**
 * Actions limited per hour (recovery mail per account and per address, sign-ups per address), one row per action
 * that was let through, counted over a sliding window per bucket (services/request-limits.ts).
 */
export const requestLimitHits = pgTable(
  "request_limit_hits",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** What is limited and for whom, e.g. `password_reset:account:<id>` or `recovery:address:<address>`. */
    bucket: text("bucket").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("request_limit_hits_bucket_idx").on(table.bucket, table.createdAt)],
);
