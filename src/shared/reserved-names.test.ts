import { describe, expect, it } from "vitest";
import { condaSubdirs, isReservedOwnerName, isReservedPackageName, reservedOwnerNames, reservedPackageNames } from "./reserved-names";

describe("reserved owner names", () => {
  it.each(["admin", "api", "t", "settings", "search", "sign-in", "sign-up", "reset-password", "confirm-email", "_next"])(
    "reserves the app route %s",
    (name) => {
      expect(isReservedOwnerName(name)).toBe(true);
    },
  );

  it("ignores case, since owner names are unique case-insensitively", () => {
    expect(isReservedOwnerName("Admin")).toBe(true);
    expect(isReservedOwnerName("SIGN-IN")).toBe(true);
  });

  it.each(["alice", "admins", "my-admin", "signing"])("leaves %s free", (name) => {
    expect(isReservedOwnerName(name)).toBe(false);
  });

  it("stores its names in lower case, or case-insensitive lookups would miss them", () => {
    for (const name of [...reservedOwnerNames, ...reservedPackageNames]) expect(name).toBe(name.toLowerCase());
  });
});

describe("reserved package names", () => {
  it.each(["label", "simple", "pypi", "channeldata.json", "noarch", "linux-64", "osx-arm64", "win-64"])(
    "reserves the protocol segment %s",
    (name) => {
      expect(isReservedPackageName(name)).toBe(true);
    },
  );

  it.each(["settings", "dashboard"])("reserves the owner page %s", (name) => {
    expect(isReservedPackageName(name)).toBe(true);
  });

  it("reserves every conda subdir", () => {
    for (const subdir of condaSubdirs) expect(isReservedPackageName(subdir)).toBe(true);
  });

  it("ignores case", () => {
    expect(isReservedPackageName("NoArch")).toBe(true);
  });

  it.each(["numpy", "labels", "linux"])("leaves %s free", (name) => {
    expect(isReservedPackageName(name)).toBe(false);
  });
});
