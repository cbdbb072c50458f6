/** Exit codes and the mapping from every failure the CLI can meet to a clear message and one of them. */
import { isGranaryError, UploadError } from "../client";

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  authentication: 3,
  notFound: 4,
  server: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeHelp = `Exit codes:
  0  success
  1  any other failure (e.g. an upload the server refused, a name already taken)
  2  usage error: unknown command or option, missing or malformed argument
  3  authentication failed: not signed in, wrong password, or a token that is revoked, expired or lacks the scope
  4  not found
  5  server error, or the server could not be reached`;

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.usage);

export const notSignedIn = () =>
  new CliError("Not signed in: run `granary login`, or set GRANARY_TOKEN to an access token.", ExitCode.authentication);

function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.authentication;
  if (status === 404) return ExitCode.notFound;
  if (status >= 500) return ExitCode.server;
  return ExitCode.failure;
}

const exitCodeForTrpcCode: Record<string, ExitCode> = {
  UNAUTHORIZED: ExitCode.authentication,
  FORBIDDEN: ExitCode.authentication,
  NOT_FOUND: ExitCode.notFound,
  INTERNAL_SERVER_ERROR: ExitCode.server,
  NOT_IMPLEMENTED: ExitCode.server,
  BAD_GATEWAY: ExitCode.server,
  SERVICE_UNAVAILABLE: ExitCode.server,
  GATEWAY_TIMEOUT: ExitCode.server,
};

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return "";
  const nested = (cause as Error & { cause?: unknown }).cause;
  const code = nested && typeof nested === "object" && "code" in nested ? String((nested as { code: unknown }).code) : "";
  return code || (nested instanceof Error ? nested.message : "") || cause.message;
}

/** Turns anything thrown by a command into a message and an exit code. */
export function toCliError(error: unknown, serverUrl: string | undefined): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof UploadError) {
    if (error.failure === "unreachable") return new CliError(error.message, ExitCode.server);
    if (error.failure === "exists") return new CliError(`${error.message} Add --force to replace it.`, ExitCode.failure);
    return new CliError(`${error.filename}: ${error.message}`, error.status === null ? ExitCode.failure : exitCodeForStatus(error.status));
  }
  if (isGranaryError(error)) {
    const data = error.data;
    if (!data) {
      // No tRPC answer at all: the connection failed, or something other than Granary answered.
      const where = serverUrl ? ` at ${serverUrl}` : "";
      const cause = describeCause(error.cause);
      if (error.cause instanceof TypeError || /fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET/.test(`${error.message} ${cause}`)) {
        return new CliError(`Cannot reach the Granary server${where}${cause ? ` (${cause})` : ""}. Check GRANARY_URL or the address given to \`granary login\`.`, ExitCode.server);
      }
      return new CliError(`Unexpected answer from the server${where}: ${error.message}`, ExitCode.server);
    }
    // The message is usually the first field's error already: list only what it does not say.
    const fieldErrors = Object.entries(data.fieldErrors ?? {}).filter(([field, message]) => field !== "form" && message !== error.message);
    const details = fieldErrors.map(([field, message]) => `\n  ${field}: ${message}`).join("");
    const exitCode = exitCodeForTrpcCode[data.code] ?? (data.httpStatus >= 500 ? ExitCode.server : ExitCode.failure);
    return new CliError(`${error.message}${details}`, exitCode);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(message, ExitCode.failure);
}
