import "server-only";
import { headers } from "next/headers";
import { env, publicUrl } from "@/env";
import { getDb } from "./db";
import { readGeneralSettings } from "./services/general-settings";

/**
 * The address people reach this site at, for the commands pages print: the site URL (PUBLIC_URL) when it is set,
 * otherwise the address of the request, as the browser asked for it (behind TRUST_PROXY, the forwarded host and
 * protocol), so a fresh install prints commands that work from the reader's machine rather than `localhost`.
 */
export function siteAddressFrom(requestHeaders: Headers, settings: { publicUrl: string | undefined; trustProxy: boolean }): string {
  if (settings.publicUrl) return settings.publicUrl.replace(/\/+$/, "");
  const first = (name: string) => requestHeaders.get(name)?.split(",")[0]?.trim() || null;
  const host = (settings.trustProxy ? first("x-forwarded-host") : null) ?? first("host");
  const forwardedProto = settings.trustProxy ? first("x-forwarded-proto")?.toLowerCase() : null;
  const protocol = forwardedProto === "https" || forwardedProto === "http" ? forwardedProto : "http";
  // A Host header is the client's to write: only a plain host name or address with an optional port is used.
  if (!host || !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host)) return publicUrl();
  return `${protocol}://${host.toLowerCase()}`;
}

/**
 * Reads the request only when no site URL is set (PUBLIC_URL, else the one stored in Admin → General), so pages
 * stay cacheable where it is.
 */
export async function siteAddress(): Promise<string> {
  if (env.PUBLIC_URL) return publicUrl();
  const stored = (await readGeneralSettings(getDb())).siteUrl;
  if (stored) return stored;
  return siteAddressFrom(await headers(), { publicUrl: undefined, trustProxy: env.TRUST_PROXY > 0 });
}
