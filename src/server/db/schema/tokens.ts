import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";

export const tokenRevocationReasons = ["revoked", "regenerated", "leaked"] as const;

/**
 * Access tokens for package clients, scripts and the CLI. Only the SHA-256 of the secret is kept (the secret
 * is shown once); a token is never edited, only revoked. Requests find a token through the unique hash index.
 */
export const accessTokens = pgTable(
  "access_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    secretHash: text("secret_hash").notNull(),
    scopes: text("scopes").array().notNull(),
    /** The one owner the token is restricted to. Deleting that owner deletes the token rather than widening it. */
    channelOwnerId: uuid("channel_owner_id").references(() => users.id, { onDelete: "cascade" }),
    /** The lifetime chosen at creation, which a regenerated token keeps. */
    lifetimeDays: integer("lifetime_days").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** Written at most once a minute per token (or when the address changes), never on every request. */
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    lastUsedIp: text("last_used_ip"),
    /** The most recent addresses the token was used from: use from any other is recorded in the audit trail. */
    seenIps: text("seen_ips").array().notNull().default(sql`'{}'::text[]`),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedReason: text("revoked_reason", { enum: tokenRevocationReasons }),
    /** When the expiry went into the audit trail: once, the first time the expired token was presented or listed. */
    expiryRecordedAt: timestamp("expiry_recorded_at", { withTimezone: true }),
    /**
     * Whether the token still holds its name: names are unique among an account's live tokens. Revoking
     * releases the name at once; an expired token's name is released when a new token takes it.
     */
    holdsName: boolean("holds_name").notNull().default(true),
  },
  (table) => [
    uniqueIndex("access_tokens_secret_hash_unique").on(table.secretHash),
    uniqueIndex("access_tokens_user_live_name_unique").on(table.userId, sql`lower(${table.name})`).where(sql`${table.holdsName}`),
    index("access_tokens_user_idx").on(table.userId, table.createdAt),
    index("access_tokens_channel_owner_idx").on(table.channelOwnerId),
  ],
);

export const tokenExpiryNotices = ["14_days", "1_day"] as const;

/** Which expiry notices a token's owner has been sent: each one once, whatever runs the job how often. */
export const accessTokenExpiryNotices = pgTable(
  "access_token_expiry_notices",
  {
    tokenId: uuid("token_id")
      .notNull()
      .references(() => accessTokens.id, { onDelete: "cascade" }),
    notice: text("notice", { enum: tokenExpiryNotices }).notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.tokenId, table.notice] })],
);
