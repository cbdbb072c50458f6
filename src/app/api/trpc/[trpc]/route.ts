import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createRequestContext } from "@/server/api/context";
import { appRouter } from "@/server/api/root";
import { getDb } from "@/server/db";
import { recordException } from "@/server/services/exceptions";

function handler(request: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: createRequestContext,
    async onError({ error, path, type, ctx }) {
      if (error.code !== "INTERNAL_SERVER_ERROR") return;
      await recordException(getDb(), error.cause ?? error, {
        route: `/api/trpc/${path ?? "?"}`,
        method: type,
        userId: ctx?.actor.kind === "user" ? ctx.actor.user.id : null,
      });
    },
  });
}

export { handler as GET, handler as POST };
