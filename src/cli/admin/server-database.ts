/**
 * The database `granary-admin` works on: the app's own. DATABASE_URL when it is set; otherwise the embedded
 * PostgreSQL that `npm start` keeps under DATA_DIR, reached the way `npm run worker` reaches it (the port from
 * PostgreSQL's lock file, the password from DATA_DIR/secrets.json) while Granary runs, and started just for the
 * command, then stopped, while Granary is stopped.
 */
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { env } from "../../env";
import { connectDatabase, type Db } from "../../server/db/client";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../server/db/embedded";
import { CliError, ExitCode } from "../errors";

export interface ServerDatabase {
  db: Db;
  /** Its address, for commands that open connections of their own (backup). */
  url: string;
  /** The embedded server's data folder, or null for DATABASE_URL's PostgreSQL. */
  embeddedDirectory: string | null;
  /** Where it is, in words for the operator. */
  description: string;
  close(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The running embedded server's port, or null when none runs (no lock file, or one a killed server left behind). */
function runningEmbeddedPort(postgresDirectory: string): number | null {
  const lockFile = path.join(postgresDirectory, "postmaster.pid");
  if (!fs.existsSync(lockFile)) return null;
  // postmaster.pid: pid, data directory, start time, port, ...
  const lines = fs.readFileSync(lockFile, "utf8").split("\n");
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10);
  return Number.isInteger(pid) && isAlive(pid) && Number.isInteger(port) ? port : null;
}

async function hasGranaryDatabase(serverUrl: string): Promise<boolean> {
  const client = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    return (await client`select 1 from pg_database where datname = 'granary'`).length > 0;
  } finally {
    await client.end({ timeout: 5 });
  }
}

export async function openServerDatabase(log: (message: string) => void): Promise<ServerDatabase> {
  if (env.DATABASE_URL) {
    const { db, close } = connectDatabase(env.DATABASE_URL, { max: 2 });
    return { db, close, url: env.DATABASE_URL, embeddedDirectory: null, description: `the PostgreSQL at ${new URL(env.DATABASE_URL).host}` };
  }
  const dataDirectory = path.resolve(env.DATA_DIR);
  const secretsFile = path.join(dataDirectory, "secrets.json");
  if (!fs.existsSync(secretsFile)) {
    throw new CliError(
      `No Granary data folder at ${dataDirectory} (it has no secrets.json): run granary-admin where you run \`npm start\`, set DATA_DIR to its data folder, or set DATABASE_URL.`,
      ExitCode.failure,
    );
  }
  const { databasePassword } = JSON.parse(fs.readFileSync(secretsFile, "utf8")) as { databasePassword: string };
  const postgresDirectory = path.join(dataDirectory, "postgres");
  const databaseUrl = (port: number) => `postgres://postgres:${encodeURIComponent(databasePassword)}@127.0.0.1:${port}/granary`;

  const port = runningEmbeddedPort(postgresDirectory);
  if (port !== null) {
    const { db, close } = connectDatabase(databaseUrl(port), { max: 2 });
    return { db, close, url: databaseUrl(port), embeddedDirectory: postgresDirectory, description: `the embedded PostgreSQL of the running Granary (${postgresDirectory})` };
  }

  if (!fs.existsSync(path.join(postgresDirectory, "PG_VERSION"))) {
    throw new CliError(`Granary has never started with ${dataDirectory}: there is no database to change yet. Start it once with \`npm start\`.`, ExitCode.failure);
  }
  log(`Granary is not running: starting its embedded PostgreSQL (${postgresDirectory}) for this command.`);
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedPostgres({ directory: postgresDirectory, password: databasePassword });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), ExitCode.server);
  }
  if (!(await hasGranaryDatabase(server.url))) {
    await server.stop();
    throw new CliError(`The embedded PostgreSQL in ${postgresDirectory} has no granary database yet. Start Granary once with \`npm start\`.`, ExitCode.failure);
  }
  const { db, close } = connectDatabase(databaseUrl(server.port), { max: 2 });
  return {
    db,
    url: databaseUrl(server.port),
    embeddedDirectory: postgresDirectory,
    description: `the embedded PostgreSQL in ${postgresDirectory} (started for this command, stopped after it)`,
    close: async () => {
      await close();
      await server.stop();
    },
  };
}
