import { env, publicUrl } from "@/env";
import { createRequestContext } from "@/server/api/context";
import { createTrpcHttpHandler } from "@/server/api/http";
import { getDb } from "@/server/db";
import { recordException } from "@/server/services/exceptions";

const handler = createTrpcHttpHandler({
  site: { publicOrigin: publicUrl(), trustProxy: env.TRUST_PROXY > 0 },
  createContext: () => createRequestContext(),
  async onInternalError(error, { path, type, ctx }) {
    await recordException(getDb(), error.cause ?? error, {
      route: `/api/trpc/${path ?? "?"}`,
      method: type,
      userId: ctx?.actor.kind === "user" ? ctx.actor.user.id : null,
    });
  },
});

export { handler as GET, handler as POST };
