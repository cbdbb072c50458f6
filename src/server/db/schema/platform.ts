import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";

/** An administrator's "restart the platform": every app server hears it and reloads what it keeps in memory. */
export const platformRestarts = pgTable(
  "platform_restarts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    requestedByUserId: uuid("requested_by_user_id").references(() => users.id, { onDelete: "set null" }),
    requestedByLabel: text("requested_by_label").notNull(),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("platform_restarts_requested_idx").on(table.requestedAt)],
);

/** Each app server's answer to a restart: the Actions page shows "server X reloaded at T" from these. */
export const platformServerReloads = pgTable(
  "platform_server_reloads",
  {
    restartId: uuid("restart_id")
      .notNull()
      .references(() => platformRestarts.id, { onDelete: "cascade" }),
    /** The process's own id, made when it started: host and pid alone can repeat after a restart of the machine. */
    serverId: uuid("server_id").notNull(),
    /** host:pid, as the Task Queue names workers. */
    serverLabel: text("server_label").notNull(),
    reloadedAt: timestamp("reloaded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.restartId, table.serverId] })],
);
