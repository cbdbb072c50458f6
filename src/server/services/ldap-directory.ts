/**
 * Talking to the LDAP directory, through ldapts: find a person with the service account (the bind DN), check their
 * password by binding as them, read their attributes and groups. Knows nothing of Granary's accounts
 * (ldap-accounts.ts decides what the answers mean).
 *
 * What the user typed enters only filters, escaped there (RFC 4515, ldapts's Filter.escape); DNs are never built
 * from it: the person's DN is the one the directory's own search returned. Empty passwords are refused before any
 * bind, since an LDAP simple bind with an empty password is an unauthenticated bind that many servers accept.
 */
import { isIP } from "node:net";
import { Client, Filter, FilterParser, InvalidCredentialsError, ResultCodeError, SizeLimitExceededError, type Entry } from "ldapts";
import { env } from "@/env";
import { usernamePlaceholder } from "@/shared/schemas/ldap";

export interface DirectoryConfig {
  url: string;
  startTls: boolean;
  caCertificate: string;
  bindDn: string;
  bindPassword: string;
  userSearchBase: string;
  userSearchFilter: string;
  usernameAttribute: string;
  emailAttribute: string;
  displayNameAttribute: string;
  groupSearchBase: string;
  groupSearchFilter: string;
  groupMemberAttribute: string;
}

/** A person as the directory describes them. */
export interface DirectoryPerson {
  dn: string;
  username: string | null;
  email: string | null;
  name: string | null;
  /** DNs of the groups that list the person (empty without a group search). */
  groups: string[];
}

/** The directory could not be asked: unreachable, too slow, TLS refused, or the service account's bind refused. */
export class DirectoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DirectoryUnavailableError";
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.trim() || error.name;
  return String(error);
}

/** The user search filter with the typed name in place of {username}, escaped so it can only ever be a value. */
export function userFilterFor(config: Pick<DirectoryConfig, "userSearchFilter">, login: string): string {
  return config.userSearchFilter.split(usernamePlaceholder).join(Filter.escape(login));
}

function groupFilterFor(config: DirectoryConfig, personDn: string): string {
  const base = config.groupSearchFilter.trim() || "(objectClass=*)";
  const wrapped = base.startsWith("(") ? base : `(${base})`;
  return `(&${wrapped}(${config.groupMemberAttribute}=${Filter.escape(personDn)}))`;
}

/** A filter the directory would refuse, found before asking it: the message for the settings form, or null. */
export function filterProblem(filter: string): string | null {
  try {
    FilterParser.parseString(filter.split(usernamePlaceholder).join("x"));
    return null;
  } catch (error) {
    return `This is not a valid LDAP filter: ${describe(error)}`;
  }
}

function connect(config: DirectoryConfig): Client {
  const milliseconds = env.LDAP_TIMEOUT_SECONDS * 1000;
  const ca = config.caCertificate.trim() ? [config.caCertificate] : undefined;
  // ldapts speaks TLS from the first byte whenever it is given TLS options, so an ldap:// address gets none (its
  // StartTLS takes the CA in open()).
  const secure = config.url.toLowerCase().startsWith("ldaps://");
  return new Client({ url: config.url, timeout: milliseconds, connectTimeout: milliseconds, ...(secure && ca ? { tlsOptions: { ca } } : {}) });
}

async function open(config: DirectoryConfig): Promise<Client> {
  const client = connect(config);
  try {
    if (config.startTls) {
      const ca = config.caCertificate.trim() ? [config.caCertificate] : undefined;
      // Upgrading the socket, Node checks the certificate against `host` (localhost unless told): the server's name.
      const host = new URL(config.url).hostname.replace(/^\[|\]$/g, "");
      await client.startTLS({ ...(ca ? { ca } : {}), host, ...(isIP(host) ? {} : { servername: host }) });
    }
    return client;
  } catch (error) {
    await client.unbind().catch(() => undefined);
    throw new DirectoryUnavailableError(`Could not connect to ${config.url}: ${describe(error)}`, { cause: error });
  }
}

/** Runs `work` on a connection bound as the service account, and always closes it. */
async function asServiceAccount<T>(config: DirectoryConfig, work: (client: Client) => Promise<T>): Promise<T> {
  if (!config.bindDn || !config.bindPassword) {
    // Never an anonymous search: the directory is read only as the account the administrator named.
    throw new DirectoryUnavailableError("The bind DN and bind password are not set.");
  }
  const client = await open(config);
  try {
    try {
      await client.bind(config.bindDn, config.bindPassword);
    } catch (error) {
      // ldapts connects on the first operation: an error that is no LDAP answer is the connection's.
      if (!(error instanceof ResultCodeError)) throw new DirectoryUnavailableError(`Could not connect to ${config.url}: ${describe(error)}`, { cause: error });
      throw new DirectoryUnavailableError(`The directory refused the bind as ${config.bindDn}: ${describe(error)}`, { cause: error });
    }
    try {
      return await work(client);
    } catch (error) {
      if (error instanceof DirectoryUnavailableError) throw error;
      throw new DirectoryUnavailableError(`The directory's search failed: ${describe(error)}`, { cause: error });
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function firstValue(entry: Entry, attribute: string): string | null {
  if (!attribute) return null;
  const key = Object.keys(entry).find((name) => name.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return null;
  const text = (Buffer.isBuffer(first) ? first.toString("utf8") : String(first)).trim();
  return text === "" ? null : text;
}

async function describePerson(client: Client, config: DirectoryConfig, entry: Entry): Promise<DirectoryPerson> {
  let groups: string[] = [];
  if (config.groupSearchBase) {
    const found = await client.search(config.groupSearchBase, { scope: "sub", filter: groupFilterFor(config, entry.dn), attributes: ["dn"], sizeLimit: 1000 });
    groups = found.searchEntries.map((group) => group.dn);
  }
  return {
    dn: entry.dn,
    username: firstValue(entry, config.usernameAttribute),
    email: firstValue(entry, config.emailAttribute),
    name: firstValue(entry, config.displayNameAttribute),
    groups,
  };
}

async function searchPerson(client: Client, config: DirectoryConfig, login: string): Promise<Entry | null> {
  const attributes = [config.usernameAttribute, config.emailAttribute, config.displayNameAttribute].filter(Boolean);
  // Two matches mean the filter does not single a person out: nobody signs in as whichever came first.
  try {
    const found = await client.search(config.userSearchBase, { scope: "sub", filter: userFilterFor(config, login), attributes, sizeLimit: 2 });
    return found.searchEntries.length === 1 ? found.searchEntries[0]! : null;
  } catch (error) {
    if (error instanceof SizeLimitExceededError) return null;
    throw error;
  }
}

/** The person the user search filter finds for this name (username or e-mail, as the filter allows), or null. */
export async function findPerson(config: DirectoryConfig, login: string): Promise<DirectoryPerson | null> {
  return asServiceAccount(config, async (client) => {
    const entry = await searchPerson(client, config, login.trim());
    return entry ? describePerson(client, config, entry) : null;
  });
}

export type PasswordCheck = { outcome: "accepted"; person: DirectoryPerson } | { outcome: "unknown_account" } | { outcome: "wrong_password" };

/** Finds the person and binds as them with the password. */
export async function checkPersonPassword(config: DirectoryConfig, login: string, password: string): Promise<PasswordCheck> {
  if (password === "") return { outcome: "wrong_password" };
  const entry = await asServiceAccount(config, (client) => searchPerson(client, config, login.trim()));
  if (!entry) return { outcome: "unknown_account" };
  const client = await open(config);
  try {
    await client.bind(entry.dn, password);
  } catch (error) {
    if (error instanceof InvalidCredentialsError) return { outcome: "wrong_password" };
    throw new DirectoryUnavailableError(`The directory refused the bind as the user: ${describe(error)}`, { cause: error });
  } finally {
    await client.unbind().catch(() => undefined);
  }
  // Read with the service account, which may see more than the person may of themselves.
  const person = await asServiceAccount(config, (service) => describePerson(service, config, entry));
  return { outcome: "accepted", person };
}
