import type { IncomingMessage, ServerResponse } from "node:http";
import { labelSchema } from "@/shared/schemas/packages";
import { canSeeOwnedResource, canSeeOwner, knownAudience, type Actor, type PackageAudience, type Permission } from "../authz";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { Channel, ChannelScope, DownloadableFile } from "../services/channels";
import type { DownloadCounter } from "../services/downloads";
import type { StaticUrlSetting } from "../services/general-settings";
import type { BlobStore } from "../storage";
import type { ChannelDirectory, ChannelReach } from "./channel-directory";
import type { CredentialResolver, SessionCookiePolicy } from "./credentials";
import type { IndexCache, IndexDocument } from "./index-cache";
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
  /** Admin → General's static URL: where index pages send clients for files anyone may download. */
  staticUrl: StaticUrlSetting;
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
  /**
   * Checked with assertCan before the handler runs; a test walks the table and fails on a route without one. A
   * function of the path's parameters where they decide it (the upload API: the kind of file its name announces).
   */
  permission: Permission | ((params: Params) => Permission);
  sessionCookie: SessionCookiePolicy;
  /** The upload API answers JSON `{ error }`; package clients print plain text as it is. */
  errorFormat: "text" | "json";
  /** "ignored": the route serves whoever asks and does not look at credentials (the leak report). */
  credentials?: "checked" | "ignored";
  handle(context: RequestContext, params: Params): Promise<void>;
  /**
   * Index routes: the index a visitor (no credentials) would be sent, when everything it depends on is already in
   * memory (the owner's channel revision, the index built for it), found without a promise. The handler then sends
   * it at once (send-index.ts, sendReadyIndex); undefined sends the request the long way, through handle.
   */
  readyForVisitor?(services: ProtocolServices, request: IncomingMessage, params: Params): ReadyIndex | undefined;
  /**
   * Whether the visitor's index is also what every reader of the owner's channel is sent, signed in or not: a public
   * project's page, since a package is private or public as a whole and a project is one package. Otherwise a reader
   * with credentials is sent the visitor's index only when the policy knows it sees no more than a visitor does.
   */
  visitorIndexIsEveryReaders?: boolean;
}

/** A built index and how it is sent: what sendIndex is given, known before any await. */
export interface ReadyIndex {
  /** The channel's owner, for the policy's checks of a reader with credentials. */
  ownerId: string;
  document: IndexDocument;
  cacheControl: string;
  vary: string;
}

/** What the policy knows a visitor sees of any owner (knownAudience of an anonymous actor; a test checks). */
export const visitorAudience: PackageAudience = "public";

/**
 * The index a visitor would be sent, when it is in memory for the owner's current channel revision: the owner's
 * lookup (channel-directory.ts, kept only while the change listener listens), the static URL when the index
 * depends on it, and the index built for that revision. Every change to what an index shows moves the revision or
 * makes the directory forget the owner, so this is exactly what the long way would find. Parameters go into the
 * key as the path has them: one the long way would refuse or rewrite (a label) has no entry under it.
 */
export function visitorIndexInMemory<Params extends { owner: string }>(services: ProtocolServices, params: Params, index: VisitorIndex<Params>): ReadyIndex | undefined {
  const channel = services.channels.peek(params.owner);
  if (!channel) return undefined;
  let staticUrl: string | null = null;
  if (index.usesStaticUrl) {
    const remembered = services.staticUrl.peek();
    if (remembered === undefined) return undefined;
    staticUrl = remembered;
  }
  const entry = services.indexes.peek(index.key(channel.ownerId, staticUrl, params), channel.revision);
  if (entry?.kind !== "document") return undefined;
  return { ownerId: channel.ownerId, document: entry, cacheControl: visitorCacheControl, vary: index.vary };
}

/**
 * How a route names a visitor's index in the index cache, and how it is sent. Made once per route, not per request:
 * this runs on every visitor's request.
 */
export interface VisitorIndex<Params> {
  key: (ownerId: string, staticUrl: string | null, params: Params) => string;
  usesStaticUrl: boolean;
  vary: string;
}

const visitorCacheControl = indexCacheControl({ audience: visitorAudience });

/** The owner a protocol path names; unknown and deactivated owners, and any outside a token's channel, are 404. */
export async function requireChannel(context: RequestContext, ownerName: string): Promise<Channel> {
  const channel = await context.services.channels.find(ownerName);
  if (!channel || !canSeeOwner(context.actor, channel.ownerId)) throw new AppError("NOT_FOUND", `There is no user or channel named ${ownerName}.`);
  return channel;
}

/** What the actor reaches in this channel beyond what the policy knows without asking. */
function reachIn(context: RequestContext, channel: Channel): Promise<ChannelReach> | undefined {
  const { actor } = context;
  if (actor.kind !== "user" || knownAudience(actor, channel.ownerId) !== null) return undefined;
  return context.services.channels.reach(channel, actor);
}

export type ScopedIndex = ChannelScope & { audience: PackageAudience };

/**
 * The owner's indexes as this actor sees them (channels.ts), and the audience that names that view in caches.
 * Without a promise when the policy knows the audience outright (visitors, the owner): the common package request.
 */
export function channelScope(context: RequestContext, channel: Channel, label: string): ScopedIndex | Promise<ScopedIndex> {
  const known = knownAudience(context.actor, channel.ownerId);
  if (known) return { actor: context.actor, ownerId: channel.ownerId, label, audience: known };
  return reachIn(context, channel)!.then((reach) => ({ actor: context.actor, ownerId: channel.ownerId, label, audience: reach.audience }));
}

/** An index showing private packages stays out of shared caches; either way clients revalidate (a cheap 304). */
export function indexCacheControl(scope: { audience: PackageAudience }): string {
  return scope.audience === "public" ? "public, no-cache" : "private, no-cache";
}

/**
 * Whether the actor may download the file: the policy's one-resource check, with the channel's grants when the
 * file is private and the actor reaches it (if at all) through organizations, groups or collaborations.
 */
export function mayDownload(context: RequestContext, channel: Channel, file: DownloadableFile): boolean | Promise<boolean> {
  const reach = file.isPrivate ? reachIn(context, channel) : undefined;
  if (!reach) return canSeeOwnedResource(context.actor, file);
  return reach.then(({ grants }) => canSeeOwnedResource(context.actor, file, grants));
}

/** The file, when it exists and the actor may download it; otherwise the same answer as for a missing one. */
export async function requireDownloadable(context: RequestContext, channel: Channel, file: DownloadableFile | null, what: string, accepts: (file: DownloadableFile) => boolean = () => true): Promise<DownloadableFile> {
  if (!file || !accepts(file)) throw notInIndex(channel, what);
  const allowed = mayDownload(context, channel, file);
  if (!(allowed instanceof Promise ? await allowed : allowed)) throw notInIndex(channel, what);
  return file;
}

/**
 * What the actor may not see answers exactly as what does not exist, with the same status and the same words, to
 * anonymous clients and signed-in ones alike: nobody learns that a private package exists. (A 401 for private
 * things would tell; and pip, given a 401 for a project that is simply missing from an extra index, would stop to
 * ask for a password.) Clients reach private things by sending credentials with every request: a token in the
 * URL, Basic credentials in the index URL or netrc, or a header.
 */
export function notInIndex(channel: Channel, what: string): AppError {
  return new AppError("NOT_FOUND", `There is no ${what} in ${channel.username}'s index.`);
}

export function requireLabel(label: string): string {
  const parsed = labelSchema.safeParse(label);
  if (!parsed.success) throw new AppError("NOT_FOUND", `There is no label ${label}: ${parsed.error.issues[0]?.message ?? "not a label name."}`);
  return parsed.data;
}
