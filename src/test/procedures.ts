import type { AnyTRPCRouter } from "@trpc/server";

export interface ProcedureEntry {
  path: string;
  type: "query" | "mutation" | "subscription";
  meta: unknown;
}

/**
 * Every procedure of a router, by dotted path. Lazily loaded sub-routers are not listed by tRPC until loaded,
 * so one would escape the checks: refuse them until the walk knows how to load them.
 */
export function listProcedures(router: AnyTRPCRouter): ProcedureEntry[] {
  const lazyRouters = Object.keys(router._def.lazy ?? {});
  if (lazyRouters.length > 0) {
    throw new Error(`Lazy routers (${lazyRouters.join(", ")}) are not walked yet: load them in src/test/procedures.ts.`);
  }
  const procedures = router._def.procedures as Record<string, { _def: { type: ProcedureEntry["type"]; meta?: unknown } }>;
  return Object.entries(procedures)
    .map(([path, procedure]) => ({ path, type: procedure._def.type, meta: procedure._def.meta }))
    .sort((left, right) => left.path.localeCompare(right.path));
}
