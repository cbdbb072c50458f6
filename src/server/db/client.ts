import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { drizzle, type PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

/** A database handle or an open transaction: services accept either, so callers decide the transaction scope. */
export type Db = PgDatabase<PostgresJsQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

export interface DatabaseConnection {
  db: Db;
  close(): Promise<void>;
}

export function connectDatabase(url: string, options: { max?: number } = {}): DatabaseConnection {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Timestamps come back as Date objects; keep bigint counts as numbers where they fit.
    types: { bigint: postgres.BigInt },
  });
  return { db: drizzle(client, { schema }), close: () => client.end({ timeout: 5 }) };
}
