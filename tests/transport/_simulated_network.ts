/**
 * A seeded, simulated network with a virtual clock for driving two sans-IO
 * endpoints (quinn-proto's `Pair`): datagrams travel through per-direction
 * impairments (the same decider `mochi netsim` uses), time jumps to the next
 * delivery or deadline, and a bounded loop catches livelock.
 *
 * @module
 */

import type { TransportConfig } from "../../src/transport/config.ts";
import type { Connection } from "../../src/transport/connection.ts";
import { Endpoint, type PeerAddress } from "../../src/transport/endpoint.ts";
import type { ConnectionEvent } from "../../src/transport/events.ts";
import { HEADER_LENGTH, type PacketType } from "../../src/transport/packet.ts";
import {
  flipBit,
  ImpairmentDecider,
  type Impairments,
  NO_IMPAIRMENTS,
} from "../../src/netsim/impairments.ts";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import { NoiseSecurity } from "../../src/secure/channel.ts";
import { type KeyPair, keyPairFromPrivateKey } from "../../src/secure/keys.ts";

/** Which way a datagram travels. */
export type Direction = "toServer" | "toClient";

/** One datagram handed to the network, as the tests see it. */
export interface SentDatagram {
  time: number;
  direction: Direction;
  type: PacketType;
  sequence: number;
  bytes: Uint8Array;
}

interface InFlight {
  at: number;
  order: number;
  direction: Direction;
  bytes: Uint8Array;
}

/** Options of a simulated network. */
export interface SimulatedNetworkOptions {
  seed?: number;
  /** Impairments towards the server; delayMs is one way. */
  toServer?: Partial<Impairments>;
  /** Impairments towards the client. */
  toClient?: Partial<Impairments>;
  config?: Partial<TransportConfig>;
  /** Overrides of `config` for the server only (to make the two sides disagree). */
  serverConfig?: Partial<TransportConfig>;
  /** Packets per key generation (small values exercise key updates). */
  keyUpdatePackets?: number;
  /** Random sources of each endpoint (connection ids, initial sequences). */
  clientRandom?: () => number;
  serverRandom?: () => number;
}

/** The client's address on the simulated network. */
export const CLIENT_ADDRESS: PeerAddress = { hostname: "10.0.0.1", port: 40000 };
/** The server's address on the simulated network. */
export const SERVER_ADDRESS: PeerAddress = { hostname: "10.0.0.2", port: 55555 };

/** Two endpoints, one link, one virtual clock. */
export class SimulatedNetwork {
  now = 0;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** Every datagram either endpoint sent, in order. */
  readonly sent: SentDatagram[] = [];
  readonly clientEvents: Array<{ connection: Connection; event: ConnectionEvent }> = [];
  readonly serverEvents: Array<{ connection: Connection; event: ConnectionEvent }> = [];
  readonly accepted: Connection[] = [];
  /** When false, every datagram is lost (a dead link). */
  linkUp = true;
  /** The server's static key pair (seeded). */
  readonly serverIdentity: KeyPair;
  /** Drops a datagram when it returns true (for exact, targeted losses). */
  dropFilter: ((datagram: SentDatagram) => boolean) | null = null;
  readonly #deciders: Record<Direction, ImpairmentDecider>;
  readonly #queue: InFlight[] = [];
  #order = 0;

  /** A network whose impairments and endpoints are all seeded. */
  constructor(options: SimulatedNetworkOptions = {}) {
    const seed = options.seed ?? 1;
    const impairments = (overrides?: Partial<Impairments>) => ({
      ...NO_IMPAIRMENTS,
      delayMs: 10,
      ...overrides,
    });
    this.#deciders = {
      toServer: new ImpairmentDecider(impairments(options.toServer), seed),
      toClient: new ImpairmentDecider(impairments(options.toClient), seed + 1),
    };
    const seeded = (offset: number) => {
      const random = new Mulberry32(seed * 7919 + offset);
      return () => random.nextUint32();
    };
    const seededBytes = (offset: number) => {
      const random = new Mulberry32(seed * 104729 + offset);
      return (length: number) => Uint8Array.from({ length }, () => random.nextUint32() & 0xff);
    };
    this.serverIdentity = keyPairFromPrivateKey(seededBytes(3)(32));
    const keyUpdatePackets = options.keyUpdatePackets;
    this.client = new Endpoint({
      acceptIncoming: false,
      randomUint32: options.clientRandom ?? seeded(1),
      config: options.config,
      security: new NoiseSecurity({ randomBytes: seededBytes(1), now: 0, keyUpdatePackets }),
    });
    this.server = new Endpoint({
      acceptIncoming: true,
      randomUint32: options.serverRandom ?? seeded(2),
      config: { ...options.config, ...options.serverConfig },
      security: new NoiseSecurity({
        randomBytes: seededBytes(2),
        identity: this.serverIdentity,
        now: 0,
        keyUpdatePackets,
      }),
    });
  }

  /** Opens a client connection to the server and runs until it is established. */
  connect(maxTime = 60_000): { client: Connection; server: Connection } {
    const client = this.client.connect(SERVER_ADDRESS, this.now);
    this.runUntil(() => client.state !== "connecting" && this.accepted.length > 0, maxTime);
    return { client, server: this.accepted[this.accepted.length - 1]! };
  }

  /** Moves everything either endpoint wants to send onto the link. */
  transmit(): void {
    this.#transmitFrom(this.client, "toServer");
    this.#transmitFrom(this.server, "toClient");
  }

  /**
   * Advances to the next delivery or deadline and processes it. Returns false
   * when nothing at all is pending (the network is quiet).
   */
  step(): boolean {
    this.transmit();
    const next = Math.min(
      this.#queue[0]?.at ?? Infinity,
      this.client.pollTimeout() ?? Infinity,
      this.server.pollTimeout() ?? Infinity,
    );
    if (next === Infinity) return false;
    this.now = Math.max(this.now, next);
    while (this.#queue.length > 0 && this.#queue[0]!.at <= this.now) {
      const datagram = this.#queue.shift()!;
      const [endpoint, from] = datagram.direction === "toServer"
        ? [this.server, CLIENT_ADDRESS]
        : [this.client, SERVER_ADDRESS];
      endpoint.handleDatagram(datagram.bytes, from, this.now);
    }
    this.client.handleTimeout(this.now);
    this.server.handleTimeout(this.now);
    this.transmit();
    this.#collectEvents();
    return true;
  }

  /** Steps until `done()` holds; throws if virtual time passes `maxTime` or the steps run away. */
  runUntil(done: () => boolean, maxTime = 600_000, maxSteps = 5_000_000): void {
    const deadline = this.now + maxTime;
    for (let steps = 0; !done(); steps++) {
      if (steps >= maxSteps) throw new Error(`livelock: ${steps} steps at t=${this.now}`);
      if (!this.step()) throw new Error(`network went quiet at t=${this.now} before done`);
      if (this.now > deadline) throw new Error(`not done by t=${this.now}`);
    }
  }

  /** Runs until `time`, or until nothing is pending. */
  runFor(duration: number): void {
    const end = this.now + duration;
    while (this.#nextEventTime() <= end && this.step()) {
      // each step processes one instant
    }
    this.now = Math.max(this.now, end);
  }

  /** Reads every message waiting on a connection. */
  static drain(endpoint: Endpoint, connection: Connection): Uint8Array[] {
    const messages: Uint8Array[] = [];
    for (let message = endpoint.read(connection); message; message = endpoint.read(connection)) {
      messages.push(message);
    }
    return messages;
  }

  #nextEventTime(): number {
    this.transmit();
    return Math.min(
      this.#queue[0]?.at ?? Infinity,
      this.client.pollTimeout() ?? Infinity,
      this.server.pollTimeout() ?? Infinity,
    );
  }

  #transmitFrom(endpoint: Endpoint, direction: Direction): void {
    for (
      let transmit = endpoint.pollTransmit(this.now);
      transmit;
      transmit = endpoint.pollTransmit(this.now)
    ) {
      const bytes = transmit.datagram.slice();
      const view = new DataView(bytes.buffer);
      const record: SentDatagram = {
        time: this.now,
        direction,
        type: bytes[1] as PacketType,
        sequence: bytes.length >= HEADER_LENGTH ? view.getUint32(12) : -1,
        bytes,
      };
      this.sent.push(record);
      const fate = this.#deciders[direction].decide(bytes.length);
      if (!this.linkUp || fate.drop || this.dropFilter?.(record)) continue;
      const delivered = bytes.slice();
      if (fate.corruptBitIndex >= 0) flipBit(delivered, fate.corruptBitIndex);
      this.#enqueue({
        at: this.now + fate.delayMs,
        order: this.#order++,
        direction,
        bytes: delivered,
      });
      if (fate.duplicate) {
        this.#enqueue({
          at: this.now + fate.delayMs,
          order: this.#order++,
          direction,
          bytes: bytes.slice(),
        });
      }
    }
  }

  #enqueue(datagram: InFlight): void {
    const queue = this.#queue;
    let index = queue.length;
    while (
      index > 0 &&
      (queue[index - 1]!.at > datagram.at ||
        (queue[index - 1]!.at === datagram.at && queue[index - 1]!.order > datagram.order))
    ) index--;
    queue.splice(index, 0, datagram);
  }

  #collectEvents(): void {
    for (let event = this.client.pollEvent(); event; event = this.client.pollEvent()) {
      if (event.type === "connection") this.clientEvents.push(event);
    }
    for (let event = this.server.pollEvent(); event; event = this.server.pollEvent()) {
      if (event.type === "accepted") this.accepted.push(event.connection);
      else this.serverEvents.push(event);
    }
  }
}
