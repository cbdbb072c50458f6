/**
 * Statements a busy loop runs over and over (a worker's writes to the jobs table) as prepared statements of their
 * connection. Drizzle sends every `db.execute` unprepared, and postgres.js then asks the server for the parameters'
 * types before it can send them: two round trips and a fresh parse and plan each time. Prepared, the statement is
 * parsed once per connection and, once PostgreSQL settles on a generic plan, not planned again: one round trip.
 * Only for statements whose text does not vary with their input (a batch of rows goes as one jsonb parameter), or
 * every variant would be kept by the connection.
 */
import type { SQL } from "drizzle-orm";
import type { PgDialect, PgSession } from "drizzle-orm/pg-core";
import type { Db } from "./client";

interface WithSession {
  dialect: PgDialect;
  session: PgSession;
}

export async function executePrepared<Row extends Record<string, unknown>>(db: Db, query: SQL, name: string): Promise<Row[]> {
  const { dialect, session } = db as unknown as WithSession;
  // A name makes drizzle's postgres.js session ask for a prepared statement (postgres.js names it itself).
  const prepared = session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false);
  return (await prepared.execute()) as Row[];
}
