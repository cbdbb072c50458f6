import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { parseAuthorizationHeader } from "./authorization-header";

const token = `granary-${"aB3".repeat(14)}x`;
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

function refusal(header: string): string {
  try {
    parseAuthorizationHeader(header);
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHORIZED") return error.message;
    throw error;
  }
  throw new Error(`${header} was accepted`);
}

describe("parseAuthorizationHeader", () => {
  it("reads a Bearer token, whatever the scheme's case and the spacing", () => {
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `  BEARER \t ${token}  `, `Bearer\t${token}`]) {
      expect(parseAuthorizationHeader(header)).toEqual({ kind: "token", secret: token, scheme: "bearer" });
    }
  });

  it("reads a token sent as Basic with __token__, or with a username", () => {
    expect(parseAuthorizationHeader(basic(`__token__:${token}`))).toEqual({ kind: "token", secret: token, scheme: "basic" });
    expect(parseAuthorizationHeader(basic(`ada:${token}`))).toEqual({ kind: "token", secret: token, scheme: "basic", login: "ada" });
  });

  it("reads a username (or e-mail) and password, colons and UTF-8 included", () => {
    expect(parseAuthorizationHeader(basic("ada@example.org:pass:wörd"))).toEqual({ kind: "password", login: "ada@example.org", password: "pass:wörd" });
    expect(parseAuthorizationHeader(basic("ada:"))).toEqual({ kind: "password", login: "ada", password: "" });
  });

  it("refuses what it cannot use with UNAUTHORIZED and a message saying why", () => {
    expect(refusal(basic("no separator"))).toContain("malformed");
    expect(refusal(basic("ada:pass\0word"))).toContain("not right");
    expect(refusal(`Digest username="ada"`)).toContain("The Digest authorization scheme is not supported");
    expect(refusal("")).toContain("The empty authorization scheme");
    expect(refusal("Basic")).toContain("malformed");
  });
});
