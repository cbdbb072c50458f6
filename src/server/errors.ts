/**
 * The service layer's one error type. Routers map it to tRPC codes, HTTP routes to statuses; `fieldErrors`
 * land on the matching form fields.
 */
export type AppErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "TOO_MANY_REQUESTS"
  | "PRECONDITION_FAILED"
  | "PAYLOAD_TOO_LARGE"
  | "UNPROCESSABLE_CONTENT"
  /** Something Granary depends on (the LDAP directory) did not answer: nobody's mistake, worth retrying. */
  | "SERVICE_UNAVAILABLE"
  /** The files folder or the database is out of space: nothing was stored; worth retrying once space is freed. */
  | "INSUFFICIENT_STORAGE";

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly fieldErrors: Record<string, string> | undefined;

  constructor(code: AppErrorCode, message: string, fieldErrors?: Record<string, string>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.fieldErrors = fieldErrors;
  }

  static field(field: string, message: string, code: AppErrorCode = "BAD_REQUEST"): AppError {
    return new AppError(code, message, { [field]: message });
  }
}

export const httpStatusOf: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  SERVICE_UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
};

/** tRPC has no code for a full disk: it travels as SERVICE_UNAVAILABLE, and the HTTP endpoint answers 507 (api/http.ts). */
export function trpcCodeOf(code: AppErrorCode): Exclude<AppErrorCode, "INSUFFICIENT_STORAGE"> {
  return code === "INSUFFICIENT_STORAGE" ? "SERVICE_UNAVAILABLE" : code;
}
