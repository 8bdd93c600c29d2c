/**
 * The netsim relay: a UDP forwarder between clients and one upstream server
 * that applies {@link Impairments} in both directions.
 *
 * Theory of operation:
 * - One listen socket faces the clients. Each client address seen on it gets
 *   its own upstream socket (a "flow"), so the upstream server sees distinct
 *   clients, and replies on that socket go back to that client. A flow idle
 *   for `idleTimeoutMs` in both directions is closed.
 * - Each socket has one receive loop reading into one reused buffer
 *   (`receive(buffer)`: the async iterator allocates and is ~5x slower). A
 *   datagram is copied once, only if it survives the loss decision.
 * - Each flow has one {@link ImpairmentDecider} per direction, seeded from
 *   the seed, the flow's number (order of first datagram) and the direction,
 *   so a single-client run replays exactly.
 * - Delayed datagrams wait in one time-ordered {@link DelayQueue} with one
 *   timer for the earliest deadline; when it fires, everything due is sent,
 *   and so it is whenever a datagram arrives (under load, the usual case).
 *   Deno's timers tick in milliseconds and fire ~1.2 ms late, so the timer is
 *   armed early and a datagram goes out within about 0.5 ms of its due time,
 *   early or late (later on a busy machine).
 * - Each socket sends through an {@link OrderedSender}: one send in flight,
 *   because Deno reorders concurrent sends on a socket.
 *
 * @module
 */

import { type DelayQueue, FifoDelayQueue, HeapDelayQueue } from "./delay_queue.ts";
import { OrderedSender } from "./ordered_sender.ts";
import {
  delaysAreMonotone,
  flipBit,
  ImpairmentDecider,
  type Impairments,
  validateImpairments,
} from "./impairments.ts";
import { deriveSeed } from "./prng.ts";
import {
  type DirectionCounters,
  newDirectionCounters,
  type Relay,
  type RelayAddress,
  type RelayCounters,
  type RelayOptions,
} from "./types.ts";

export type { DirectionCounters, Relay, RelayAddress, RelayCounters, RelayOptions };

/** Large enough for any UDP payload, so nothing is ever truncated. */
const RECEIVE_BUFFER_BYTES = 65_536;

/**
 * How late Deno's timers fire (measured on Deno 2.9: `setTimeout(f, n)` runs
 * after n + ~1.2 ms, and never sooner than ~1.2 ms): the timer is armed this
 * much early.
 */
const TIMER_LATENESS_MS = 1;

/**
 * A datagram due within this many milliseconds is sent now: the next timer
 * could not fire sooner than ~1.2 ms, so waiting would make it later still.
 */
const SEND_TOLERANCE_MS = 0.5;

/**
 * Starts a relay; it runs until {@link Relay.close}. Throws if the listen
 * address cannot be bound or the impairments are out of range.
 *
 * @example
 * ```ts ignore
 * import { startRelay } from "./relay.ts";
 * import { NO_IMPAIRMENTS } from "./impairments.ts";
 * const relay = startRelay({
 *   listen: { hostname: "127.0.0.1", port: 0 },
 *   upstream: { hostname: "127.0.0.1", port: 55555 },
 *   impairments: { ...NO_IMPAIRMENTS, delayMs: 5, lossPercent: 1 },
 * });
 * console.log(relay.address.port);
 * await relay.close();
 * ```
 */
export function startRelay(options: RelayOptions): Relay {
  return new UdpRelay(options);
}

interface Flow {
  readonly number: number;
  readonly key: string;
  readonly clientAddress: Deno.NetAddr;
  readonly upstreamSocket: Deno.DatagramConn;
  readonly upstreamSender: OrderedSender;
  readonly toUpstream: ImpairmentDecider;
  readonly toClient: ImpairmentDecider;
  lastActivity: number;
  closed: boolean;
}

interface PendingDatagram {
  readonly bytes: Uint8Array;
  readonly flow: Flow;
  readonly towardUpstream: boolean;
}

/**
 * Where to bind a flow's upstream socket: loopback for a loopback upstream
 * (never exposed beyond the machine), the wildcard of its family otherwise.
 */
export function upstreamBindHostname(upstreamHostname: string): string {
  if (upstreamHostname === "localhost" || upstreamHostname.startsWith("127.")) return "127.0.0.1";
  if (upstreamHostname === "::1") return "::1";
  return upstreamHostname.includes(":") ? "::" : "0.0.0.0";
}

class UdpRelay implements Relay {
  readonly address: RelayAddress;
  readonly #impairments: Impairments;
  readonly #listenSocket: Deno.DatagramConn;
  readonly #clientSender: OrderedSender;
  readonly #upstreamAddress: Deno.NetAddr;
  readonly #upstreamBindHostname: string;
  readonly #idleTimeoutMs: number;
  readonly #maxQueuedDatagrams: number;
  readonly #maxClients: number;
  readonly #flows = new Map<string, Flow>();
  readonly #queue: DelayQueue<PendingDatagram>;
  readonly #toUpstreamCounters = newDirectionCounters();
  readonly #toClientCounters = newDirectionCounters();
  readonly #loops = new Set<Promise<void>>();
  readonly #sweepTimer: ReturnType<typeof setInterval>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDeadline = Infinity;
  #clientsTotal = 0;
  #clientsExpired = 0;
  #clientsRejected = 0;
  #receiveErrors = 0;
  #strayDatagrams = 0;
  #closing: Promise<void> | undefined;

  constructor(options: RelayOptions) {
    this.#impairments = validateImpairments({ ...options.impairments });
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.#maxQueuedDatagrams = options.maxQueuedDatagrams ?? 100_000;
    this.#maxClients = options.maxClients ?? 4096;
    this.#queue = delaysAreMonotone(this.#impairments)
      ? new FifoDelayQueue<PendingDatagram>()
      : new HeapDelayQueue<PendingDatagram>();
    // "localhost" would be resolved on every send: use the loopback literal.
    const upstreamHostname = options.upstream.hostname === "localhost"
      ? "127.0.0.1"
      : options.upstream.hostname;
    this.#upstreamAddress = {
      transport: "udp",
      hostname: upstreamHostname,
      port: options.upstream.port,
    };
    this.#upstreamBindHostname = upstreamBindHostname(upstreamHostname);
    this.#listenSocket = Deno.listenDatagram({
      transport: "udp",
      hostname: options.listen.hostname,
      port: options.listen.port,
    });
    this.#clientSender = new OrderedSender(
      this.#listenSocket,
      () => this.#toClientCounters.sendErrors++,
    );
    const bound = this.#listenSocket.addr as Deno.NetAddr;
    this.address = { hostname: bound.hostname, port: bound.port };
    this.#sweepTimer = setInterval(
      () => this.#expireIdleFlows(),
      Math.max(10, Math.min(this.#idleTimeoutMs / 2, 10_000)),
    );
    this.#track(this.#receiveFromClients());
  }

  counters(): RelayCounters {
    return {
      clientToUpstream: { ...this.#toUpstreamCounters },
      upstreamToClient: { ...this.#toClientCounters },
      clientsActive: this.#flows.size,
      clientsTotal: this.#clientsTotal,
      clientsExpired: this.#clientsExpired,
      clientsRejected: this.#clientsRejected,
      receiveErrors: this.#receiveErrors,
      strayDatagrams: this.#strayDatagrams,
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    clearInterval(this.#sweepTimer);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.clear();
    const settling = [this.#clientSender.close()];
    this.#listenSocket.close();
    for (const flow of this.#flows.values()) settling.push(this.#closeFlow(flow));
    // Closing a socket rejects its pending receive, which ends its loop.
    await Promise.all(settling);
    await Promise.allSettled([...this.#loops]);
  }

  #track(loop: Promise<void>): void {
    this.#loops.add(loop);
    loop.finally(() => this.#loops.delete(loop));
  }

  async #receiveFromClients(): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BUFFER_BYTES);
    for (;;) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#listenSocket.receive(buffer);
      } catch (error) {
        if (this.#closing || !isSurvivableReceiveError(error)) return;
        this.#receiveErrors++;
        continue;
      }
      if (this.#closing) return;
      const [data, from] = received;
      const flow = this.#flowFor(from as Deno.NetAddr);
      if (flow === undefined) continue;
      this.#handle(data, flow, true);
    }
  }

  async #receiveFromUpstream(flow: Flow): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BUFFER_BYTES);
    for (;;) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await flow.upstreamSocket.receive(buffer);
      } catch (error) {
        if (this.#closing || flow.closed || !isSurvivableReceiveError(error)) return;
        this.#receiveErrors++;
        continue;
      }
      if (this.#closing || flow.closed) return;
      const [data, from] = received;
      // Anyone on the machine may send to this port; only the server's replies count.
      // (Port only: a server bound to a wildcard address answers from a concrete one.)
      if ((from as Deno.NetAddr).port !== this.#upstreamAddress.port) {
        this.#strayDatagrams++;
        continue;
      }
      this.#handle(data, flow, false);
    }
  }

  #flowFor(from: Deno.NetAddr): Flow | undefined {
    const key = `${from.hostname} ${from.port}`;
    const existing = this.#flows.get(key);
    if (existing !== undefined) return existing;
    if (this.#flows.size >= this.#maxClients) {
      this.#clientsRejected++;
      return undefined;
    }
    let upstreamSocket: Deno.DatagramConn;
    try {
      upstreamSocket = Deno.listenDatagram({
        transport: "udp",
        hostname: this.#upstreamBindHostname,
        port: 0,
      });
    } catch {
      this.#clientsRejected++;
      return undefined;
    }
    const number = this.#clientsTotal++;
    const seed = this.#impairments.seed;
    const flow: Flow = {
      number,
      key,
      clientAddress: { transport: "udp", hostname: from.hostname, port: from.port },
      upstreamSocket,
      upstreamSender: new OrderedSender(
        upstreamSocket,
        () => this.#toUpstreamCounters.sendErrors++,
      ),
      toUpstream: new ImpairmentDecider(this.#impairments, deriveSeed(seed, number, 0)),
      toClient: new ImpairmentDecider(this.#impairments, deriveSeed(seed, number, 1)),
      lastActivity: performance.now(),
      closed: false,
    };
    this.#flows.set(key, flow);
    this.#track(this.#receiveFromUpstream(flow));
    return flow;
  }

  #handle(data: Uint8Array, flow: Flow, towardUpstream: boolean): void {
    const counters = towardUpstream ? this.#toUpstreamCounters : this.#toClientCounters;
    const decider = towardUpstream ? flow.toUpstream : flow.toClient;
    const now = performance.now();
    counters.received++;
    flow.lastActivity = now;
    const fate = decider.decide(data.length);
    if (fate.drop) {
      counters.dropped++;
      return;
    }
    // The receive buffer is reused by the next receive: copy what survives.
    const original = data.slice();
    let bytes = original;
    if (fate.corruptBitIndex >= 0) {
      // A duplicate stays clean, so keep the original and corrupt a copy.
      bytes = fate.duplicate ? original.slice() : original;
      flipBit(bytes, fate.corruptBitIndex);
      counters.corrupted++;
    }
    if (fate.reorder) counters.reordered++;
    if (fate.duplicate) counters.duplicated++;
    if (fate.delayMs <= 0 && this.#queue.size === 0) {
      this.#send(bytes, flow, towardUpstream);
      if (fate.duplicate) this.#send(original, flow, towardUpstream);
      return;
    }
    const deadline = now + fate.delayMs;
    this.#enqueue(deadline, { bytes, flow, towardUpstream }, counters);
    if (fate.duplicate) {
      this.#enqueue(deadline, { bytes: original, flow, towardUpstream }, counters);
    }
    // Under load this sends on time without waiting for the (late) timer.
    this.#sendDue(now);
    this.#armTimer(now);
  }

  #enqueue(deadline: number, pending: PendingDatagram, counters: DirectionCounters): void {
    if (this.#queue.size >= this.#maxQueuedDatagrams) {
      counters.overflowed++;
      return;
    }
    this.#queue.push(deadline, pending);
  }

  #armTimer(now: number): void {
    const next = this.#queue.peekDeadline();
    if (next === Infinity || this.#closing) return;
    if (this.#timer !== undefined) {
      if (this.#timerDeadline <= next) return;
      clearTimeout(this.#timer);
    }
    this.#timerDeadline = next;
    const wait = Math.max(0, Math.floor(next - now - TIMER_LATENESS_MS));
    this.#timer = setTimeout(this.#onTimer, wait);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    this.#sendDue(now);
    this.#armTimer(now);
  };

  #sendDue(now: number): void {
    const limit = now + SEND_TOLERANCE_MS;
    while (this.#queue.peekDeadline() <= limit) {
      const pending = this.#queue.pop()!;
      this.#send(pending.bytes, pending.flow, pending.towardUpstream);
    }
  }

  #send(bytes: Uint8Array, flow: Flow, towardUpstream: boolean): void {
    if (towardUpstream) {
      // An expired flow's socket is closed; a datagram still queued for it is lost.
      if (flow.closed) {
        this.#toUpstreamCounters.sendErrors++;
        return;
      }
      this.#toUpstreamCounters.forwarded++;
      flow.upstreamSender.send(bytes, this.#upstreamAddress);
    } else {
      this.#toClientCounters.forwarded++;
      this.#clientSender.send(bytes, flow.clientAddress);
    }
  }

  #expireIdleFlows(): void {
    const now = performance.now();
    for (const flow of this.#flows.values()) {
      if (now - flow.lastActivity >= this.#idleTimeoutMs) {
        this.#track(this.#closeFlow(flow));
        this.#clientsExpired++;
      }
    }
  }

  /** Closes a flow's socket, discarding what it had yet to send. */
  async #closeFlow(flow: Flow): Promise<void> {
    if (flow.closed) return;
    flow.closed = true;
    this.#flows.delete(flow.key);
    const settled = flow.upstreamSender.close();
    flow.upstreamSocket.close();
    // Resolves once the send in flight, if any, has failed or gone out.
    await settled;
  }
}

/**
 * Errors a receive loop survives: the peer's ICMP "port unreachable" that
 * some systems (Windows) report on the next receive. Anything else, notably
 * the socket being closed, ends the loop.
 */
function isSurvivableReceiveError(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionRefused;
}
