/**
 * The only place the CLI reads its environment. The CLI is a separate program that runs on users' machines and
 * CI runners, not the server: it must not load src/env.ts (which validates the server's settings and would
 * refuse to start without them), so it reads the few variables it honours here, in one place.
 */
import os from "node:os";
import path from "node:path";

export interface CliEnvironment {
  /** GRANARY_URL: the server, overriding the stored configuration. */
  url: string | undefined;
  /** GRANARY_TOKEN: an access token, overriding the stored one (for CI, where nobody runs `granary login`). */
  token: string | undefined;
  /** Where the configuration folder lives: $XDG_CONFIG_HOME, or ~/.config. */
  configHome: string;
}

export function readCliEnvironment(source: Record<string, string | undefined> = process.env): CliEnvironment {
  const nonEmpty = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const xdgConfigHome = nonEmpty(source.XDG_CONFIG_HOME);
  // The XDG spec says a relative value is invalid and must be ignored.
  const configHome = xdgConfigHome && path.isAbsolute(xdgConfigHome) ? xdgConfigHome : path.join(source.HOME || os.homedir(), ".config");
  return { url: nonEmpty(source.GRANARY_URL), token: nonEmpty(source.GRANARY_TOKEN), configHome };
}
