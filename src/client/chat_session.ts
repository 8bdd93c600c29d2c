/**
 * A chat session: one account in the room of one server, over one UDP
 * endpoint, surviving lost links and server restarts.
 *
 * Theory of operation:
 * - `ChatSession.open` connects, checks the server's key (`verifyServer`)
 *   and exchanges Hello / Welcome. Then `authenticate` (Register or Login)
 *   and `join` (the room password) may each be called again after a
 *   refusal; if the server closed the link meanwhile, a new one is opened.
 * - Once joined, `say`, `emote` and `privateMessage` put the message in the
 *   {@link Outbox} with a fresh random 16-byte id and send it; it stays
 *   there until the server's Delivered. `events()` yields what happens.
 * - When the link dies without our asking, or the server says it is
 *   stopping, the session reconnects with exponential backoff, logs in
 *   again with the same credentials (Login, also after a Register), joins
 *   with the same room password and sends the outbox again with the same
 *   ids. {@link ShownMessages} hides what was already shown. It gives up
 *   after the policy's limit (`ConnectionLost`), and never reconnects after
 *   `SessionEnded` replacedByNewLogin or kicked, nor after a refusal that
 *   asking again cannot fix (wrong password, key changed).
 * - `drain()` waits until the outbox is empty; `leave()` sends Leave,
 *   flushes and closes. The last event is always `ended`.
 * - Files: `listFiles()` asks on the chat link (the answer is a `files`
 *   event; offers arrive as `fileOffered`). Transfers never use the chat
 *   link: `fileLinkConnector()` opens a separate file link (its own
 *   endpoint, JoinFiles) with the session's server, trust, transport
 *   settings, login and room password, so chat keeps flowing during a long
 *   transfer and the account's chat session is not taken over.
 * @example
 * ```ts ignore
 * const session = await ChatSession.open({ server, trust });
 * await session.authenticate({ name: "ada", password, register: false });
 * await session.join(roomPassword);
 * await session.say("hi");
 * await session.drain();
 * await session.leave();
 * ```
 *
 * @module
 */

import { ConnectionLost, MochiError, UsageError } from "../errors.ts";
import { encodeFrame, MESSAGE_ID_BYTES, messageId, type Welcome } from "../protocol/mod.ts";
import { UdpEndpoint } from "../transport/udp.ts";
import { EventQueue } from "./_event_queue.ts";
import { OutboxSender } from "./_outbox_sender.ts";
import { reconnect } from "./_reconnect.ts";
import type { ChatEvent } from "./chat_events.ts";
import { type FileLink, openFileLink } from "./file_link.ts";
import type { OutboxEntry, OutgoingFrame } from "./outbox.ts";
import { DEFAULT_RECONNECT_POLICY } from "./reconnect_policy.ts";
import { RoomInbox } from "./room_inbox.ts";
import { SessionEndedByServer } from "./session_errors.ts";
import { type ChatSessionOptions, linkOptions } from "./session_options.ts";
import { type Credentials, SessionLink } from "./session_link.ts";

export type { ChatEvent } from "./chat_events.ts";
export type { Credentials } from "./session_link.ts";
export type { ChatSessionOptions } from "./session_options.ts";

type State = "setup" | "joined" | "reconnecting" | "ended";

/** A session in the room; see the module's theory of operation. */
export class ChatSession {
  readonly #options: ChatSessionOptions;
  readonly #endpoint: UdpEndpoint;
  readonly #inbox = new RoomInbox();
  readonly #outbox = this.#inbox.outbox;
  readonly #sender = new OutboxSender(this.#outbox);
  readonly #events = new EventQueue<ChatEvent>();
  #link: SessionLink | null;
  readonly #welcome: Welcome;
  #state: State = "setup";
  #credentials: Credentials | undefined;
  #roomPassword: string | undefined;
  #you = "";
  #endError: Error | undefined;
  #wakeSleep: (() => void) | undefined;

  private constructor(options: ChatSessionOptions, endpoint: UdpEndpoint, link: SessionLink) {
    this.#options = options;
    this.#endpoint = endpoint;
    this.#link = link;
    this.#welcome = link.welcome;
  }

  /** Connects, checks the server's key, and greets it; throws like `SessionLink.open`. */
  static async open(options: ChatSessionOptions): Promise<ChatSession> {
    const endpoint = UdpEndpoint.bind({
      hostname: options.server.hostname.includes(":") ? "::" : "0.0.0.0",
      port: 0,
      config: options.config,
    });
    try {
      const link = await SessionLink.open(endpoint, linkOptions(options));
      return new ChatSession(options, endpoint, link);
    } catch (error) {
      await endpoint.close();
      throw error;
    }
  }

  /** The server's Welcome: whether it accepts new accounts, its display name. */
  get welcome(): Welcome {
    return this.#welcome;
  }

  /** Our name as the server normalised it (empty until joined). */
  get you(): string {
    return this.#you;
  }

  /** Messages sent and not yet acknowledged by the server. */
  get pendingCount(): number {
    return this.#outbox.size;
  }

  /** Register or Login; may be called again after a refusal (a `JoinRefused` subclass). */
  async authenticate(credentials: Credentials): Promise<void> {
    if (this.#state !== "setup") throw new UsageError(`Cannot log in: ${this.#state}`);
    const link = await this.#setupLink(false);
    await link.authenticate(credentials);
    // Reconnects log in to the account that now exists.
    this.#credentials = { ...credentials, register: false };
  }

  /** JoinRoom; may be called again after a refusal. Returns our name as the server has it. */
  async join(roomPassword: string): Promise<string> {
    if (this.#state !== "setup" || this.#credentials === undefined) {
      throw new UsageError(`Cannot join: ${this.#credentials ? this.#state : "log in first"}`);
    }
    const link = await this.#setupLink(true);
    const result = await link.join(roomPassword);
    this.#roomPassword = roomPassword;
    this.#adopt(link, result.you, result.lastSequence);
    return result.you;
  }

  /** The session's events, ending with `ended`; one reader only. */
  events(): AsyncIterable<ChatEvent> {
    return this.#events;
  }

  /** Sends a message to the room; resolves once queued (waits while 1,024 are unacknowledged). */
  say(text: string): Promise<OutboxEntry> {
    return this.#queue({ type: "say", messageId: this.#newId(), text });
  }

  /** Sends an action (`/me waves`, without the `/me`). */
  emote(text: string): Promise<OutboxEntry> {
    return this.#queue({ type: "emote", messageId: this.#newId(), text });
  }

  /** Sends a private message to the member `to`. */
  privateMessage(to: string, text: string): Promise<OutboxEntry> {
    return this.#queue({ type: "privateMessage", messageId: this.#newId(), to, text });
  }

  /** Asks who is in the room; the answer comes as a `members` event. */
  async who(): Promise<void> {
    if (this.#state !== "joined" || this.#link === null) {
      throw new ConnectionLost("Cannot ask who is here: not connected (reconnecting)");
    }
    await this.#link.send({ type: "whoRequest" });
  }

  /** Asks which files the server holds for us; the answer comes as a `files` event. */
  async listFiles(): Promise<void> {
    if (this.#state !== "joined" || this.#link === null) {
      throw new ConnectionLost("Cannot list the files: not connected (reconnecting)");
    }
    await this.#link.send({ type: "fileListRequest" });
  }

  /**
   * A function that opens a new file link each time it is called (a transfer
   * calls it again after a lost link), logged in as this session's account
   * (never registering) with its room password. Throws `UsageError` before
   * the session has joined. The links live apart from the session: closing
   * the session does not end a transfer.
   */
  fileLinkConnector(): () => Promise<FileLink> {
    const credentials = this.#credentials;
    const roomPassword = this.#roomPassword;
    if (credentials === undefined || roomPassword === undefined) {
      throw new UsageError("Cannot move files: join the room first");
    }
    const options = this.#options;
    return () =>
      openFileLink({
        server: options.server,
        trust: options.trust,
        config: options.config,
        credentials: { ...credentials, register: false },
        roomPassword,
        answerTimeoutMs: options.answerTimeoutMs,
      });
  }

  /** Resolves once every message sent is acknowledged; rejects if the session ends first. */
  async drain(): Promise<void> {
    while (this.#outbox.size > 0) {
      if (this.#state === "ended") {
        throw this.#endError ??
          new MochiError(`Cannot deliver ${this.#outbox.size} message(s): the session ended`);
      }
      await this.#sender.nextChange();
    }
  }

  /** Sends Leave, flushes and closes; the last event is `ended` without an error. */
  async leave(): Promise<void> {
    if (this.#state === "ended") return;
    const link = this.#state === "joined" ? this.#link : null;
    this.#state = "ended";
    if (link !== null && !link.isClosed) {
      await link.send({ type: "leave" }).then(() => link.close("leaving"), () => {});
    }
    await this.#end(undefined, true);
  }

  /** Ends the session at once, without Leave (the server sees the connection go). */
  async close(): Promise<void> {
    if (this.#state !== "ended") await this.#end(undefined);
  }

  async #setupLink(relogin: boolean): Promise<SessionLink> {
    if (this.#link !== null && !this.#link.isClosed) return this.#link;
    this.#link = null;
    const link = await SessionLink.open(this.#endpoint, linkOptions(this.#options));
    if (relogin && this.#credentials !== undefined) await link.authenticate(this.#credentials);
    this.#link = link;
    return link;
  }

  #adopt(link: SessionLink, you: string, lastSequence: number): void {
    this.#link = link;
    this.#you = you;
    this.#inbox.handleJoined(lastSequence);
    this.#state = "joined";
    void this.#pump(link);
    this.#sender.setLink(link);
  }

  async #queue(frame: OutgoingFrame): Promise<OutboxEntry> {
    encodeFrame(frame); // a FrameEncodingError (a text too long...) is the caller's, now
    for (;;) {
      if (this.#state === "ended") throw this.#endError ?? new UsageError("Cannot send: left");
      if (this.#state === "setup") throw new UsageError("Cannot send: join the room first");
      if (!this.#outbox.isFull) break;
      await this.#sender.nextChange();
    }
    const entry = this.#outbox.add(frame);
    this.#sender.transmit();
    return entry;
  }

  /** Reads the joined link's frames until it ends, then reconnects unless the session is over. */
  async #pump(link: SessionLink): Promise<void> {
    let reason: string | undefined;
    try {
      for (let frame = await link.next(); frame !== null; frame = await link.next()) {
        if (this.#link !== link || this.#state !== "joined") return;
        if (frame.type === "sessionEnded") {
          if (frame.reason !== "serverStopping") {
            return await this.#end(new SessionEndedByServer(frame.reason, frame.message));
          }
          reason = "the server is stopping";
          void link.abort();
          break;
        }
        const event = this.#inbox.handleFrame(frame, performance.now(), Date.now());
        if (event !== null) this.#events.push(event);
        if (frame.type === "delivered" || frame.type === "error") this.#sender.changed();
      }
    } catch (error) {
      if (this.#state === "joined") await this.#end(asError(error)); // a malformed frame
      return;
    }
    reason ??= (await link.closed).reason || "the connection closed";
    if (this.#link === link && this.#state === "joined") await this.#reconnect(reason);
  }

  async #reconnect(reason: string): Promise<void> {
    this.#state = "reconnecting";
    this.#link = null;
    this.#sender.setLink(null);
    const outcome = await reconnect({
      endpoint: this.#endpoint,
      link: linkOptions(this.#options),
      credentials: this.#credentials!,
      roomPassword: this.#roomPassword!,
      policy: this.#options.reconnect ?? DEFAULT_RECONNECT_POLICY,
      random: this.#options.random ?? Math.random,
      sleep: (ms) => this.#sleep(ms),
      wanted: () => this.#state === "reconnecting",
      report: (event) => this.#events.push(event),
    }, reason);
    if (outcome.kind === "failed") return await this.#end(outcome.error);
    if (outcome.kind === "cancelled") return;
    const { link, result } = outcome;
    this.#adopt(link, result.you, result.lastSequence);
    this.#events.push({ type: "reconnected", you: result.you, resent: this.#outbox.size });
  }

  /** Ends the session (`error` undefined: we chose to); the last event is `ended`. */
  async #end(error: Error | undefined, leaving = false): Promise<void> {
    if (this.#state === "ended" && !leaving) return;
    this.#state = "ended";
    this.#endError = error;
    this.#sender.setLink(null);
    this.#wakeSleep?.();
    this.#sender.changed(); // wakes drain() and senders waiting for room, to see the end
    await this.#endpoint.close();
    this.#events.push(error === undefined ? { type: "ended" } : { type: "ended", error });
    this.#events.close();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wakeSleep = () => (clearTimeout(timer), resolve());
    });
  }

  #newId() {
    return messageId((this.#options.randomBytes ?? secureRandomBytes)(MESSAGE_ID_BYTES));
  }
}

function secureRandomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
