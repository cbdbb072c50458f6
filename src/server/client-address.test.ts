import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trustProxySetting } from "@/env";
import { originFromHeaders } from "./authz";
import { canonicalAddress, clientAddress, clientAddressHeader, decideClientAddress, throttlingAddress } from "./client-address";
import { originOf } from "./protocols/http";

describe("TRUST_PROXY", () => {
  it.each([
    [undefined, 0],
    ["", 0],
    ["0", 0],
    ["false", 0],
    ["no", 0],
    ["1", 1],
    ["true", 1],
    ["yes", 1],
    ["TRUE", 1],
    ["2", 2],
    [" 3 ", 3],
  ])("reads %j as %i trusted proxies", (value, proxies) => {
    expect(trustProxySetting.parse(value)).toBe(proxies);
  });

  it.each(["-1", "1.5", "two", "10", "01"])("refuses %j with a clear message", (value) => {
    const parsed = trustProxySetting.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/^Set TRUST_PROXY to the number of reverse proxies/);
  });
});

describe("canonicalAddress", () => {
  it.each([
    ["192.0.2.4", "192.0.2.4"],
    [" 192.0.2.4 ", "192.0.2.4"],
    ["192.0.2.4:51234", "192.0.2.4"],
    ["::ffff:192.0.2.4", "192.0.2.4"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["::1", "::1"],
  ])("reads %j as %j", (text, address) => {
    expect(canonicalAddress(text)).toBe(address);
  });

  it.each(["", "unknown", "127.1", "0x7f.0.0.1", "192.0.2.256", "1.2.3.4.5", "2001:db8::g", "<script>", "x".repeat(500), "192.0.2.4, 192.0.2.5"])(
    "refuses %j",
    (text) => {
      expect(canonicalAddress(text)).toBeNull();
    },
  );
});

describe("clientAddress", () => {
  const proxy = "10.0.0.2";

  it("is the connection's address without trusted proxies, whatever X-Forwarded-For claims", () => {
    expect(clientAddress("198.51.100.7", "192.0.2.50", 0)).toBe("192.0.2.50");
    expect(clientAddress(undefined, "::ffff:192.0.2.50", 0)).toBe("192.0.2.50");
    expect(clientAddress(undefined, undefined, 0)).toBe("unknown");
  });

  it("takes the hop the trusted proxy appended, never the first one, which the client writes", () => {
    // The client sent "X-Forwarded-For: 198.51.100.7"; the proxy appended the address it saw.
    expect(clientAddress("198.51.100.7, 203.0.113.9", proxy, 1)).toBe("203.0.113.9");
    expect(clientAddress("203.0.113.9", proxy, 1)).toBe("203.0.113.9");
  });

  it("counts as many hops from the right as there are trusted proxies", () => {
    // client -> edge proxy (appends the client) -> inner proxy (appends the edge proxy) -> Granary
    expect(clientAddress("6.6.6.6, 203.0.113.9, 10.0.0.1", proxy, 2)).toBe("203.0.113.9");
    expect(clientAddress("6.6.6.6, 7.7.7.7, 203.0.113.9, 10.0.0.1", proxy, 2)).toBe("203.0.113.9");
    expect(clientAddress("6.6.6.6, 203.0.113.9, 10.0.0.1", proxy, 1)).toBe("10.0.0.1");
  });

  it("reads several X-Forwarded-For headers in order, as one list", () => {
    expect(clientAddress(["6.6.6.6", "203.0.113.9"], proxy, 1)).toBe("203.0.113.9");
    expect(clientAddress(["6.6.6.6, 7.7.7.7", "203.0.113.9, 10.0.0.1"], proxy, 2)).toBe("203.0.113.9");
  });

  it("stops at the header's start when fewer proxies appended than are trusted", () => {
    expect(clientAddress("203.0.113.9", proxy, 2)).toBe("203.0.113.9");
    expect(clientAddress(undefined, "192.0.2.50", 1)).toBe("192.0.2.50");
    expect(clientAddress("", "192.0.2.50", 1)).toBe("192.0.2.50");
  });

  it("keeps the last sound hop when an entry is not an address", () => {
    expect(clientAddress("203.0.113.9, garbage", proxy, 1)).toBe(proxy);
    expect(clientAddress("garbage, 203.0.113.9", proxy, 2)).toBe("203.0.113.9");
    expect(clientAddress("unknown, 203.0.113.9", proxy, 2)).toBe("203.0.113.9");
    expect(clientAddress("203.0.113.9, ,, ", proxy, 1)).toBe("203.0.113.9");
    expect(clientAddress(`${"9".repeat(400)}, 203.0.113.9`, proxy, 3)).toBe("203.0.113.9");
  });

  it("understands IPv6 hops, and gives every address one spelling", () => {
    expect(clientAddress("2001:DB8::7, [2001:db8::0:9]:5000", "::1", 1)).toBe("2001:db8::9");
    expect(clientAddress("::ffff:203.0.113.9", "::1", 1)).toBe("203.0.113.9");
    expect(clientAddress(undefined, "::ffff:127.0.0.1", 1)).toBe("127.0.0.1");
  });
});

describe("throttlingAddress", () => {
  it("counts an IPv4 address alone, and an IPv6 address by its /64", () => {
    expect(throttlingAddress("203.0.113.9")).toBe("203.0.113.9");
    expect(throttlingAddress("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(throttlingAddress("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(throttlingAddress("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(throttlingAddress("unknown")).toBe("unknown");
  });
});

describe("one decision for the protocol handler and the web app", () => {
  type Seen = { decided: string; protocolOrigin: string; webOrigin: string; headerSeen: string | undefined };
  let server: http.Server;
  let port: number;
  let trustedProxies = 0;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const decided = decideClientAddress(request, trustedProxies);
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers.set(name, value);
      const seen: Seen = {
        decided,
        protocolOrigin: originOf(request).ipAddress,
        webOrigin: originFromHeaders(headers).ipAddress,
        headerSeen: headers.get(clientAddressHeader) ?? undefined,
      };
      response.end(JSON.stringify(seen));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function send(headers: Record<string, string | string[]>): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const request = http.request({ host: "127.0.0.1", port, path: "/", headers, agent: false }, (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () => resolve(JSON.parse(body) as Seen));
      });
      request.on("error", reject);
      request.end();
    });
  }

  it("without trusted proxies, uses the connection whatever the client claims, in either header", async () => {
    trustedProxies = 0;
    const seen = await send({ "X-Forwarded-For": "198.51.100.7", [clientAddressHeader]: "198.51.100.8", "X-Real-IP": "198.51.100.9" });
    expect(seen).toEqual({ decided: "127.0.0.1", protocolOrigin: "127.0.0.1", webOrigin: "127.0.0.1", headerSeen: "127.0.0.1" });
  });

  it("with one trusted proxy, takes the last of several X-Forwarded-For headers sent on the wire", async () => {
    trustedProxies = 1;
    const seen = await send({ "X-Forwarded-For": ["198.51.100.7", "203.0.113.9"], [clientAddressHeader]: "198.51.100.8" });
    expect(seen).toEqual({ decided: "203.0.113.9", protocolOrigin: "203.0.113.9", webOrigin: "203.0.113.9", headerSeen: "203.0.113.9" });
  });

  it("with two trusted proxies, the second hop from the right", async () => {
    trustedProxies = 2;
    const seen = await send({ "X-Forwarded-For": "198.51.100.7, 2001:db8::9, 10.0.0.1" });
    expect(seen.decided).toBe("2001:db8::9");
    expect(seen.webOrigin).toBe("2001:db8::9");
  });
});
