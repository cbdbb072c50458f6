/** `granary auth`: access tokens, as `anaconda auth` manages them. */
import type { RouterOutputs } from "../client";
import type { CliContext } from "./context";
import { CliError, ExitCode, usageError } from "./errors";
import { formatDate, formatDateTime, table, toJson } from "./format";
import { parseDuration, parseScopes } from "./parse";

export interface AuthOptions {
  create?: boolean;
  list?: boolean;
  listScopes?: boolean;
  remove?: string;
  regenerate?: string;
  name?: string;
  scopes?: string[];
  channel?: string;
  expires?: string;
  json?: boolean;
}

type TokenSummary = RouterOutputs["tokens"]["list"]["items"][number];
type CreatedToken = RouterOutputs["tokens"]["create"];

/** What `auth --list --json` prints: the summary's fields, named one by one so a secret can never slip in. */
export function publicTokenFields(token: TokenSummary) {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    channel: token.channel,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    lastUsedIp: token.lastUsedIp,
    revokedAt: token.revokedAt,
    status: token.status,
  };
}

export function renderTokenList(tokens: TokenSummary[]): string {
  if (tokens.length === 0) return "No access tokens. Create one with: granary auth --create --name NAME --scopes 'repos conda:download'\n";
  return table(
    ["NAME", "SCOPES", "CHANNEL", "CREATED", "EXPIRES", "LAST USED", "STATUS"],
    tokens.map((token) => [
      token.name,
      token.scopes.join(" "),
      token.channel ?? "(all)",
      formatDate(token.createdAt),
      formatDate(token.expiresAt),
      formatDateTime(token.lastUsedAt, "never"),
      token.status,
    ]),
  );
}

/** The secret on a line of its own, said once and clearly, with how to use it. */
export function renderNewSecret(created: CreatedToken, url: string, username: string | undefined, verb = "Created"): string {
  const { token, secret } = created;
  const channel = token.channel ?? username ?? "OWNER";
  const scopeText = `scopes: ${token.scopes.join(" ")}${token.channel ? `; channel: ${token.channel}` : ""}; expires ${formatDate(token.expiresAt)}`;
  return [
    `${verb} the access token ${token.name} (${scopeText}).`,
    "",
    `    ${secret}`,
    "",
    "Copy it now: it is shown only this once and cannot be read back.",
    "Use it with, for example:",
    `  conda config --add channels ${url}/t/${secret}/${channel}`,
    `  pip install --index-url ${url}/t/${secret}/${channel}/simple/ PACKAGE`,
    `  GRANARY_TOKEN=${secret} granary whoami`,
    "",
  ].join("\n");
}

function chosenAction(options: AuthOptions): "create" | "list" | "listScopes" | "remove" | "regenerate" {
  const chosen = (["create", "list", "listScopes", "remove", "regenerate"] as const).filter((action) => options[action] !== undefined && options[action] !== false);
  if (chosen.length !== 1) {
    throw usageError(
      chosen.length === 0
        ? "Say what to do: --create, --list, --list-scopes, --remove NAME or --regenerate NAME (see granary auth --help)."
        : "Give only one of --create, --list, --list-scopes, --remove and --regenerate.",
    );
  }
  return chosen[0]!;
}

export async function auth(context: CliContext, options: AuthOptions): Promise<void> {
  const action = chosenAction(options);
  if (action === "create") {
    // Checked before anything is sent, so a typo costs no round trip.
    if (!options.name?.trim()) throw usageError("Give the token a name: --name NAME.");
    if (!options.scopes?.length) throw usageError("Give the token's scopes, e.g. --scopes 'repos conda:download' (see granary auth --list-scopes).");
    const scopes = parseScopes(options.scopes);
    const expiresInDays = options.expires === undefined ? undefined : parseDuration(options.expires);
    const client = await context.authenticatedClient();
    const created = await client.tokens.create.mutate({
      name: options.name.trim(),
      scopes,
      ...(options.channel ? { channel: options.channel } : {}),
      ...(expiresInDays !== undefined ? { expiresInDays } : {}),
    });
    const config = await context.config();
    context.out(options.json ? toJson({ token: publicTokenFields(created.token), secret: created.secret }) : renderNewSecret(created, await context.serverUrl(), config?.username));
    return;
  }
  if (action === "list") {
    const { items } = await (await context.authenticatedClient()).tokens.list.query();
    context.out(options.json ? toJson({ items: items.map(publicTokenFields) }) : renderTokenList(items));
    return;
  }
  if (action === "listScopes") {
    const scopes = await (await context.client()).tokens.scopes.query();
    context.out(options.json ? toJson(scopes) : table(["SCOPE", "DESCRIPTION"], scopes.map((scope) => [scope.scope, scope.description])));
    return;
  }
  if (action === "remove") {
    const name = options.remove!.trim();
    if (!name) throw usageError("Give the name of the token to revoke: granary auth -r NAME.");
    await (await context.authenticatedClient()).tokens.revoke.mutate({ name });
    context.out(`Revoked the access token ${name}.`);
    return;
  }
  const name = options.regenerate!.trim();
  if (!name) throw usageError("Give the name of the token to regenerate: granary auth --regenerate NAME.");
  const client = await context.authenticatedClient();
  const { items } = await client.tokens.list.query();
  const token = items.find((candidate) => candidate.name === name && candidate.status === "active") ?? items.find((candidate) => candidate.name === name);
  if (!token) throw new CliError(`There is no access token named ${name}.`, ExitCode.notFound);
  const regenerated = await client.tokens.regenerate.mutate({ id: token.id });
  const config = await context.config();
  context.out(
    options.json
      ? toJson({ token: publicTokenFields(regenerated.token), secret: regenerated.secret })
      : renderNewSecret(regenerated, await context.serverUrl(), config?.username, "Regenerated"),
  );
}
