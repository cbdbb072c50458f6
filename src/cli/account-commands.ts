/** `granary login`, `logout` and `whoami`. */
import { read } from "read";
import { isGranaryError, normalizeServerUrl, type RouterOutputs } from "../client";
import { configFile, deleteConfig, writeConfig } from "./config";
import type { CliContext } from "./context";
import { CliError, ExitCode, notSignedIn, toCliError, usageError } from "./errors";
import { formatDate, toJson } from "./format";

export interface LoginOptions {
  url?: string;
  username?: string;
  passwordStdin?: boolean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** `granary-cli-<hostname>-<UTC timestamp>`: says where and when a token was made, in token-name characters. */
export function loginTokenName(hostname: string, now: Date): string {
  const host =
    hostname
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "host";
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").replace("T", "-");
  return `granary-cli-${host}-${stamp}`;
}

async function askCredentials(context: CliContext, options: LoginOptions): Promise<{ username: string; password: string }> {
  const { stdin, stderr } = context.io;
  const interactive = Boolean(stdin.isTTY);
  let username = options.username?.trim();
  if (!username) {
    if (!interactive || options.passwordStdin) throw usageError("Give --username NAME (there is no terminal to ask on).");
    username = String(await read({ prompt: "Username: ", input: stdin, output: stderr })).trim();
    if (!username) throw usageError("A username is needed to sign in.");
  }
  let password: string;
  if (options.passwordStdin) {
    // One trailing newline is what `echo` and here-strings add; it is not part of the password.
    password = (await readAll(stdin)).replace(/\r?\n$/, "");
  } else {
    if (!interactive) throw usageError("There is no terminal to ask for the password on: pipe it in with --password-stdin.");
    password = String(await read({ prompt: "Password: ", silent: true, replace: "", input: stdin, output: stderr }));
  }
  if (!password) throw usageError("The password is empty.");
  return { username, password };
}

export async function login(context: CliContext, options: LoginOptions): Promise<void> {
  const previous = await context.config();
  const url = normalizeServerUrl(options.url ?? context.environment.url ?? previous?.url ?? (await context.serverUrl()));
  try {
    new URL(url);
  } catch {
    throw usageError(`"${url}" is not a server address; write it like http://localhost:3000.`);
  }
  const credentials = await askCredentials(context, options);
  const created = await context
    .clientFor({ url, basic: credentials })
    .tokens.create.mutate({ name: loginTokenName(context.hostname(), context.now()), scopes: ["all"] })
    .catch((error: unknown) => {
      throw toCliError(error, url);
    });
  let username = credentials.username;
  try {
    // The account may have been named by its e-mail address: store its username.
    username = (await context.clientFor({ url, token: created.secret }).account.whoami.query()).username;
  } catch {
    // The token works or the next command will say so; the name typed is a fine fallback.
  }
  const file = await writeConfig(context.environment.configHome, {
    url,
    token: created.secret,
    username,
    tokenName: created.token.name,
    tokenId: created.token.id,
  });
  context.out(`Signed in to ${url} as ${username}.`);
  context.out(`A token named ${created.token.name} (scope: all, expires ${formatDate(created.token.expiresAt)}) is stored in ${file}.`);

  if (previous && previous.token !== created.secret && normalizeServerUrl(previous.url) === url) {
    // The token of the earlier sign-in on this machine would otherwise stay valid, unused, for a year.
    await context
      .clientFor({ url, token: previous.token })
      .tokens.revoke.mutate(previous.tokenId ? { id: previous.tokenId } : { name: previous.tokenName })
      .then(
        () => context.err(`Revoked the token of the previous sign-in (${previous.tokenName ?? previous.username}).`),
        () => {},
      );
  }
}

export async function logout(context: CliContext): Promise<number> {
  const config = await context.config();
  const configHome = context.environment.configHome;
  if (!config) {
    context.err(`Not signed in (there is no ${configFile(configHome)}); nothing to do.`);
    return ExitCode.ok;
  }
  const client = context.clientFor({ url: config.url, token: config.token });
  let exitCode: number = ExitCode.ok;
  let outcome: string;
  try {
    const target = config.tokenId
      ? { id: config.tokenId }
      : { name: config.tokenName ?? (await client.account.whoami.query()).token?.name ?? undefined };
    await client.tokens.revoke.mutate(target);
    outcome = `Revoked the token on ${config.url}`;
  } catch (error) {
    const code = isGranaryError(error) ? error.data?.code : undefined;
    const failure = toCliError(error, config.url);
    if (code === "UNAUTHORIZED" || code === "NOT_FOUND") {
      outcome = `The token was already revoked or expired on ${config.url}`;
    } else {
      exitCode = failure.exitCode;
      outcome = `Could not revoke the token on the server (${failure.message}); it stays valid there until it expires: revoke ${config.tokenName ?? "it"} under Settings → Access tokens`;
    }
  }
  await deleteConfig(configHome);
  const message = `${outcome}, and removed it from ${configFile(configHome)}. Signed out.`;
  if (exitCode === ExitCode.ok) context.out(message);
  else context.err(message);
  return exitCode;
}

export type WhoAmI = RouterOutputs["account"]["whoami"];

export function renderWhoAmI(me: WhoAmI, url: string): string {
  const lines = [`${me.username} on ${url}`];
  if (me.name) lines.push(`  name:       ${me.name}`);
  if (me.email) lines.push(`  e-mail:     ${me.email}`);
  if (me.isSiteAdmin) lines.push("  role:       site administrator");
  if (me.token) {
    const channel = me.token.channel ? `; channel ${me.token.channel}` : "";
    lines.push(`  signed in:  with the token ${me.token.name} (scopes: ${me.token.scopes.join(" ")}${channel}; expires ${formatDate(me.token.expiresAt)})`);
  } else {
    lines.push(`  signed in:  with a ${me.via}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function whoami(context: CliContext, options: { json?: boolean }): Promise<void> {
  if (!(await context.token())) throw notSignedIn();
  const url = await context.serverUrl();
  const me = await (await context.authenticatedClient()).account.whoami.query();
  if (!me) throw new CliError("The server does not know who you are.", ExitCode.authentication);
  context.out(options.json ? toJson(me) : renderWhoAmI(me, url));
}
