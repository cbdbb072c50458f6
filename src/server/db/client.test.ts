/**
 * The pools' connections are opened in the context the process started in (client.ts, startContextSocket): a socket
 * keeps the AsyncLocalStorage stores of the context it was opened in while it lives, so a connection opened during a
 * page's render would keep that render for good.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { connectDatabase } from "./client";

setUpTestDatabase();

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

async function collectedSoon(reference: WeakRef<object>): Promise<boolean> {
  for (let attempt = 0; attempt < 10 && reference.deref(); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
  }
  return reference.deref() === undefined;
}

it("opens a connection a request asked for without keeping the request's stores, while the connection stays open", async () => {
  const { db, close } = connectDatabase(testDatabaseUrl(), { max: 1 });
  try {
    const requests = new AsyncLocalStorage<{ render: Uint8Array }>();
    let render: WeakRef<object> | undefined;
    await (async () => {
      const store = { render: new Uint8Array(1 << 20) };
      render = new WeakRef(store);
      // The pool has no connection yet: this query opens it, inside the request (drizzle's query starts when awaited).
      await requests.run(store, async () => {
        await db.execute(sql`select 1`);
      });
    })();
    expect(await collectedSoon(render!)).toBe(true);
    // The same connection answers the next query: it was kept, and only the render is gone.
    const [first] = await db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    const [second] = await db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    expect(second!.pid).toBe(first!.pid);
  } finally {
    await close();
  }
});
