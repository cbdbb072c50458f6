/**
 * A process's one connection that listens for the database's change notifications, on behalf of whatever the
 * process remembers that a change could make wrong: verified access tokens (token-cache.ts) and owners' channel
 * revisions (protocols/channel-directory.ts).
 *
 * PostgreSQL triggers send them within the committing transaction, so they arrive, in commit order, within
 * milliseconds of the commit on every app server:
 * - `granary_credential_changes` (migration 0003), with the user's id, when a token is revoked, changes or is
 *   deleted, and when an account is deactivated, deleted or changes what its actor carries (name, e-mail, site
 *   administration);
 * - `granary_channel_changes` (migration 0008), with the owner's id, when an owner's channel revision moves;
 * - `granary_settings_changes`, with the setting's key, when the site-settings service changes one (site-mode.ts);
 * - `granary_platform_restart`, with the restart's id, when an administrator restarts the platform: every server
 *   forgets everything it remembers and reloads (platform-restart.ts).
 *
 * Nothing may be remembered while this connection is down: subscribers are told to forget everything whenever it
 * drops or comes back (what changed meanwhile is unknown), and `active` says whether it is up.
 */
import postgres from "postgres";

export const credentialChangesChannel = "granary_credential_changes";
export const channelChangesChannel = "granary_channel_changes";
export const settingsChangesChannel = "granary_settings_changes";
export const platformRestartChannel = "granary_platform_restart";
const listenedChannels = [credentialChangesChannel, channelChangesChannel, settingsChangesChannel, platformRestartChannel];
/** The payload of settle()'s own notifications; ids (UUIDs) never start with it. */
const settleMarker = "settle:";

export interface ChangeSubscriber {
  /** A change was committed: `payload` is the id the notification carries. */
  changed(channel: string, payload: string): void;
  /** Changes may have gone unheard (the connection dropped or came back, a settle timed out): forget everything. */
  reset(): void;
}

export class ChangeListener {
  private readonly subscribers = new Set<ChangeSubscriber>();
  private client: postgres.Sql | null = null;
  private listening = false;
  private closed = false;
  private started: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Said once per outage, not at every retry. */
  private reportedDown = false;
  private settleCount = 0;
  private readonly settling = new Map<string, () => void>();
  private readonly log: (message: string) => void;

  constructor(
    private readonly databaseUrl: string,
    options: { log?: (message: string) => void } = {},
  ) {
    this.log = options.log ?? ((message) => console.warn(`[granary] ${message}`));
  }

  /** Adds a subscriber; returns the function that removes it. */
  subscribe(subscriber: ChangeSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Starts listening (once, however often it is called); resolves once notifications are flowing, or rejects. */
  start(): Promise<void> {
    this.started ??= this.connect();
    return this.started;
  }

  /** Whether notifications are being heard: only then may anything be remembered. */
  get active(): boolean {
    return this.listening;
  }

  private async connect(): Promise<void> {
    // A connection of its own, not postgres.js's listen(): that one re-listens once after a drop and gives up
    // silently if that fails, and never says it was down. `onnotify` is the option postgres.js's own listen()
    // uses; its typings leave it out, hence the object in a variable.
    const options = {
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      onnotice: () => {},
      onnotify: (channel: string, payload: string) => {
        if (payload.startsWith(settleMarker)) this.settled(payload);
        else for (const subscriber of this.subscribers) subscriber.changed(channel, payload);
      },
      onclose: () => this.connectionLost(client),
    };
    const client = postgres(this.databaseUrl, options);
    this.client = client;
    try {
      await client.unsafe(listenedChannels.map((channel) => `listen "${channel}"`).join("; "));
    } catch (error) {
      this.connectionLost(client);
      throw error;
    }
    if (this.client !== client || this.closed) return;
    // Whatever changed while nobody listened is unknown: start afresh.
    this.resetAll();
    this.listening = true;
    if (this.reportedDown) this.log("Listening for token revocations and channel changes again.");
    this.reportedDown = false;
  }

  private connectionLost(client: postgres.Sql): void {
    if (this.client !== client) return;
    this.listening = false;
    this.resetAll();
    this.client = null;
    void client.end({ timeout: 1 }).catch(() => {});
    if (this.closed || this.reconnectTimer) return;
    if (!this.reportedDown) {
      this.log("Not listening for token revocations and channel changes (no connection); tokens and channels are read from the database until it is back.");
    }
    this.reportedDown = true;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch(() => {});
    }, 1_000);
    this.reconnectTimer.unref();
  }

  /** Every subscriber forgets what it remembers (a platform restart), and reads it afresh on its next use. */
  forgetAll(): void {
    this.resetAll();
  }

  private resetAll(): void {
    for (const subscriber of this.subscribers) subscriber.reset();
  }

  /**
   * Resolves once every change committed before the call has been heard of. Notifications arrive in commit order,
   * so hearing one's own, sent after them, is proof. For code (and tests) that change rows directly rather than
   * through the services, which make this process forget what they change themselves. If it is not heard within
   * the timeout, the subscribers forget everything instead.
   */
  async settle(timeoutMilliseconds = 5_000): Promise<void> {
    const client = this.client;
    if (!client || !this.listening) return;
    const marker = `${settleMarker}${++this.settleCount}`;
    const heard = new Promise<void>((resolve) => this.settling.set(marker, resolve));
    const timer = setTimeout(() => {
      this.resetAll();
      this.settled(marker);
    }, timeoutMilliseconds);
    try {
      await client`select pg_notify(${credentialChangesChannel}, ${marker})`;
      await heard;
    } catch {
      this.resetAll();
      this.settled(marker);
    } finally {
      clearTimeout(timer);
    }
  }

  private settled(marker: string): void {
    this.settling.get(marker)?.();
    this.settling.delete(marker);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    for (const marker of [...this.settling.keys()]) this.settled(marker);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.resetAll();
    const client = this.client;
    this.client = null;
    await client?.end({ timeout: 2 });
  }
}
