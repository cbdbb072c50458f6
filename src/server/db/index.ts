import "server-only";
import { env } from "@/env";
import { connectDatabase, type Db } from "./client";

export type { Db } from "./client";

// One pool per server process, kept across hot reloads in development.
const globalForDatabase = globalThis as unknown as { granaryDb?: Db };

/** The app's database. The launcher always sets DATABASE_URL (external, or the embedded server it started). */
export function getDb(): Db {
  if (!globalForDatabase.granaryDb) {
    if (!env.DATABASE_URL) {
      throw new Error("DATABASE_URL is not set: start Granary with `npm start`, which provides the database.");
    }
    globalForDatabase.granaryDb = connectDatabase(env.DATABASE_URL).db;
  }
  return globalForDatabase.granaryDb;
}
