/**
 * Where a request comes from: the one decision that the audit trail and every per-address limit (sign-in
 * throttling, recovery mail, sign-up) rely on. The launcher makes it once per request, before anything reads it,
 * and hands it to the web app in a header only it writes; the protocol handler reads the same decision.
 *
 * Without TRUST_PROXY the connection's own address is the client's. With TRUST_PROXY=N (N reverse proxies in
 * front of Granary), each proxy appends the address it received the connection from to X-Forwarded-For, so the
 * client's address is the N-th entry counted from the right. Everything to the left of it was written by the
 * client and proves nothing: taking the first entry, as many servers do, lets anyone claim any address.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import ipaddr from "ipaddr.js";
import { env } from "@/env";

/** Carries the launcher's decision to the web app; the launcher overwrites whatever a client sent in it. */
export const clientAddressHeader = "x-granary-client-address";

export const unknownAddress = "unknown";

/**
 * An address in one canonical text form, or null for anything that is not one: IPv4 in dotted decimal only
 * (not `127.1` or hexadecimal forms), IPv6 compressed and lower-cased (RFC 5952), an IPv4-mapped IPv6 address
 * as its IPv4 address (a dual-stack socket reports IPv4 clients that way). Proxies that add a port (`1.2.3.4:80`,
 * `[2001:db8::1]:80`) are understood.
 */
export function canonicalAddress(text: string): string | null {
  let candidate = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(candidate);
  if (bracketed) candidate = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(candidate)) candidate = candidate.slice(0, candidate.indexOf(":"));
  if (ipaddr.IPv4.isValidFourPartDecimal(candidate)) return ipaddr.IPv4.parse(candidate).toString();
  if (!ipaddr.IPv6.isValid(candidate)) return null;
  const parsed = ipaddr.IPv6.parse(candidate);
  return parsed.isIPv4MappedAddress() ? parsed.toIPv4Address().toString() : parsed.toRFC5952String();
}

/**
 * The client's address given the X-Forwarded-For header(s) as received, the connection's address and how many
 * reverse proxies are trusted. Walking from the connection towards the client, each trusted proxy vouches for
 * the next address to its left. The walk stops early at an entry that is not an address (what the last sound hop
 * reported is kept) and at the header's start (a request that came through fewer proxies than configured).
 */
export function clientAddress(forwardedFor: string | readonly string[] | undefined, connectionAddress: string | undefined, trustedProxies: number): string {
  let address = (connectionAddress && canonicalAddress(connectionAddress)) || unknownAddress;
  if (trustedProxies <= 0 || forwardedFor === undefined) return address;
  const entries = (typeof forwardedFor === "string" ? [forwardedFor] : forwardedFor)
    .flatMap((header) => header.split(","))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (let hop = 1; hop <= trustedProxies && hop <= entries.length; hop += 1) {
    const reported = canonicalAddress(entries[entries.length - hop]!);
    if (!reported) break;
    address = reported;
  }
  return address;
}

const decided = new WeakMap<IncomingMessage, string>();

/** Without trusted proxies the address is the connection's: worked out once per connection, not per request. */
const connectionAddresses = new WeakMap<Socket, string>();

function connectionAddressOf(socket: Socket): string {
  let address = connectionAddresses.get(socket);
  if (address === undefined) {
    address = clientAddress(undefined, socket.remoteAddress, 0);
    // A socket not yet connected (or already closed) has no address to remember.
    if (socket.remoteAddress !== undefined) connectionAddresses.set(socket, address);
  }
  return address;
}

/**
 * Decides a request's client address and records it for everything that runs after: the launcher calls this
 * first thing (and so does the protocol handler's own test server), overwriting any client-sent copy of the header.
 */
export function decideClientAddress(request: IncomingMessage, trustedProxies: number = env.TRUST_PROXY): string {
  const address = trustedProxies <= 0 ? connectionAddressOf(request.socket) : clientAddress(request.headers["x-forwarded-for"], request.socket.remoteAddress, trustedProxies);
  decided.set(request, address);
  request.headers[clientAddressHeader] = address;
  return address;
}

/** The request's client address, as decided when it arrived (or now, under the configured TRUST_PROXY). */
export function clientAddressOf(request: IncomingMessage): string {
  return decided.get(request) ?? decideClientAddress(request);
}

/**
 * The web app's view of the decision: only the launcher's header counts, never X-Forwarded-For, which the web
 * app cannot judge without the connection. A request that did not come through the launcher has no known address.
 */
export function clientAddressFromHeaders(headers: Headers): string {
  const address = headers.get(clientAddressHeader);
  return (address && canonicalAddress(address)) || unknownAddress;
}

/**
 * The unit per-address limits count by. One IPv4 address is one client (or one NAT); an IPv6 client is usually
 * given a whole /64 and can pick any address in it, so limiting single IPv6 addresses would limit nothing.
 */
export function throttlingAddress(address: string): string {
  if (!ipaddr.IPv6.isValid(address)) return address;
  const parts = ipaddr.IPv6.parse(address).parts;
  return `${new ipaddr.IPv6([...parts.slice(0, 4), 0, 0, 0, 0]).toRFC5952String()}/64`;
}
