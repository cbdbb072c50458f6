import { env, publicUrl } from "@/env";
import { createRequestContext } from "@/server/api/context";
import { createTrpcHttpHandler } from "@/server/api/http";
import { getDb } from "@/server/db";
import { errorContext, logTo } from "@/server/logging/logger";
import { requestIdOf } from "@/server/request-id";
import { recordException } from "@/server/services/exceptions";

const handler = createTrpcHttpHandler({
  site: { publicOrigin: publicUrl(), trustProxy: env.TRUST_PROXY > 0 },
  createContext: () => createRequestContext(),
  async onInternalError(error, { path, type, ctx, request }) {
    const cause = error.cause ?? error;
    const route = `/api/trpc/${path ?? "?"}`;
    const url = new URL(request.url);
    const userId = ctx?.actor.kind === "user" ? ctx.actor.user.id : null;
    await Promise.all([
      recordException(getDb(), cause, { route: url.pathname + url.search, method: request.method, userId, headers: request.headers }),
      logTo(getDb(), { level: "error", category: "api_errors", message: `${type} ${route} failed: ${cause.message}`, context: { route, method: type, userId, ...errorContext(cause) }, requestId: requestIdOf(request.headers) }),
    ]);
  },
});

export { handler as GET, handler as POST };
