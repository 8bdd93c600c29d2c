/**
 * The UDP driver: the thin, impure loop around the sans-IO Endpoint. It owns
 * the socket, the real clock and the one timer, and turns connection events
 * into promises for application code.
 *
 * Each received datagram is handed to the endpoint, then everything the
 * endpoint wants to send is sent, events are dispatched, and the timer is
 * set to the earliest deadline. Waiters re-check their condition on every
 * event of their connection, so no wake-up can be lost.
 *
 * @module
 */

import { ConnectionLost, MochiError, UsageError } from "../errors.ts";
import type { TransportConfig } from "./config.ts";
import type { Connection } from "./connection.ts";
import { Endpoint, type EndpointCounters, type PeerAddress } from "./endpoint.ts";
import { CloseCode, type CloseInfo, type ConnectionStats } from "./events.ts";
import { NoiseSecurity } from "../secure/channel.ts";
import { type KeyPair, keyPairFromPrivateKey } from "../secure/keys.ts";

export type { PeerAddress } from "./endpoint.ts";

/** How to open a UDP endpoint. */
export interface UdpEndpointOptions {
  hostname: string;
  port: number;
  /** Whether peers may open connections to it (a server). */
  accept?: boolean;
  config?: Partial<TransportConfig>;
  maxConnections?: number;
  /**
   * A server's static key pair, which clients pin. A server without one gets
   * a throwaway key (tests and benchmarks); clients need none.
   */
  identity?: KeyPair;
  /** Packets per key generation (default 2^24; tests use small values). */
  keyUpdatePackets?: number;
}

/** How long `close()` waits for peers to confirm our Close before dropping the socket. */
const CLOSE_GRACE_MS = 1000;
/** Largest datagram we can receive; bigger ones are truncated by the kernel and then fail their check. */
const RECEIVE_BUFFER_SIZE = 65_536;

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

function randomUint32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** A UDP socket serving any number of mochi connections. */
export class UdpEndpoint {
  /** The bound local address (with the port the system chose, if it was 0). */
  readonly address: PeerAddress;
  readonly #socket: Deno.DatagramConn;
  readonly #endpoint: Endpoint;
  readonly #connections = new Map<Connection, UdpConnection>();
  readonly #incoming: UdpConnection[] = [];
  #acceptWaiters: Array<() => void> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDeadline = Infinity;
  #closed = false;
  #sendErrors = 0;
  /** One send at a time: Deno does not keep concurrent sends on a socket in order. */
  #sending = false;
  readonly #receiveLoop: Promise<void>;

  private constructor(socket: Deno.DatagramConn, endpoint: Endpoint) {
    this.#socket = socket;
    this.#endpoint = endpoint;
    const local = socket.addr as Deno.NetAddr;
    this.address = { hostname: local.hostname, port: local.port };
    this.#receiveLoop = this.#receive();
  }

  /** Binds a UDP socket and starts serving it. */
  static bind(options: UdpEndpointOptions): UdpEndpoint {
    const acceptIncoming = options.accept ?? false;
    const identity = options.identity ??
      (acceptIncoming ? keyPairFromPrivateKey(randomBytes(32)) : undefined);
    const endpoint = new Endpoint({
      acceptIncoming,
      randomUint32,
      config: options.config,
      maxConnections: options.maxConnections,
      security: new NoiseSecurity({
        randomBytes,
        identity,
        now: performance.now(),
        keyUpdatePackets: options.keyUpdatePackets,
      }),
    });
    const socket = Deno.listenDatagram({
      transport: "udp",
      hostname: options.hostname,
      port: options.port,
    });
    return new UdpEndpoint(socket, endpoint);
  }

  /** Opens a connection to a server; rejects with ConnectionLost if it does not answer. */
  async connect(peer: PeerAddress): Promise<UdpConnection> {
    if (this.#closed) throw new UsageError("Cannot connect: the endpoint is closed");
    const connection = this.#endpoint.connect(peer, performance.now());
    const wrapper = new UdpConnection(this, connection, peer);
    this.#connections.set(connection, wrapper);
    this.drive();
    await wrapper.waitFor(() => connection.state !== "connecting");
    if (connection.state !== "established") {
      const reason = connection.closeInfo?.reason ?? "closed";
      throw new ConnectionLost(`Cannot connect to ${peer.hostname}:${peer.port}: ${reason}`);
    }
    return wrapper;
  }

  /** The next incoming connection, or null once the endpoint is closed. */
  async accept(): Promise<UdpConnection | null> {
    for (;;) {
      const next = this.#incoming.shift();
      if (next !== undefined) return next;
      if (this.#closed) return null;
      await new Promise<void>((resolve) => this.#acceptWaiters.push(resolve));
    }
  }

  /** Drop counters of the endpoint, and failed sends. */
  counters(): EndpointCounters & { sendErrors: number; connections: number } {
    return {
      ...this.#endpoint.counters(),
      sendErrors: this.#sendErrors,
      connections: this.#endpoint.connectionCount,
    };
  }

  /** Closes every connection (telling peers, briefly waiting for them), then the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const now = performance.now();
    for (const [connection, wrapper] of this.#connections) {
      this.#endpoint.close(connection, now, CloseCode.Shutdown, "endpoint closing");
      wrapper.wake();
    }
    this.drive();
    const allClosed = Promise.all([...this.#connections.values()].map((c) => c.closed));
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise((resolve) => graceTimer = setTimeout(resolve, CLOSE_GRACE_MS));
    await Promise.race([allClosed, grace]);
    clearTimeout(graceTimer);
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket.close();
    await this.#receiveLoop;
    for (const wrapper of this.#connections.values()) wrapper.abandon();
    this.#connections.clear();
    for (const wake of this.#acceptWaiters.splice(0)) wake();
  }

  /** Sends what the endpoint has, dispatches its events and re-arms the timer. */
  drive(): void {
    if (this.#closed) return;
    const endpoint = this.#endpoint;
    const now = performance.now();
    // Deno does not keep concurrent sends on one socket in order (a burst of
    // 20 on a fresh socket leaves as 19, 18, ..., 0, measured on 2.9), and
    // go-back-N discards whatever arrives out of order. So exactly one send
    // is in flight; the next packet is polled from the transport only when
    // it completes, which also keeps the transport's send times honest.
    if (!this.#sending) this.#sendNext(now);
    for (let event = endpoint.pollEvent(); event !== null; event = endpoint.pollEvent()) {
      if (event.type === "accepted") {
        const address = endpoint.addressOf(event.connection)!;
        const wrapper = new UdpConnection(this, event.connection, address);
        this.#connections.set(event.connection, wrapper);
        this.#incoming.push(wrapper);
        for (const wake of this.#acceptWaiters.splice(0)) wake();
        continue;
      }
      const wrapper = this.#connections.get(event.connection);
      if (wrapper === undefined) continue;
      if (event.event.type === "closed") {
        wrapper.markClosed(event.event.info);
        this.#connections.delete(event.connection);
      }
      wrapper.wake();
    }
    this.#schedule(endpoint.pollTimeout());
  }

  /** The sans-IO endpoint behind this driver (for the connections' wrappers). */
  get endpoint(): Endpoint {
    return this.#endpoint;
  }

  #sendNext(now: number): void {
    const transmit = this.#endpoint.pollTransmit(now);
    if (transmit === null) return;
    const { hostname, port } = transmit.address;
    this.#sending = true;
    this.#socket.send(transmit.datagram, { transport: "udp", hostname, port }).then(
      this.#onSent,
      this.#onSendFailed,
    );
  }

  readonly #onSent = (): void => {
    this.#sending = false;
    this.drive();
  };

  readonly #onSendFailed = (): void => {
    this.#sendErrors++;
    this.#onSent();
  };

  #schedule(deadline: number | null): void {
    if (deadline === null || deadline >= this.#timerDeadline) return;
    clearTimeout(this.#timer);
    this.#timerDeadline = deadline;
    this.#timer = setTimeout(() => {
      this.#timerDeadline = Infinity;
      this.#timer = undefined;
      if (this.#closed) return;
      this.#endpoint.handleTimeout(performance.now());
      this.drive();
    }, Math.max(0, deadline - performance.now()));
  }

  async #receive(): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
    while (!this.#closed) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#socket.receive(buffer);
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        continue; // e.g. ICMP errors surfacing on the socket: the loop must go on
      }
      const [datagram, from] = received;
      const { hostname, port } = from as Deno.NetAddr;
      this.#endpoint.handleDatagram(datagram, { hostname, port }, performance.now());
      this.drive();
    }
  }
}

/** One reliable, ordered message connection. */
export class UdpConnection {
  /** The peer's address when the connection was made. */
  readonly peer: PeerAddress;
  /** Resolves with how the connection ended. */
  readonly closed: Promise<CloseInfo>;
  readonly #owner: UdpEndpoint;
  readonly #connection: Connection;
  #waiters: Array<() => void> = [];
  #resolveClosed!: (info: CloseInfo) => void;
  #closeInfo: CloseInfo | null = null;

  /** Wraps a sans-IO connection; made by UdpEndpoint only. */
  constructor(owner: UdpEndpoint, connection: Connection, peer: PeerAddress) {
    this.#owner = owner;
    this.#connection = connection;
    this.peer = peer;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  /** Queues a message; waits while the send buffer is full. */
  async send(message: Uint8Array): Promise<void> {
    for (;;) {
      this.#throwIfClosed("send");
      if (this.#owner.endpoint.send(this.#connection, message)) {
        this.#owner.drive();
        return;
      }
      await this.waitFor(() =>
        this.#closeInfo !== null || this.#connection.canSend(message.length)
      );
    }
  }

  /** The next message, in order, or null once the connection is closed. */
  async receive(): Promise<Uint8Array | null> {
    for (;;) {
      const message = this.#owner.endpoint.read(this.#connection);
      if (message !== null) {
        this.#owner.drive();
        return message;
      }
      if (this.#closeInfo !== null) return null;
      await this.waitFor(() => this.#connection.hasUnread || this.#closeInfo !== null);
    }
  }

  /** Resolves once every message sent so far is acknowledged; rejects if the connection ends first. */
  async flush(): Promise<void> {
    await this.waitFor(() => this.#connection.isFlushed || this.#closeInfo !== null);
    if (!this.#connection.isFlushed) this.#throwIfClosed("flush");
  }

  /** Flushes, then closes with the peer's confirmation. */
  async close(reason = ""): Promise<CloseInfo> {
    if (this.#closeInfo === null) {
      try {
        await this.flush();
      } catch (error) {
        if (!(error instanceof MochiError)) throw error;
      }
      this.#owner.endpoint.close(this.#connection, performance.now(), CloseCode.Normal, reason);
      this.#owner.drive();
    }
    return await this.closed;
  }

  /** The server's static public key, as proven in the handshake (on a client's connection). */
  get serverPublicKey(): Uint8Array | null {
    return this.#connection.peerIdentity;
  }

  /** A snapshot of the connection's counters. */
  stats(): ConnectionStats {
    return this.#connection.stats();
  }

  /** Resolves when `condition` holds, re-checked on each event of this connection. */
  async waitFor(condition: () => boolean): Promise<void> {
    while (!condition()) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
      if (this.#closeInfo !== null && !condition()) return;
    }
  }

  /** Wakes every waiter to re-check its condition (called by the driver). */
  wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Records the end of the connection (called by the driver). */
  markClosed(info: CloseInfo): void {
    if (this.#closeInfo !== null) return;
    this.#closeInfo = info;
    this.#resolveClosed(info);
  }

  /** The endpoint went away under this connection. */
  abandon(): void {
    this.markClosed({ code: CloseCode.Shutdown, reason: "endpoint closed", initiator: "local" });
    this.wake();
  }

  #throwIfClosed(action: string): void {
    if (this.#closeInfo !== null) {
      throw new ConnectionLost(`Cannot ${action}: connection closed (${this.#closeInfo.reason})`);
    }
  }
}
