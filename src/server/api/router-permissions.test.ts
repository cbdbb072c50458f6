/** Every procedure declares the permission it needs, and only permissions from the policy table. */
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createSiteAdmin } from "@/test/factories";
import { listProcedures } from "@/test/procedures";
import type { AnyTRPCRouter } from "@trpc/server";
import { isPermission } from "../authz";
import { appRouter } from "./root";
import { publicProcedure, router, type Context } from "./trpc";

function proceduresWithoutValidPermission(routerToWalk: AnyTRPCRouter): string[] {
  return listProcedures(routerToWalk)
    .filter(({ meta }) => !isPermission((meta as { permission?: unknown } | undefined)?.permission))
    .map(({ path }) => path);
}

const db = setUpTestDatabase();

describe("the router walk", () => {
  it("finds the whole router", () => {
    const paths = listProcedures(appRouter).map(({ path }) => path);
    expect(paths).toContain("account.signUp");
    expect(paths).toContain("admin.listUsers");
    expect(paths).toContain("site.settings");
  });

  it("finds no procedure without a declared permission from the permissions table", () => {
    expect(proceduresWithoutValidPermission(appRouter)).toEqual([]);
  });

  it("would catch a procedure that declares none, or one that is not in the table", () => {
    const careless = router({
      undeclared: publicProcedure.query(() => "oops"),
      // A typo'd permission can only come from outside the type system (JavaScript callers, casts).
      misspelled: publicProcedure.meta({ permission: "acount:read" as never }).query(() => "oops"),
      fine: publicProcedure.meta({ permission: "site:read" }).query(() => "ok"),
    });
    expect(proceduresWithoutValidPermission(careless)).toEqual(["misspelled", "undeclared"]);
  });

});

describe("the runtime guard", () => {
  it("refuses to run a procedure that declares no permission, even for a site administrator", async () => {
    const careless = router({ undeclared: publicProcedure.query(() => "oops") });
    const admin = await createSiteAdmin(db);
    const context: Context = { db, actor: admin.actor, sessions: { start: async () => {}, end: async () => {} } };
    const failure = await failureOf(careless.createCaller(context).undeclared());
    expect(failure.code).toBe("INTERNAL_SERVER_ERROR");
    expect(failure.error.message).toBe("This procedure declares no permission.");
    expect(failure.message).toBe("Something went wrong on our side. It has been recorded; please try again.");
  });

  it("checks the permission before the input, so visitors learn nothing about admin procedures' inputs", async () => {
    const failure = await failureOf(callerFor(anonymous()).admin.setUserActive({ userId: "not-a-uuid", active: true }));
    expect(failure.code).toBe("UNAUTHORIZED");
  });
});
