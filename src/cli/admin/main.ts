/**
 * `granary-admin` (bin/granary-admin.mjs): seed 000's admin command line, run on the server by its operator against
 * the app's own database. Every command says what it is about to do and asks first (unless --yes), says what it did,
 * and is audited with the actor "command line".
 */
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { Presets, SingleBar } from "cli-progress";
import { Command, CommanderError } from "commander";
import packageJson from "../../../package.json";
import { env, filesDirectory } from "../../env";
import { commandLineActor } from "../../server/authz";
import { BackupError, createBackup, readManifest, restoreBackup, type ProgressListener } from "../../server/backup";
import { AppError } from "../../server/errors";
import { recordAudit } from "../../server/services/audit";
import { describeAccountRemoval, removePackage, removeUser, setSiteAdministrator } from "../../server/services/admin-command-line";
import { BlobStore, formatBytes } from "../../server/storage";
import { processIo, type CliIo } from "../context";
import { CliError, ExitCode, usageError } from "../errors";
import { openServerDatabase, type ServerDatabase } from "./server-database";

const helpAfter = `
Where: with DATABASE_URL set, that PostgreSQL; otherwise the embedded one under DATA_DIR (default .data, relative to
the current folder, as for npm start) — reached while Granary runs, and started for the command and stopped after it
while Granary is stopped.

Exit codes:
  0  done (or nothing to do)
  1  refused (e.g. the last active administrator), cancelled at the question, or no database to work on
  2  usage error
  4  no such account or package
  5  the database could not be reached or started`;

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

class AdminCommands {
  private database: ServerDatabase | undefined;

  constructor(private readonly io: CliIo) {}

  out(text: string) {
    this.io.stdout.write(`${text}\n`);
  }

  note(text: string) {
    this.io.stderr.write(`${text}\n`);
  }

  async db() {
    this.database ??= await openServerDatabase((message) => this.note(message));
    return this.database.db;
  }

  async close() {
    await this.database?.close();
  }

  actor() {
    let operator = "unknown";
    try {
      operator = os.userInfo().username;
    } catch {
      // No passwd entry (some containers): the host alone still says where it ran.
    }
    return commandLineActor({ ipAddress: "local", userAgent: `granary-admin (${operator}@${os.hostname()})` });
  }

  /** Asks on the terminal; anything but y or yes (an empty line, the end of the input) cancels. */
  async confirm(question: string, yes: boolean | undefined): Promise<void> {
    if (yes) return;
    this.note(`Working on ${this.database?.description ?? "the database"}.`);
    const prompt = createInterface({ input: this.io.stdin, output: this.io.stderr, terminal: Boolean(this.io.stdin.isTTY) });
    let answer = "";
    try {
      const closed = new Promise<string>((resolve) => prompt.once("close", () => resolve("")));
      answer = await Promise.race([prompt.question(`${question} [y/N] `), closed]);
    } finally {
      prompt.close();
    }
    if (!/^(y|yes)$/i.test(answer.trim())) throw new CliError("Cancelled: nothing was changed. (Add --yes to skip the question.)", ExitCode.failure);
  }

  async superuser(options: { add?: string; remove?: string; yes?: boolean }) {
    if ((options.add === undefined) === (options.remove === undefined)) throw usageError("Give exactly one of --add USER and --remove USER.");
    const username = (options.add ?? options.remove)!;
    const isSiteAdmin = options.add !== undefined;
    const db = await this.db();
    await this.confirm(isSiteAdmin ? `Make ${username} a site administrator?` : `Take site administrator rights away from ${username} (their sessions end)?`, options.yes);
    const result = await setSiteAdministrator(db, this.actor(), { username, isSiteAdmin });
    if (!result.changed) {
      this.out(`${result.username} ${isSiteAdmin ? "is already" : "is not"} a site administrator: nothing changed.`);
    } else if (isSiteAdmin) {
      this.out(`${result.username} is now a site administrator.${result.isActive ? "" : " (The account is deactivated: reactivate it to sign in.)"}`);
    } else {
      this.out(`${result.username} is no longer a site administrator; their sessions were ended.`);
    }
  }

  async removeUser(username: string, options: { yes?: boolean }) {
    const db = await this.db();
    const plan = await describeAccountRemoval(db, this.actor(), username);
    if (!plan.blocker) {
      const owned = [plural(plan.packages, "package"), plural(plan.files, "file"), plural(plan.tokens, "access token"), plural(plan.organizations, "organization membership")];
      await this.confirm(`Remove the account ${plan.user.username} <${plan.user.email}> and what it owns (${owned.join(", ")})? This cannot be undone.`, options.yes);
    }
    // The service refuses what cannot go (the last administrator, an organization's only owner), with the reason.
    const result = await removeUser(db, this.actor(), { username });
    this.out(`Removed the account ${result.username} with ${plural(result.packages, "package")} (${plural(result.files, "file")}) and ${plural(result.tokens, "access token")}.`);
  }

  /** Progress of long work: a bar per stage on a terminal, a line per stage (and its end) otherwise. */
  progress(): { listener: ProgressListener; log(message: string): void; done(): void } {
    const terminal = Boolean((this.io.stderr as NodeJS.WriteStream).isTTY);
    let stage = "";
    let bar: SingleBar | null = null;
    let lastTotal = 0;
    const finishStage = () => {
      if (bar) bar.stop();
      else if (stage) this.note(`${stage}: ${lastTotal} done.`);
      bar = null;
    };
    return {
      listener: (event) => {
        if (event.stage !== stage) {
          finishStage();
          stage = event.stage;
          if (terminal) {
            bar = new SingleBar({ format: `${stage} [{bar}] {value}/{total}`, stream: this.io.stderr as NodeJS.WriteStream }, Presets.shades_classic);
            bar.start(event.total, 0);
          } else {
            this.note(`${stage} (${event.total})...`);
          }
        }
        lastTotal = event.total;
        bar?.update(event.done);
      },
      // A message ends the stage under way first, so the lines come in the order things happened.
      log: (message) => {
        finishStage();
        stage = "";
        this.note(message);
      },
      done: finishStage,
    };
  }

  async backup(directory: string) {
    const database = await openServerDatabase((message) => this.note(message));
    this.database = database;
    const dataDirectory = path.resolve(env.DATA_DIR);
    this.note(`Backing up ${database.description} and the files in ${path.resolve(filesDirectory())} into ${path.resolve(directory)}.`);
    const progress = this.progress();
    const manifest = await createBackup({
      target: directory,
      source: database.embeddedDirectory
        ? { kind: "embedded", databaseUrl: database.url, postgresDirectory: database.embeddedDirectory }
        : { kind: "external", databaseUrl: database.url, postgresClientBin: env.POSTGRES_CLIENT_BIN },
      filesDirectory: path.resolve(filesDirectory()),
      secretsFile: path.join(dataDirectory, "secrets.json"),
      onProgress: progress.listener,
      log: (message) => progress.log(message),
    }).finally(() => progress.done());
    const stored = manifest.files.filter((file) => file.path.startsWith("files/"));
    const bytes = manifest.files.reduce((total, file) => total + file.size, 0);
    // Taking every row and file out of Granary is worth a line in its trail (after the backup, so not in it).
    await recordAudit(database.db, this.actor(), {
      action: "admin.backup_created",
      target: { type: "backup", label: path.resolve(directory) },
      details: { database: manifest.database.kind, counts: manifest.counts, storedFiles: stored.length, bytes },
    });
    this.out(
      `Backed up ${plural(manifest.counts.users ?? 0, "account")}, ${plural(manifest.counts.packages ?? 0, "package")}, ${plural(manifest.counts.package_files ?? 0, "file row")} and ${plural(stored.length, "stored file")} (${formatBytes(bytes)} in all) into ${path.resolve(directory)}.`,
    );
    if (manifest.hasSecrets) this.out("The backup holds secrets.json (the database password and the key of sealed settings): keep it where only administrators can read it.");
  }

  async restore(directory: string, options: { force?: boolean; yes?: boolean }) {
    const manifest = readManifest(path.resolve(directory));
    const where = env.DATABASE_URL ? `the PostgreSQL at ${new URL(env.DATABASE_URL).host}` : `the data folder ${path.resolve(env.DATA_DIR)}`;
    await this.confirm(
      `Restore the backup of ${manifest.createdAt} (${plural(manifest.counts.packages ?? 0, "package")}, ${plural(manifest.counts.users ?? 0, "account")}) onto ${where}${options.force ? ", replacing what is there" : ""}?`,
      options.yes,
    );
    const progress = this.progress();
    const result = await restoreBackup({
      source: directory,
      target: env.DATABASE_URL ? { kind: "external", databaseUrl: env.DATABASE_URL, postgresClientBin: env.POSTGRES_CLIENT_BIN } : { kind: "embedded" },
      dataDirectory: env.DATA_DIR,
      filesDirectory: path.resolve(filesDirectory()),
      force: options.force,
      actor: this.actor(),
      onProgress: progress.listener,
      log: (message) => progress.log(message),
    }).finally(() => progress.done());
    this.out(`Restored ${plural(result.counts.users ?? 0, "account")}, ${plural(result.counts.packages ?? 0, "package")} and ${plural(result.counts.package_files ?? 0, "file")} onto ${where}. Start Granary with \`npm start\`.`);
    for (const aside of result.setAside) this.out(`What was there before is kept at ${aside}: remove it once the restored Granary is checked.`);
  }

  async removeProject(owner: string, name: string, options: { yes?: boolean }) {
    const db = await this.db();
    await this.confirm(`Remove the package ${owner}/${name} with all its files? This cannot be undone.`, options.yes);
    const result = await removePackage(db, this.actor(), { owner, name }, new BlobStore(path.resolve(filesDirectory())));
    this.out(`Removed the package ${result.owner}/${result.name} and its ${plural(result.files, "file")}.`);
  }
}

function buildProgram(commands: AdminCommands, io: CliIo): Command {
  const program = new Command("granary-admin");
  program
    .description("Granary's admin command line, for the server's operator: site administrators, removing accounts and packages, backup and restore.")
    .version(packageJson.version, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError("(granary-admin --help lists the commands; granary-admin COMMAND --help their options)")
    .helpCommand(true)
    .addHelpText("after", helpAfter);

  program
    .command("superuser")
    .description("Make an account a site administrator (--add) or take the rights away (--remove; never from the last active one).")
    .option("--add <user>", "the account to make a site administrator")
    .option("--remove <user>", "the account to take site administrator rights from")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nExamples:\n  granary-admin superuser --add jsmith\n  granary-admin superuser --remove jsmith --yes\n")
    .action((options: { add?: string; remove?: string; yes?: boolean }) => commands.superuser(options));

  program
    .command("remove-user")
    .description("Remove an account and what it owns (packages and their files, tokens, memberships), as deleting it in Settings does.")
    .argument("<user>", "the account's username")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nRefused for the last active site administrator and for an organization's only owner.\n\nExample:\n  granary-admin remove-user jsmith\n")
    .action((username: string, options: { yes?: boolean }) => commands.removeUser(username, options));

  program
    .command("remove-project")
    .description("Remove a package (a project) with all its files, as Delete on its page does.")
    .argument("<owner>", "the user or organization that owns it")
    .argument("<package>", "the package's name")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nExample:\n  granary-admin remove-project jsmith project1\n")
    .action((owner: string, name: string, options: { yes?: boolean }) => commands.removeProject(owner, name, options));

  program
    .command("backup")
    .description("Take a consistent backup of the database and the stored files into a new or empty folder, while Granary runs (or not).")
    .argument("<dir>", "the backup folder (created when missing; it must be empty)")
    .addHelpText(
      "after",
      `
Embedded PostgreSQL (no DATABASE_URL): PostgreSQL's own online backup of the whole cluster (pg_backup_start, the
data folder, pg_backup_stop and the WAL written meanwhile), then the stored files, plus DATA_DIR/secrets.json.
DATABASE_URL: pg_dump of the granary database (from POSTGRES_CLIENT_BIN or the PATH; at least the server's major
version), then exactly the stored files its rows refer to. Either way no stored file is removed while the backup
runs, so every row in it finds its file. DIR gets manifest.json: versions, time, row counts and every file's sha256.

Example:
  granary-admin backup /srv/backups/granary-$(date +%F)
`,
    )
    .action((directory: string) => commands.backup(directory));

  program
    .command("restore")
    .description("Restore a backup onto a fresh install: the stored files into FILES_DIR, then the database (DATA_DIR, or DATABASE_URL's).")
    .argument("<dir>", "a folder granary-admin backup wrote")
    .option("--force", "replace a database that is not empty (an embedded cluster is moved aside, not deleted)")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText(
      "after",
      `
Granary must be stopped. The manifest and every file's hash are checked before anything changes; a damaged or
unfinished backup, one from a newer Granary, or a target that already holds a database (without --force) is refused.
An embedded backup restores only without DATABASE_URL, and a pg_dump backup only with it (pg_restore from
POSTGRES_CLIENT_BIN or the PATH).

Example:
  DATA_DIR=/srv/granary/.data granary-admin restore /srv/backups/granary-2026-12-01
`,
    )
    .action((directory: string, options: { force?: boolean; yes?: boolean }) => commands.restore(directory, options));

  return program;
}

const exitCodeForAppError: Partial<Record<AppError["code"], ExitCode>> = { NOT_FOUND: ExitCode.notFound, BAD_REQUEST: ExitCode.usage };

/** Runs granary-admin with the given arguments and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const commands = new AdminCommands(io);
  const program = buildProgram(commands, io);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return ExitCode.usage;
    }
    await program.parseAsync(argv, { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (error instanceof CliError) {
      io.stderr.write(`granary-admin: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof BackupError) {
      io.stderr.write(`granary-admin: ${error.message}\n`);
      return ExitCode.failure;
    }
    if (error instanceof AppError) {
      io.stderr.write(`granary-admin: ${error.message}\n`);
      return exitCodeForAppError[error.code] ?? ExitCode.failure;
    }
    const message = error instanceof Error ? error.message : String(error);
    const unreachable = /ECONNREFUSED|ENOTFOUND|password authentication failed|does not exist/.test(message);
    io.stderr.write(`granary-admin: ${unreachable ? `Cannot work on the database (${env.DATABASE_URL ? "DATABASE_URL" : env.DATA_DIR}): ` : ""}${message}\n`);
    return unreachable ? ExitCode.server : ExitCode.failure;
  } finally {
    await commands.close().catch(() => {});
  }
}
