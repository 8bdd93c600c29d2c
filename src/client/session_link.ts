/**
 * One connection of a chat session: connect, check the server's key, then
 * Hello / Welcome, and the request-answer steps Register or Login /
 * AuthResult and JoinRoom / JoinResult (docs/protocol.md, "The
 * conversation"). After the join its owner reads frames with `next()`.
 * A session uses a new link after each reconnect.
 *
 * Sends go out one at a time, in the order `send` was called, so the frames
 * of a resend and of new messages cannot overtake each other.
 *
 * @module
 */

import { ConnectionLost } from "../errors.ts";
import {
  type ClientFrame,
  decodeServerFrame,
  encodeFrame,
  FrameError,
  type JoinResult,
  PROTOCOL_VERSION,
  type ServerFrame,
  type Welcome,
} from "../protocol/mod.ts";
import type { CloseInfo } from "../transport/events.ts";
import type { UdpConnection, UdpEndpoint } from "../transport/udp.ts";
import type { ServerAddress } from "./known_servers.ts";
import {
  authRefusal,
  joinRefusal,
  RateLimited,
  SessionEndedByServer,
  UnexpectedServerAnswer,
  UnsupportedServerVersion,
} from "./session_errors.ts";
import { verifyServer, type VerifyServerOptions } from "./trust.ts";

/** An account name and password, and whether to create the account. */
export interface Credentials {
  /** The name as typed (sent in its NFC form). */
  readonly name: string;
  /** The password. */
  readonly password: string;
  /** Register (create the account) instead of Login. */
  readonly register: boolean;
}

/** What opening a link needs. */
export interface LinkOptions {
  /** Where the server is. */
  readonly server: ServerAddress;
  /** How to check the server's key (done right after the handshake, every time). */
  readonly trust: VerifyServerOptions;
  /** How long to wait for each answer (Welcome, AuthResult, JoinResult), in milliseconds. */
  readonly answerTimeoutMs: number;
}

/** One connection to the server, from the handshake to its close. */
export class SessionLink {
  readonly #connection: UdpConnection;
  readonly #options: LinkOptions;
  #welcome: Welcome | undefined;
  #sending: Promise<unknown> = Promise.resolve();
  #closeInfo: CloseInfo | null = null;

  private constructor(connection: UdpConnection, options: LinkOptions) {
    this.#connection = connection;
    this.#options = options;
    connection.closed.then((info) => this.#closeInfo = info);
  }

  /**
   * Connects, checks the server's key, and exchanges Hello and Welcome.
   * Throws `ConnectionLost`, the errors of `verifyServer` (`ServerKeyChanged`
   * ...), or `UnsupportedServerVersion`.
   */
  static async open(endpoint: UdpEndpoint, options: LinkOptions): Promise<SessionLink> {
    const connection = await endpoint.connect(options.server);
    // Nothing but handshake bytes has been sent: refuse here if the key is wrong.
    await verifyServer(connection, options.trust);
    const link = new SessionLink(connection, options);
    try {
      link.#welcome = await link.#greet();
    } catch (error) {
      await link.abort();
      throw error;
    }
    return link;
  }

  /** The server's greeting. */
  get welcome(): Welcome {
    return this.#welcome!;
  }

  /** Whether the connection has ended. */
  get isClosed(): boolean {
    return this.#closeInfo !== null;
  }

  /** Resolves with how the connection ended. */
  get closed(): Promise<CloseInfo> {
    return this.#connection.closed;
  }

  /** Queues a frame behind those sent before; rejects with `ConnectionLost` once closed. */
  send(frame: ClientFrame): Promise<void> {
    const bytes = encodeFrame(frame);
    const sent = this.#sending.then(() => this.#connection.send(bytes));
    this.#sending = sent.catch(() => {});
    return sent;
  }

  /**
   * The next frame from the server, or null once the connection is closed.
   * A malformed frame closes the connection and throws `FrameError`.
   */
  async next(): Promise<ServerFrame | null> {
    const bytes = await this.#connection.receive();
    if (bytes === null) return null;
    try {
      return decodeServerFrame(bytes);
    } catch (error) {
      if (error instanceof FrameError) await this.abort();
      throw error;
    }
  }

  /** Register or Login; throws a `JoinRefused` subclass when the server says no. */
  async authenticate(credentials: Credentials): Promise<void> {
    const name = credentials.name.normalize("NFC");
    const type = credentials.register ? "register" : "login";
    const what = credentials.register ? `register ${name}` : `log in as ${name}`;
    await this.send({ type, name, password: credentials.password });
    const answer = await this.#answer(what);
    if (answer.type !== "authResult") throw this.#unexpected(what, answer);
    if (answer.outcome !== "ok") throw authRefusal(answer, name, credentials.register);
  }

  /** JoinRoom; returns the server's JoinResult, or throws a `JoinRefused` subclass. */
  async join(roomPassword: string): Promise<JoinResult> {
    await this.send({ type: "joinRoom", roomPassword });
    const answer = await this.#answer("join the room");
    if (answer.type !== "joinResult") throw this.#unexpected("join the room", answer);
    if (answer.outcome !== "ok") throw joinRefusal(answer);
    return answer;
  }

  /**
   * JoinFiles: the room password, for a session that moves files without
   * entering the room (no presence, and the account's chat session stays).
   */
  async joinFiles(roomPassword: string): Promise<JoinResult> {
    await this.send({ type: "joinFiles", roomPassword });
    const answer = await this.#answer("open a file session");
    if (answer.type !== "joinResult") throw this.#unexpected("open a file session", answer);
    if (answer.outcome !== "ok") throw joinRefusal(answer);
    return answer;
  }

  /** Flushes what was sent, then closes (with the server's confirmation, briefly waited for). */
  async close(reason = ""): Promise<void> {
    await this.#sending;
    await this.#connection.close(reason).catch(() => {});
  }

  /** Closes without waiting for anything to be delivered. */
  async abort(): Promise<void> {
    await this.#connection.close("abort").catch(() => {});
  }

  async #greet(): Promise<Welcome> {
    await this.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    const answer = await this.#answer("greet the server");
    if (answer.type !== "welcome") throw this.#unexpected("greet the server", answer);
    if (answer.protocolVersion !== PROTOCOL_VERSION) {
      throw new UnsupportedServerVersion(
        `Cannot join: the server speaks protocol version ${answer.protocolVersion}, ` +
          `this client version ${PROTOCOL_VERSION} (use a mochi of the server's version)`,
      );
    }
    return answer;
  }

  /** The answer to a request: the next frame, within the answer timeout. */
  async #answer(what: string): Promise<ServerFrame> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#options.answerTimeoutMs);
    });
    const reading = this.next();
    reading.catch(() => {}); // after a timeout nobody waits for it any more
    let frame: ServerFrame | null | "timeout";
    try {
      frame = await Promise.race([reading, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (frame === "timeout") {
      void this.abort();
      throw new ConnectionLost(
        `Cannot ${what}: no answer from the server in ${this.#options.answerTimeoutMs / 1000} s`,
      );
    }
    if (frame === null) {
      throw new ConnectionLost(`Cannot ${what}: the server closed the connection`);
    }
    if (frame.type === "sessionEnded") {
      if (frame.reason === "serverStopping") {
        throw new ConnectionLost(`Cannot ${what}: the server is stopping`);
      }
      throw new SessionEndedByServer(frame.reason, frame.message);
    }
    if (frame.type === "error" && frame.code === "rateLimited") {
      throw new RateLimited(
        `Cannot ${what}`,
        "too many attempts",
        frame.message,
        frame.retryAfterMs,
      );
    }
    if (frame.type === "error" && frame.code === "unsupportedVersion") {
      throw new UnsupportedServerVersion(
        `Cannot ${what}: the server does not speak protocol version ${PROTOCOL_VERSION}` +
          (frame.message === "" ? "" : ` (${frame.message})`),
      );
    }
    return frame;
  }

  #unexpected(what: string, frame: ServerFrame): UnexpectedServerAnswer {
    const detail = frame.type === "error"
      ? `it refused (${frame.code}${frame.message === "" ? "" : `: ${frame.message}`})`
      : `it answered with ${frame.type}`;
    return new UnexpectedServerAnswer(`Cannot ${what}: ${detail}`);
  }
}
