/**
 * The `granary` command line (bin/granary.mjs runs it through tsx): parses arguments with commander, runs one
 * command, and turns whatever went wrong into a message on stderr and a documented exit code.
 */
import { Command, CommanderError, Option } from "commander";
import packageJson from "../../package.json";
import { login, logout, whoami } from "./account-commands";
import { auth } from "./auth-commands";
import { CliContext, defaultServerUrl, processIo, type CliIo } from "./context";
import { ExitCode, exitCodeHelp, toCliError } from "./errors";
import { licenseCreate, licenseKeygen, type LicenseCreateOptions } from "./license-commands";
import { search, show } from "./package-commands";
import { upload } from "./upload-command";
import { worker } from "./worker-command";

const collect = (value: string, previous: string[] = []) => [...previous, value];

const environmentHelp = `Environment:
  GRANARY_URL      the server (default: the one signed in to, else ${defaultServerUrl})
  GRANARY_TOKEN    an access token to use instead of the stored sign-in (e.g. in CI)
  XDG_CONFIG_HOME  where granary/config.json keeps the sign-in (default: ~/.config)`;

// This command line talks to a server over HTTP; backups need the server's own database and files folder.
const serverAdministrationHelp = `On the server itself, granary-admin backs Granary up and restores it (granary-admin backup DIR,
granary-admin restore DIR) and manages site administrators: see granary-admin --help.`;

function buildProgram(context: CliContext, setExitCode: (code: number) => void): Command {
  const program = new Command("granary");
  program
    .description("Granary from the command line: sign in, manage access tokens, upload and find packages.")
    .version(packageJson.version, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    })
    .showHelpAfterError("(granary --help lists the commands; granary COMMAND --help their options)")
    .showSuggestionAfterError()
    .helpCommand(true)
    .addHelpText("after", `\n${environmentHelp}\n\n${exitCodeHelp}\n\n${serverAdministrationHelp}\n`);

  program
    .command("login")
    .description("Sign in with your username and password; stores a new access token (scope all) for later commands.")
    .option("--url <url>", `the Granary server (default: GRANARY_URL, the last server signed in to, or ${defaultServerUrl})`)
    .option("-u, --username <name>", "username or e-mail (asked on the terminal when not given)")
    .option("--password-stdin", "read the password from standard input (for scripts)")
    .action(async (options: { url?: string; username?: string; passwordStdin?: boolean }) => {
      await login(context, options);
    });

  program
    .command("logout")
    .description("Revoke the stored token on the server and remove it from this machine.")
    .action(async () => {
      setExitCode(await logout(context));
    });

  program
    .command("whoami")
    .description("Show the account (and token) the CLI acts as.")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      await whoami(context, options);
    });

  program
    .command("worker")
    .description("On a server machine: run a background-job worker (the same as npm run worker; see the README).")
    .action(async () => {
      setExitCode(await worker());
    });

  program
    .command("auth")
    .description("Manage access tokens: create, list, revoke, regenerate.")
    .option("-c, --create", "create a token (with --name and --scopes); its secret is printed once")
    .option("-l, --list", "list your tokens (never their secrets)")
    .option("--list-scopes", "list the scopes a token can have")
    .option("-r, --remove <name>", "revoke the token with this name")
    .option("--regenerate <name>", "replace the token's secret, keeping its name, scopes and channel")
    .option("-n, --name <name>", "name of the token to create")
    .option("-s, --scopes <scopes>", "space-separated scopes, e.g. 'repos conda:download' (may be repeated)", collect)
    .option("--channel <owner>", "limit the token to one user's or organization's packages")
    .option("--expires <duration>", "lifetime: 30d, 12w, 1y or a number of days (default: one year)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  granary auth --create --name ci-download --scopes 'repos conda:download' --expires 90d\n  granary auth --list\n  granary auth -r ci-download\n",
    )
    .action(async (options: Parameters<typeof auth>[1]) => {
      await auth(context, options);
    });

  program
    .command("upload")
    .description("Upload conda packages, wheels, sdists, notebooks or environments, with a progress bar per file.")
    .argument("<files...>", "files to upload")
    .option("--label <label>", "publish under this label (may be repeated; default main)", collect)
    .option("--private", "make the package private")
    .option("--force", "replace a file of the same name")
    .option("--owner <owner>", "publish under this user or organization (default: you)")
    .option("--json", "print the uploaded files as JSON")
    .action(async (files: string[], options: Parameters<typeof upload>[2]) => {
      setExitCode(await upload(context, files, options));
    });

  program
    .command("search")
    .description("Search packages by name and summary.")
    .argument("<terms...>", "words to look for")
    .addOption(new Option("--kind <kind>", "only this kind").choices(["all", "package", "conda", "pypi", "notebook", "environment"]))
    .option("--page <number>", "page of results")
    .option("--json", "print JSON")
    .action(async (terms: string[], options: { kind?: string; page?: string; json?: boolean }) => {
      await search(context, terms, options);
    });

  program
    .command("show")
    .description("Show a package: summary, files with labels, install commands.")
    .argument("<owner/package>", "the package, e.g. alice/numpy-tools")
    .option("--json", "print JSON")
    .action(async (spec: string, options: { json?: boolean }) => {
      await show(context, spec, options);
    });

  const license = program
    .command("license")
    .description("For whoever issues Granary licenses: make a signing key pair, sign licenses (offline; no server involved).")
    .helpCommand(false);
  license
    .command("keygen")
    .description(`Make an Ed25519 key pair: DIR/${"granary-license.key"} signs licenses, DIR/${"granary-license.pub"} goes to servers (GRANARY_LICENSE_PUBLIC_KEY).`)
    .requiredOption("--out <dir>", "folder for the two key files (created if missing; existing keys are never replaced)")
    .action((options: { out: string }) => {
      licenseKeygen(context, options);
    });
  license
    .command("create")
    .description("Sign a license with the signing key; prints it, or writes it to --out.")
    .requiredOption("--key <file>", "the signing key (from granary license keygen)")
    .requiredOption("--name <name>", "the license's name, e.g. 'Data team'")
    .requiredOption("--company <company>", "the licensed company")
    .requiredOption("--email <email>", "the licensee's contact address")
    .requiredOption("--type <type>", "e.g. Trial or Subscription")
    .requiredOption("--seats <n>", "how many active accounts it covers")
    .option("--days <n>", "valid for this many days from today")
    .option("--end <date>", "valid until this date (YYYY-MM-DD), inclusive")
    .option("--vendor <vendor>", "who issues it", "Granary")
    .option("--product <product>", "the product it is for (Granary accepts only Granary)")
    .option("--out <file>", "write the license to this file (never replaces one)")
    .addHelpText("after", "\nExample:\n  granary license create --key keys/granary-license.key --name 'Data team' --company 'Example Corp' \\\n    --email it@example.com --type Subscription --seats 50 --days 365 --out example-corp.license\n")
    .action((options: LicenseCreateOptions) => {
      licenseCreate(context, options);
    });

  return program;
}

/** Runs the CLI with the given arguments (without `node granary`) and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const context = new CliContext(io);
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(context, (code) => {
    exitCode = code;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return ExitCode.usage;
    }
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the message (or the help / version asked for).
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const failure = toCliError(error, await context.serverUrl().catch(() => undefined));
    context.err(`granary: ${failure.message}`);
    return failure.exitCode;
  }
}
