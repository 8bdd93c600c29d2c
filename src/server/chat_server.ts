/**
 * The chat server: one session per connection, walking the protocol's
 * conversation (docs/protocol.md) — Hello, then Register or Login, then
 * JoinRoom, then messages — and handing members to the room.
 *
 * Rules:
 * - Frames are handled one at a time per connection, so a session waiting
 *   for a password hash never reorders its own frames; other sessions go on
 *   (hashing runs off the event loop, at most a few at once: HashPool).
 * - A malformed frame is answered with `ErrorFrame malformed` and the
 *   connection is closed; a frame out of turn gets `unexpectedFrame`.
 * - Failed logins and room-password attempts are limited per account and
 *   per source address, with growing delays.
 * - Frames to a member go through one ordered queue per session; a member
 *   who falls more than MAX_QUEUED_FRAMES behind is disconnected rather than
 *   allowed to hold the server's memory.
 *
 * @module
 */

import {
  type ClientFrame,
  decodeClientFrame,
  encodeFrame,
  FrameError,
  PROTOCOL_VERSION,
  type ServerFrame,
} from "../protocol/mod.ts";
import type { UdpConnection, UdpEndpoint } from "../transport/udp.ts";
import { NameTaken, register, verifyLogin, WrongCredentials } from "./accounts.ts";
import { ChatRoom, type Member, type MemberHandle, type RoomEvent } from "./chat_room.ts";
import { type FileRelay, FileSession, type FileSessionHandle } from "./file_relay.ts";
import { HashPool, HashPoolBusy } from "./hash_pool.ts";
import { InvalidName, normaliseName } from "./names.ts";
import { UnacceptablePassword } from "./password_hash.ts";
import { CredentialAttemptLimiter } from "./rate_limits.ts";
import { checkRoomPassword } from "./room_password.ts";
import type { TokenBucketConfig } from "./token_bucket.ts";

/** Frames a slow member may have waiting before it is disconnected. */
export const MAX_QUEUED_FRAMES = 1024;
/** Frames a download may have queued before it waits for the connection to take them. */
const PACED_FRAMES = 4;
/** How long a client is told to wait when the hash pool is full. */
const BUSY_RETRY_MS = 1000;

/** How the server is set up. */
export interface ChatServerOptions {
  kv: Deno.Kv;
  endpoint: UdpEndpoint;
  maxMembers: number;
  registrationOpen: boolean;
  /** Where room events go (the console). */
  report: (event: RoomEvent) => void;
  /** Each member's message rate (default: 10 per 5 s, bursts of 10). */
  messageRate?: TokenBucketConfig;
  /** PBKDF2 iterations for new accounts (600,000 unless a test says otherwise). */
  hashIterations?: number;
  /** The wall clock, in ms since the epoch. */
  now?: () => number;
  /** Where files go; without it, file frames are refused. */
  files?: FileRelay;
}

/** `files`: joined with JoinFiles, a session for file transfers that is not a member. */
type Phase = "hello" | "auth" | "join" | "joined" | "files";

interface SessionState {
  phase: Phase;
  account: string;
  displayName: string;
  member: Member | null;
  files: FileSession | null;
}

/** Serves the room on an endpoint until it closes. */
export class ChatServer {
  readonly room: ChatRoom;
  readonly #options: ChatServerOptions;
  readonly #now: () => number;
  readonly #pool = new HashPool();
  readonly #logins = new CredentialAttemptLimiter();
  readonly #roomPasswords = new CredentialAttemptLimiter();
  readonly #sessions = new Set<OrderedHandle>();

  /** A server for `options.endpoint`; call `serve`. */
  constructor(options: ChatServerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.room = new ChatRoom({
      maxMembers: options.maxMembers,
      report: options.report,
      messageRate: options.messageRate,
    });
  }

  /** Accepts connections until the endpoint closes. */
  async serve(): Promise<void> {
    const endpoint = this.#options.endpoint;
    for (
      let connection = await endpoint.accept();
      connection;
      connection = await endpoint.accept()
    ) {
      this.#session(connection).catch(() => connection.close("internal error"));
    }
  }

  /**
   * Tells every member the server is stopping and ends every session, each
   * after the frames already queued for it; resolves when all have closed
   * or after `graceMs`.
   */
  async stop(graceMs = 3000): Promise<void> {
    this.room.stop();
    for (const session of this.#sessions) session.close("server stopping");
    const closed = Promise.all([...this.#sessions].map((session) => session.closed));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closed, new Promise((resolve) => timer = setTimeout(resolve, graceMs))]);
    clearTimeout(timer);
  }

  async #session(connection: UdpConnection): Promise<void> {
    const handle = new OrderedHandle(connection);
    this.#sessions.add(handle);
    connection.closed.then(() => this.#sessions.delete(handle));
    const session: SessionState = {
      phase: "hello",
      account: "",
      displayName: "",
      member: null,
      files: null,
    };
    try {
      for (let bytes = await connection.receive(); bytes; bytes = await connection.receive()) {
        let frame: ClientFrame;
        try {
          frame = decodeClientFrame(bytes);
        } catch (error) {
          if (!(error instanceof FrameError)) throw error;
          handle.send(errorFrame("malformed", error.message));
          handle.close("malformed frame");
          return;
        }
        await this.#handle(session, frame, handle);
      }
    } finally {
      if (session.member !== null) this.room.leave(session.member, this.#now());
      await session.files?.close();
    }
  }

  async #handle(
    session: SessionState,
    frame: ClientFrame,
    handle: OrderedHandle,
  ): Promise<void> {
    const now = this.#now();
    if (session.phase === "hello" && frame.type === "hello") {
      handle.send({
        type: "welcome",
        protocolVersion: PROTOCOL_VERSION,
        registrationOpen: this.#options.registrationOpen,
      });
      if (frame.protocolVersion !== PROTOCOL_VERSION) {
        handle.send(
          errorFrame("unsupportedVersion", `This server speaks version ${PROTOCOL_VERSION}`),
        );
        handle.close("unsupported version");
        return;
      }
      session.phase = "auth";
    } else if (session.phase === "auth" && (frame.type === "register" || frame.type === "login")) {
      const account = await this.#authenticate(frame, handle.address, now);
      handle.send(account.result);
      if (account.result.outcome === "ok") {
        session.account = account.name;
        session.displayName = account.displayName;
        session.phase = "join";
      }
    } else if (session.phase === "join" && frame.type === "joinRoom") {
      session.member = await this.#join(session, frame.roomPassword, handle, now);
      if (session.member !== null) {
        session.phase = "joined";
        session.files = this.#options.files?.open(session.account, session.displayName, handle) ??
          null;
      }
    } else if (session.phase === "join" && frame.type === "joinFiles") {
      if (await this.#joinFiles(session, frame.roomPassword, handle, now)) {
        session.phase = "files";
      }
    } else if (
      (session.phase === "joined" || session.phase === "files") && FileSession.handles(frame)
    ) {
      if (session.files === null) {
        handle.send(errorFrame("unexpectedFrame", "This server does not take files"));
      } else {
        await session.files.handle(frame);
      }
    } else if (session.phase === "files" && frame.type === "leave") {
      handle.close("left");
    } else if (session.phase === "joined" && session.member !== null) {
      this.#request(session.member, frame, handle, now);
    } else {
      handle.send(errorFrame("unexpectedFrame", `Cannot take ${frame.type} now`));
      // Before Hello the peer does not speak our conversation at all (docs/protocol.md).
      if (session.phase === "hello") handle.close("no Hello first");
    }
  }

  async #authenticate(
    frame: ClientFrame & { type: "register" | "login" },
    address: string,
    now: number,
  ): Promise<{ result: ServerFrame & { type: "authResult" }; name: string; displayName: string }> {
    const refuse = (outcome: AuthOutcomeName, message: string, retryAfterMs = 0) => ({
      result: { type: "authResult" as const, outcome, retryAfterMs, message },
      name: "",
      displayName: "",
    });
    const attempt = { account: safeNormalise(frame.name), address: hostOf(address) };
    const wait = this.#logins.retryAfterMs(attempt, now);
    if (wait > 0) return refuse("rateLimited", "Cannot log in yet: too many failed attempts", wait);
    if (frame.type === "register" && !this.#options.registrationOpen) {
      return refuse("registrationClosed", "Cannot register: registration is closed on this server");
    }
    const options = { pool: this.#pool, iterations: this.#options.hashIterations };
    try {
      const account = frame.type === "register"
        ? await register(this.#options.kv, frame.name, frame.password, options)
        : await verifyLogin(this.#options.kv, frame.name, frame.password, options);
      this.#logins.recordSuccess(attempt);
      const message = frame.type === "register" ? "Account created" : "Logged in";
      return {
        result: { type: "authResult", outcome: "ok", retryAfterMs: 0, message },
        name: account.name,
        displayName: account.displayName,
      };
    } catch (error) {
      if (error instanceof HashPoolBusy) return refuse("rateLimited", error.message, BUSY_RETRY_MS);
      if (error instanceof NameTaken) return refuse("nameTaken", error.message);
      if (error instanceof InvalidName) return refuse("invalidName", error.message);
      if (error instanceof UnacceptablePassword) return refuse("wrongCredentials", error.message);
      if (error instanceof WrongCredentials) {
        const delay = this.#logins.recordFailure(attempt, this.#now());
        return refuse("wrongCredentials", error.message, delay);
      }
      throw error;
    }
  }

  async #join(
    session: { account: string; displayName: string },
    roomPassword: string,
    handle: OrderedHandle,
    now: number,
  ): Promise<Member | null> {
    const result = this.#joinResult(session);
    if (!await this.#checkRoomPassword(session, roomPassword, handle, now)) return null;
    const joined = this.room.join(
      session.account as ReturnType<typeof normaliseName>,
      session.displayName,
      handle,
      this.#now(),
    );
    if (joined === "roomFull") {
      handle.send(result("roomFull", "Cannot join: the room is full"));
      return null;
    }
    handle.send(result("ok", "Joined"));
    return joined;
  }

  /** JoinFiles: the room password, then a file session that is not a member of the room. */
  async #joinFiles(
    session: SessionState,
    roomPassword: string,
    handle: OrderedHandle,
    now: number,
  ): Promise<boolean> {
    if (!await this.#checkRoomPassword(session, roomPassword, handle, now)) return false;
    const files = this.#options.files;
    if (files === undefined) {
      handle.send(errorFrame("unexpectedFrame", "This server does not take files"));
      return false;
    }
    session.files = files.open(session.account, session.displayName, handle);
    handle.send(this.#joinResult(session)("ok", "Ready for files"));
    return true;
  }

  #joinResult(session: { displayName: string }) {
    return (outcome: JoinOutcomeName, message: string, retryAfterMs = 0) => ({
      type: "joinResult" as const,
      outcome,
      retryAfterMs,
      message,
      you: session.displayName,
      lastSequence: this.room.lastSequence,
    });
  }

  /** Checks the room password (rate limited); a refusal is sent, and false returned. */
  async #checkRoomPassword(
    session: { account: string; displayName: string },
    roomPassword: string,
    handle: OrderedHandle,
    now: number,
  ): Promise<boolean> {
    const result = this.#joinResult(session);
    const attempt = { account: session.account, address: hostOf(handle.address) };
    const wait = this.#roomPasswords.retryAfterMs(attempt, now);
    if (wait > 0) {
      handle.send(result("rateLimited", "Cannot join yet: too many wrong room passwords", wait));
      return false;
    }
    let correct: boolean;
    try {
      correct = await checkRoomPassword(this.#options.kv, roomPassword, { pool: this.#pool });
    } catch (error) {
      if (!(error instanceof HashPoolBusy)) throw error;
      handle.send(result("rateLimited", error.message, BUSY_RETRY_MS));
      return false;
    }
    if (!correct) {
      const delay = this.#roomPasswords.recordFailure(attempt, this.#now());
      handle.send(result("wrongRoomPassword", "Cannot join: wrong room password", delay));
      return false;
    }
    this.#roomPasswords.recordSuccess(attempt);
    return true;
  }

  #request(member: Member, frame: ClientFrame, handle: OrderedHandle, now: number): void {
    switch (frame.type) {
      case "say":
      case "emote":
        return this.room.handle(member, {
          type: frame.type,
          messageId: frame.messageId,
          text: frame.text,
        }, now);
      case "privateMessage":
        return this.room.handle(member, frame, now);
      case "whoRequest":
        return handle.send(this.room.memberList(now));
      case "leave":
        return handle.close("left");
      default:
        handle.send(errorFrame("unexpectedFrame", `Cannot take ${frame.type} after joining`));
    }
  }
}

type AuthOutcomeName = (ServerFrame & { type: "authResult" })["outcome"];
type JoinOutcomeName = (ServerFrame & { type: "joinResult" })["outcome"];
type ErrorCodeName = (ServerFrame & { type: "error" })["code"];

function errorFrame(code: ErrorCodeName, message: string): ServerFrame {
  return { type: "error", code, retryAfterMs: 0, message };
}

/**
 * Frames to one connection, in order, with a bound on how far behind it may
 * fall: a plain array drained by one loop, so a broadcast to N members costs
 * N array pushes, not N promise chains.
 */
class OrderedHandle implements MemberHandle, FileSessionHandle {
  readonly address: string;
  readonly #connection: UdpConnection;
  #queue: Uint8Array[] = [];
  #head = 0;
  #draining = false;
  #closeReason: string | null = null;
  /** Woken each time a frame leaves the queue (for sendWhenRoom). */
  #roomWaiters: Array<() => void> = [];

  constructor(connection: UdpConnection) {
    this.#connection = connection;
    this.address = `${connection.peer.hostname}:${connection.peer.port}`;
  }

  linkStats(): { rttMs: number; retransmissions: number } {
    const stats = this.#connection.stats();
    return { rttMs: stats.smoothedRttMs, retransmissions: stats.packetsRetransmitted };
  }

  /** Resolves when the connection has closed, however it closed. */
  get closed(): Promise<unknown> {
    return this.#connection.closed;
  }

  send(frame: ServerFrame): void {
    this.sendEncoded(encodeFrame(frame));
  }

  sendEncoded(bytes: Uint8Array): void {
    if (this.#closeReason !== null) return;
    if (this.#queue.length - this.#head >= MAX_QUEUED_FRAMES) {
      this.close("too slow: too many frames waiting");
      return;
    }
    this.#queue.push(bytes);
    if (!this.#draining) this.#drain();
  }

  /**
   * Queues `bytes` once fewer than PACED_FRAMES are waiting: bulk data (a
   * download) waits for the connection instead of filling the queue, and
   * chat frames queued meanwhile are not stuck behind a whole file.
   */
  async sendWhenRoom(bytes: Uint8Array): Promise<void> {
    while (this.#queue.length - this.#head >= PACED_FRAMES) {
      if (this.#closeReason !== null) throw new Error("the session is closed");
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    if (this.#closeReason !== null) throw new Error("the session is closed");
    this.sendEncoded(bytes);
  }

  close(reason: string): void {
    if (this.#closeReason !== null) return;
    this.#closeReason = reason;
    if (!this.#draining) this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#head < this.#queue.length) {
        const bytes = this.#queue[this.#head++]!;
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        await this.#connection.send(bytes);
        for (const wake of this.#roomWaiters.splice(0)) wake();
      }
      if (this.#closeReason !== null) await this.#connection.close(this.#closeReason);
    } catch {
      this.#queue = []; // the connection is gone: nothing more can be sent
      this.#head = 0;
      this.#closeReason ??= "connection lost";
    } finally {
      this.#draining = false;
      for (const wake of this.#roomWaiters.splice(0)) wake();
    }
  }
}

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(":"));
}

function safeNormalise(name: string): string {
  try {
    return normaliseName(name);
  } catch {
    return name;
  }
}
