import "server-only";
import { cache } from "react";
import { createRequestContext } from "@/server/api/context";
import { createCaller } from "@/server/api/root";

/** The router, called from server components as the current request's actor. */
export const getServerApi = cache(async () => createCaller(await createRequestContext()));
