import net from "node:net";
import { describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createUser } from "@/test/factories";
import { findFreePort, isPortFree } from "./embedded";
import { uniqueViolationConstraint } from "./errors";

const db = setUpTestDatabase();

describe("uniqueViolationConstraint", () => {
  it("names the constraint behind Drizzle's wrapper, from a real violation", async () => {
    await createUser(db, { username: "ada", email: "ada@example.test" });
    const violation = await createUser(db, { username: "ADA", email: "other@example.test" }).catch((error: unknown) => error);
    expect(uniqueViolationConstraint(violation)).toBe("users_username_lower_unique");
  });

  it("follows causes of any depth", () => {
    const driverError = Object.assign(new Error("duplicate key"), { code: "23505", constraint_name: "some_unique" });
    expect(uniqueViolationConstraint(new Error("outer", { cause: new Error("middle", { cause: driverError }) }))).toBe("some_unique");
  });

  it("answers null for anything else", () => {
    expect(uniqueViolationConstraint(Object.assign(new Error("not null"), { code: "23502" }))).toBeNull();
    expect(uniqueViolationConstraint(new Error("plain"))).toBeNull();
    expect(uniqueViolationConstraint(undefined)).toBeNull();
  });
});

describe("ports for the embedded server", () => {
  it("tells a taken port from a free one, and skips taken ones", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const takenPort = (blocker.address() as net.AddressInfo).port;
    try {
      expect(await isPortFree(takenPort)).toBe(false);
      expect(await findFreePort(takenPort)).toBeGreaterThan(takenPort);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
