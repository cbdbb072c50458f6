import "server-only";
import { unstable_cache } from "next/cache";
import superjson from "superjson";
import { currentVisitorGeneration } from "@/server/services/visitor-pages";

/**
 * The queries whose answers to a visitor who is not signed in are the same for every such visitor: what is public.
 * Only these are cached, and only for anonymous callers (getServerApi), keyed by the procedure, its input and the
 * visitor generation (services/visitor-pages.ts), never by anything about the caller; signed-in views, which may
 * show private packages, always read the database.
 */
const visitorQueries = new Set([
  "packages.search",
  "packages.facets",
  "packages.listByOwner",
  "packages.get",
  "packages.redirect",
  "packages.downloads",
  "packages.notebookPreview",
  "organizations.get",
  "profiles.memberships",
]);

/**
 * Download counts and stars move no channel revision: a cached page shows them at most this old (Next answers from
 * the entry and refreshes it behind the response once it is older).
 */
const visitorCacheSeconds = 60;

async function cachedVisitorQuery(path: string, input: unknown, generation: number, run: () => Promise<unknown>): Promise<unknown> {
  // superjson keeps dates and the like, which the data cache's JSON would turn into strings.
  const cached = unstable_cache(async () => superjson.stringify(await run()), ["visitor", String(generation), path, JSON.stringify(input ?? null)], {
    revalidate: visitorCacheSeconds,
  });
  return superjson.parse(await cached());
}

/**
 * The anonymous caller's router, with the visitor queries answered from Next's data cache while the process hears
 * of every change (otherwise the router itself). Errors (a missing package's NOT_FOUND) are never cached.
 */
export function withVisitorCache<Caller extends object>(caller: Caller): Caller {
  const generation = currentVisitorGeneration();
  if (generation === null) return caller;
  return new Proxy(caller, {
    get(target, namespace, receiver) {
      const router: unknown = Reflect.get(target, namespace, receiver);
      if (typeof namespace !== "string" || router === null || (typeof router !== "object" && typeof router !== "function")) return router;
      return new Proxy(router, {
        get(procedures, name, innerReceiver) {
          const procedure: unknown = Reflect.get(procedures, name, innerReceiver);
          const path = `${namespace}.${String(name)}`;
          if (typeof name !== "string" || typeof procedure !== "function" || !visitorQueries.has(path)) return procedure;
          return (input: unknown) => cachedVisitorQuery(path, input, generation, () => (procedure as (input: unknown) => Promise<unknown>)(input));
        },
      });
    },
  });
}
