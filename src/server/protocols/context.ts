import type { IncomingMessage, ServerResponse } from "node:http";
import { labelSchema } from "@/shared/schemas/packages";
import { canSeeOwnedResource, canSeeOwner, type Actor, type Permission } from "../authz";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { Channel } from "../services/channels";
import type { DownloadCounter } from "../services/downloads";
import type { BlobStore } from "../storage";
import type { ChannelDirectory } from "./channel-directory";
import type { CredentialResolver, SessionCookiePolicy } from "./credentials";
import type { IndexCache } from "./index-cache";
import type { PathToken } from "./path-token";

/** What every route handler shares for the life of the process. */
export interface ProtocolServices {
  db: Db;
  store: BlobStore;
  indexes: IndexCache;
  channels: ChannelDirectory;
  credentials: CredentialResolver;
  downloads: DownloadCounter;
  maxUploadBytes: number;
  now: () => Date;
}

export interface RequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  /** The query string's parameters. */
  query: URLSearchParams;
  actor: Actor;
  services: ProtocolServices;
  /** The token the client put in the path, which redirects must keep. */
  pathToken?: PathToken;
}

export type HttpMethod = "GET" | "HEAD" | "POST";

export interface RouteDefinition<Params> {
  /** GET routes answer HEAD too. */
  methods: readonly HttpMethod[];
  /** Checked with assertCan before the handler runs; a test walks the table and fails on a route without one. */
  permission: Permission;
  sessionCookie: SessionCookiePolicy;
  /** The upload API answers JSON `{ error }`; package clients print plain text as it is. */
  errorFormat: "text" | "json";
  /** "ignored": the route serves whoever asks and does not look at credentials (the leak report). */
  credentials?: "checked" | "ignored";
  handle(context: RequestContext, params: Params): Promise<void>;
}

/** The owner a protocol path names; unknown and deactivated owners, and any outside a token's channel, are 404. */
export async function requireChannel(context: RequestContext, ownerName: string): Promise<Channel> {
  const channel = await context.services.channels.find(ownerName);
  if (!channel || !canSeeOwner(context.actor, channel.ownerId)) throw new AppError("NOT_FOUND", `There is no user or channel named ${ownerName}.`);
  return channel;
}

/** Whether the actor sees the owner's private packages: the cache keeps one copy of each index per answer. */
export function seesPrivate(actor: Actor, channel: Channel): boolean {
  return canSeeOwnedResource(actor, { ownerId: channel.ownerId, isPrivate: true });
}

export function visibilityKey(actor: Actor, channel: Channel): "all" | "public" {
  return seesPrivate(actor, channel) ? "all" : "public";
}

/**
 * For something private the actor may not see: an anonymous package client is challenged (401, so pip retries
 * with credentials); a signed-in account learns nothing (404).
 */
export function hiddenFrom(actor: Actor, what: string): AppError {
  if (actor.kind === "anonymous") return new AppError("UNAUTHORIZED", `Authentication is required for ${what}: send your credentials.`);
  return new AppError("NOT_FOUND", `There is no ${what}.`);
}

export function requireLabel(label: string): string {
  const parsed = labelSchema.safeParse(label);
  if (!parsed.success) throw new AppError("NOT_FOUND", `There is no label ${label}: ${parsed.error.issues[0]?.message ?? "not a label name."}`);
  return parsed.data;
}
