/**
 * The stored sign-in: `{ url, token, username }` in $XDG_CONFIG_HOME/granary/config.json. The token is a
 * credential, so the folder is 0700 and the file 0600, enforced even when they already existed with looser modes.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { CliError, ExitCode } from "./errors";

export interface StoredConfig {
  url: string;
  token: string;
  username: string;
  /** The token's name and id on the server, so `granary logout` can revoke exactly it. */
  tokenName?: string;
  tokenId?: string;
}

export function configFolder(configHome: string): string {
  return path.join(configHome, "granary");
}

export function configFile(configHome: string): string {
  return path.join(configFolder(configHome), "config.json");
}

export async function readConfig(configHome: string): Promise<StoredConfig | null> {
  const file = configFile(configHome);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, ExitCode.failure);
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredConfig>;
    if (typeof parsed.url === "string" && typeof parsed.token === "string" && typeof parsed.username === "string") return parsed as StoredConfig;
  } catch {
    // Reported below.
  }
  throw new CliError(`${file} is damaged: delete it and run \`granary login\` again.`, ExitCode.failure);
}

export async function writeConfig(configHome: string, config: StoredConfig): Promise<string> {
  const folder = configFolder(configHome);
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  await fs.chmod(folder, 0o700);
  const file = configFile(configHome);
  // Written beside and renamed over, so a crash never leaves half a file, and created 0600 so the token is
  // never readable by others, not even for a moment.
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.rm(temporary, { force: true });
  await fs.writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  await fs.chmod(temporary, 0o600);
  await fs.rename(temporary, file);
  return file;
}

/** Removes the stored sign-in; false when there was none. */
export async function deleteConfig(configHome: string): Promise<boolean> {
  try {
    await fs.unlink(configFile(configHome));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
