/**
 * Limits of the tRPC endpoint, shared by the server that enforces them and the clients that stay within them
 * (the web client and the typed client split larger batches themselves).
 */

/** The web client batches what one page asks for at once: a handful of calls. */
export const maxTrpcBatchCalls = 20;

/** Every input the procedures take fits easily: the largest form sends a few kilobytes. */
export const maxTrpcBodyBytes = 1024 * 1024;
