/**
 * A sans-IO endpoint: many connections behind one socket, told apart by the
 * destination connection id in each packet. It opens and verifies
 * datagrams, routes them, creates server connections for Initials, and
 * gathers every connection's output, events and deadlines.
 *
 * Rules:
 * - A datagram that fails protection, decoding, or routing is dropped and
 *   counted; nothing from the network can throw out of `handleDatagram`.
 * - A connection's address is the source of its latest valid packet, so a
 *   client whose address changes (NAT rebinding, roaming) keeps its session.
 * - Closed connections are forgotten once their last packet has been polled.
 *
 * @module
 */

import { resolveTransportConfig, type TransportConfig } from "./config.ts";
import { Connection } from "./connection.ts";
import { DeadlineQueue } from "./deadline_queue.ts";
import { CloseCode, type ConnectionEvent } from "./events.ts";
import {
  decodeHandshake,
  decodePacket,
  HEADER_LENGTH,
  PacketType,
  peekDestination,
} from "./packet.ts";
import { Crc32cProtection, type PacketProtection } from "./protection.ts";
import { BufferPool } from "./send_queue.ts";
import { type ConnectionId, connectionId, sequenceNumber } from "./sequence.ts";

/** A UDP address; the endpoint never interprets it beyond equality. */
export interface PeerAddress {
  hostname: string;
  port: number;
}

/** A datagram to send and where to. */
export interface Transmit {
  datagram: Uint8Array;
  address: PeerAddress;
}

/** What the endpoint reports: a new incoming connection, or a connection's event. */
export type EndpointEvent =
  | { type: "accepted"; connection: Connection }
  | { type: "connection"; connection: Connection; event: ConnectionEvent };

/** Datagrams the endpoint dropped, by reason. */
export interface EndpointCounters {
  datagramsReceived: number;
  droppedCorrupt: number;
  droppedTruncated: number;
  droppedWrongVersion: number;
  droppedMalformed: number;
  droppedUnknownConnection: number;
  droppedUnexpectedInitial: number;
  droppedTooManyConnections: number;
  connectionsAccepted: number;
}

/** How an endpoint is set up. */
export interface EndpointOptions {
  /** Whether peers may open connections to us (a server). */
  acceptIncoming: boolean;
  /** Uniform random 32-bit integers; the driver passes a cryptographic source. */
  randomUint32: () => number;
  config?: Partial<TransportConfig>;
  protection?: PacketProtection;
  /** Most connections at once; Initials beyond it are refused. */
  maxConnections?: number;
}

/** A set of connections sharing one socket. */
export class Endpoint {
  readonly config: TransportConfig;
  readonly #protection: PacketProtection;
  readonly #pool: BufferPool;
  readonly #acceptIncoming: boolean;
  readonly #randomUint32: () => number;
  readonly #maxConnections: number;
  readonly #byId = new Map<ConnectionId, Connection>();
  readonly #byInitial = new Map<string, Connection>();
  readonly #addresses = new Map<Connection, PeerAddress>();
  readonly #initialKeys = new Map<Connection, string>();
  readonly #deadlines = new DeadlineQueue<Connection>();
  readonly #ready = new Set<Connection>();
  readonly #events: EndpointEvent[] = [];
  readonly #counters: EndpointCounters = {
    datagramsReceived: 0,
    droppedCorrupt: 0,
    droppedTruncated: 0,
    droppedWrongVersion: 0,
    droppedMalformed: 0,
    droppedUnknownConnection: 0,
    droppedUnexpectedInitial: 0,
    droppedTooManyConnections: 0,
    connectionsAccepted: 0,
  };

  /** An endpoint with no connections yet. */
  constructor(options: EndpointOptions) {
    this.config = resolveTransportConfig(options.config);
    this.#protection = options.protection ?? new Crc32cProtection();
    this.#pool = new BufferPool(this.config.mtu, 4096);
    this.#acceptIncoming = options.acceptIncoming;
    this.#randomUint32 = options.randomUint32;
    this.#maxConnections = options.maxConnections ?? 65_536;
  }

  // ---- getters ----

  /** A copy of the drop counters. */
  counters(): EndpointCounters {
    return { ...this.#counters };
  }

  /** Connections not yet forgotten. */
  get connectionCount(): number {
    return this.#byId.size;
  }

  /** The address a connection's packets go to. */
  addressOf(connection: Connection): PeerAddress | undefined {
    return this.#addresses.get(connection);
  }

  // ---- inputs ----

  /** Handles one received datagram; never throws for bad input. */
  handleDatagram(datagram: Uint8Array, from: PeerAddress, now: number): void {
    const counters = this.#counters;
    counters.datagramsReceived++;
    const length = this.#protection.open(datagram, HEADER_LENGTH);
    if (length < 0) {
      counters.droppedCorrupt++;
      const destination = peekDestination(datagram);
      if (destination !== null) this.#byId.get(destination)?.handleCorruptDatagram();
      return;
    }
    const packet = decodePacket(datagram, length);
    if (packet === "truncated") return void counters.droppedTruncated++;
    if (packet === "version") return void counters.droppedWrongVersion++;
    if (packet === "malformed") return void counters.droppedMalformed++;
    if (packet.type === PacketType.Initial) return this.#handleInitial(packet.payload, from, now);
    const connection = this.#byId.get(packet.destination);
    if (connection === undefined) return void counters.droppedUnknownConnection++;
    const known = this.#addresses.get(connection)!;
    if (known.port !== from.port || known.hostname !== from.hostname) {
      this.#addresses.set(connection, { hostname: from.hostname, port: from.port });
    }
    connection.handlePacket(packet, now);
    this.#touch(connection);
  }

  /** Handles every connection timer due at `now`. */
  handleTimeout(now: number): void {
    for (;;) {
      const connection = this.#deadlines.popDue(now);
      if (connection === null) return;
      connection.handleTimeout(now);
      this.#touch(connection);
    }
  }

  // ---- mutators ----

  /** Opens a client connection to `address`. */
  connect(address: PeerAddress, now: number): Connection {
    const connection = Connection.connect(this.#connectionOptions(now));
    this.#register(connection, address);
    return connection;
  }

  /** Queues a message on a connection (see Connection.send). */
  send(connection: Connection, message: Uint8Array): boolean {
    const accepted = connection.send(message);
    this.#touch(connection);
    return accepted;
  }

  /** Reads a connection's next message (see Connection.read). */
  read(connection: Connection): Uint8Array | null {
    const message = connection.read();
    if (message !== null) this.#touch(connection);
    return message;
  }

  /** Closes a connection (see Connection.close). */
  close(connection: Connection, now: number, code: number = CloseCode.Normal, reason = ""): void {
    connection.close(now, code, reason);
    this.#touch(connection);
  }

  // ---- outputs ----

  /** The next datagram to send, or null. */
  pollTransmit(now: number): Transmit | null {
    for (const connection of this.#ready) {
      const datagram = connection.pollTransmit(now);
      if (datagram !== null) {
        return { datagram, address: this.#addresses.get(connection)! };
      }
      this.#ready.delete(connection);
      this.#settle(connection);
    }
    return null;
  }

  /** The next event, or null. */
  pollEvent(): EndpointEvent | null {
    return this.#events.shift() ?? null;
  }

  /** The earliest deadline of any connection, or null. */
  pollTimeout(): number | null {
    return this.#deadlines.peek();
  }

  // ---- internals ----

  #handleInitial(payload: Uint8Array, from: PeerAddress, now: number): void {
    const parameters = decodeHandshake(payload);
    if (!this.#acceptIncoming || parameters === null) {
      this.#counters.droppedUnexpectedInitial++;
      return;
    }
    const key = `${from.hostname}|${from.port}|${parameters.sourceId}`;
    const existing = this.#byInitial.get(key);
    if (existing !== undefined) {
      existing.handlePacket(
        {
          type: PacketType.Initial,
          flags: 0,
          destination: connectionId(0),
          packetNumber: 0,
          sequence: sequenceNumber(0),
          acknowledgement: sequenceNumber(0),
          receiveWindow: 0,
          payload,
        },
        now,
      );
      this.#touch(existing);
      return;
    }
    if (this.#byId.size >= this.#maxConnections) {
      this.#counters.droppedTooManyConnections++;
      return;
    }
    const connection = Connection.accept(this.#connectionOptions(now), parameters);
    this.#register(connection, from);
    this.#byInitial.set(key, connection);
    this.#initialKeys.set(connection, key);
    this.#counters.connectionsAccepted++;
    this.#events.push({ type: "accepted", connection });
  }

  #connectionOptions(now: number) {
    return {
      config: this.config,
      protection: this.#protection,
      pool: this.#pool,
      localId: this.#freshId(),
      initialSequence: sequenceNumber(this.#randomUint32()),
      now,
    };
  }

  #freshId(): ConnectionId {
    for (;;) {
      const id = connectionId(this.#randomUint32());
      if (id !== 0 && !this.#byId.has(id)) return id;
    }
  }

  #register(connection: Connection, address: PeerAddress): void {
    this.#byId.set(connection.localId, connection);
    this.#addresses.set(connection, { hostname: address.hostname, port: address.port });
    this.#touch(connection);
  }

  /** Something changed: collect events, refresh the deadline, and offer it a chance to send. */
  #touch(connection: Connection): void {
    for (let event = connection.pollEvent(); event !== null; event = connection.pollEvent()) {
      this.#events.push({ type: "connection", connection, event });
    }
    this.#deadlines.schedule(connection, connection.pollTimeout());
    this.#ready.add(connection);
  }

  /** After its output is drained: collect events and forget the connection if it is over. */
  #settle(connection: Connection): void {
    for (let event = connection.pollEvent(); event !== null; event = connection.pollEvent()) {
      this.#events.push({ type: "connection", connection, event });
    }
    this.#deadlines.schedule(connection, connection.pollTimeout());
    if (connection.state !== "closed") return;
    this.#byId.delete(connection.localId);
    this.#addresses.delete(connection);
    this.#deadlines.remove(connection);
    const key = this.#initialKeys.get(connection);
    if (key !== undefined) {
      this.#byInitial.delete(key);
      this.#initialKeys.delete(connection);
    }
  }
}
