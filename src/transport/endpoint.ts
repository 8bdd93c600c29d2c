/**
 * A sans-IO endpoint: many connections behind one socket, told apart by the
 * destination connection id in each packet. It opens and verifies
 * datagrams, routes them, creates server connections for Initials, and
 * gathers every connection's output, events and deadlines.
 *
 * Rules:
 * - A datagram that fails decoding, routing or its connection's protection
 *   is dropped and counted; nothing from the network can throw out of
 *   `handleDatagram`.
 * - Address validation first: an Initial without a valid token gets a Retry
 *   carrying one and nothing else. The server keeps no state and does no
 *   public-key work for an address that has not echoed a token, and sends it
 *   a Retry smaller than a third of the (padded) Initial it received.
 * - A connection's address is the source of its latest valid packet, so a
 *   client whose address changes (NAT rebinding, roaming) keeps its session.
 * - Closed connections are forgotten once their last packet has been polled.
 *
 * @module
 */

import { bytesToHex } from "../bytes.ts";
import { resolveTransportConfig, type TransportConfig } from "./config.ts";
import { Connection } from "./connection.ts";
import { DeadlineQueue } from "./deadline_queue.ts";
import { CloseCode, type ConnectionEvent } from "./events.ts";
import {
  decodeInitialPayload,
  decodePacket,
  encodeHeader,
  HEADER_LENGTH,
  isHandshakeType,
  type Packet,
  PacketType,
} from "./packet.ts";
import type { SecurityProvider } from "./security.ts";
import { BufferPool } from "./send_queue.ts";
import { type ConnectionId, connectionId, sequenceNumber } from "./sequence.ts";

/**
 * Smallest Initial a server answers: padding makes a spoofed Initial cost
 * more than the Retry it draws (44 bytes), well within the 3x rule.
 */
export const MIN_INITIAL_LENGTH = 512;

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
  /** Failed authentication (bad MAC, wrong key, corrupted in transit). */
  droppedForged: number;
  /** Authentic, but seen before. */
  droppedReplayed: number;
  droppedTruncated: number;
  droppedWrongVersion: number;
  droppedMalformed: number;
  droppedUnknownConnection: number;
  droppedUnexpectedInitial: number;
  droppedTooManyConnections: number;
  /** Initials shorter than MIN_INITIAL_LENGTH. */
  droppedShortInitial: number;
  /** Initials whose token was stale, forged, or for another address. */
  droppedBadToken: number;
  /** Initials with a valid token whose handshake message failed. */
  droppedBadHandshake: number;
  retriesSent: number;
  /** Bytes received from, and sent to, addresses not yet validated (the 3x rule). */
  unvalidatedBytesReceived: number;
  unvalidatedBytesSent: number;
  connectionsAccepted: number;
}

/** Fresh counters, all zero. */
export function createEndpointCounters(): EndpointCounters {
  return {
    datagramsReceived: 0,
    droppedForged: 0,
    droppedReplayed: 0,
    droppedTruncated: 0,
    droppedWrongVersion: 0,
    droppedMalformed: 0,
    droppedUnknownConnection: 0,
    droppedUnexpectedInitial: 0,
    droppedTooManyConnections: 0,
    droppedShortInitial: 0,
    droppedBadToken: 0,
    droppedBadHandshake: 0,
    retriesSent: 0,
    unvalidatedBytesReceived: 0,
    unvalidatedBytesSent: 0,
    connectionsAccepted: 0,
  };
}

/** How an endpoint is set up. */
export interface EndpointOptions {
  /** Whether peers may open connections to us (a server). */
  acceptIncoming: boolean;
  /** Uniform random 32-bit integers; the driver passes a cryptographic source. */
  randomUint32: () => number;
  config?: Partial<TransportConfig>;
  /** The secure channel: handshake, packet protection, retry tokens. */
  security: SecurityProvider;
  /** Most connections at once; Initials beyond it are refused. */
  maxConnections?: number;
}

/** A set of connections sharing one socket. */
export class Endpoint {
  readonly config: TransportConfig;
  readonly #security: SecurityProvider;
  readonly #statelessTransmits: Transmit[] = [];
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
  readonly #counters: EndpointCounters = createEndpointCounters();

  /** An endpoint with no connections yet. */
  constructor(options: EndpointOptions) {
    this.config = resolveTransportConfig(options.config);
    this.#security = options.security;
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
    const header = decodePacket(datagram);
    if (header === "truncated") return void counters.droppedTruncated++;
    if (header === "version") return void counters.droppedWrongVersion++;
    if (header === "malformed") return void counters.droppedMalformed++;
    if (header.type === PacketType.Initial) return this.#handleInitial(datagram, header, from, now);
    const connection = this.#byId.get(header.destination);
    if (connection === undefined) return void counters.droppedUnknownConnection++;
    let packet: Packet = header;
    if (isHandshakeType(header.type)) {
      if (!connection.acceptsHandshakePacket(header)) return void counters.droppedForged++;
    } else {
      const opened = connection.open(datagram, header.packetNumber);
      if (opened === "forged") return void counters.droppedForged++;
      if (opened === "replayed") return void counters.droppedReplayed++;
      packet = { ...header, payload: datagram.subarray(HEADER_LENGTH, opened) };
      // Only an authenticated packet may move the connection to a new address.
      const known = this.#addresses.get(connection)!;
      if (known.port !== from.port || known.hostname !== from.hostname) {
        this.#addresses.set(connection, { hostname: from.hostname, port: from.port });
      }
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
    const options = this.#connectionOptions(now);
    const handshake = this.#security.startClient({
      sourceId: options.localId,
      initialSequence: options.initialSequence,
    });
    const connection = Connection.connect(options, handshake);
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

  /** The next datagram to send, or null; its bytes are valid until the next call. */
  pollTransmit(now: number): Transmit | null {
    const stateless = this.#statelessTransmits.shift();
    if (stateless !== undefined) return stateless;
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

  #handleInitial(datagram: Uint8Array, header: Packet, from: PeerAddress, now: number): void {
    const counters = this.#counters;
    const initial = decodeInitialPayload(header.payload);
    const parameters = initial && this.#security.peekClientParameters(initial.message);
    if (!this.#acceptIncoming || !initial || !parameters || header.destination !== 0) {
      counters.droppedUnexpectedInitial++;
      return;
    }
    if (datagram.length < MIN_INITIAL_LENGTH) return void counters.droppedShortInitial++;
    // The handshake message is part of the key: a copy corrupted on the path
    // (which the client will never accept) must not capture the genuine one.
    const key = `${from.hostname}|${from.port}|${parameters.sourceId}|${
      bytesToHex(initial.message)
    }`;
    const existing = this.#byInitial.get(key);
    if (existing !== undefined) {
      existing.handlePacket(header, now); // a retransmitted Initial: repeat the Accept
      this.#touch(existing);
      return;
    }
    const address = `${from.hostname}|${from.port}`;
    if (!this.#security.checkToken(initial.token, address, parameters.sourceId, now)) {
      if (initial.token.length > 0) counters.droppedBadToken++;
      counters.unvalidatedBytesReceived += datagram.length;
      const token = this.#security.issueToken(address, parameters.sourceId, now);
      this.#sendRetry(from, parameters.sourceId, header.packetNumber, token);
      return;
    }
    if (this.#byId.size >= this.#maxConnections) {
      counters.droppedTooManyConnections++;
      return;
    }
    const options = this.#connectionOptions(now);
    const handshake = this.#security.answer(initial.message, {
      sourceId: options.localId,
      initialSequence: options.initialSequence,
    });
    if (handshake === null) return void counters.droppedBadHandshake++;
    const connection = Connection.accept(options, handshake, header.packetNumber);
    this.#register(connection, from);
    this.#byInitial.set(key, connection);
    this.#initialKeys.set(connection, key);
    counters.connectionsAccepted++;
    this.#events.push({ type: "accepted", connection });
  }

  /** A stateless Retry: header and token, nothing remembered. */
  #sendRetry(
    to: PeerAddress,
    clientId: ConnectionId,
    initialPacketNumber: number,
    token: Uint8Array,
  ): void {
    const datagram = new Uint8Array(HEADER_LENGTH + token.length);
    encodeHeader(datagram, {
      type: PacketType.Retry,
      flags: 0,
      destination: clientId,
      packetNumber: 0,
      sequence: sequenceNumber(0),
      // Echoes the Initial's packet number, so the client can time the round trip.
      acknowledgement: sequenceNumber(initialPacketNumber),
      receiveWindow: 0,
    });
    datagram.set(token, HEADER_LENGTH);
    this.#counters.retriesSent++;
    this.#counters.unvalidatedBytesSent += datagram.length;
    this.#statelessTransmits.push({ datagram, address: { hostname: to.hostname, port: to.port } });
  }

  #connectionOptions(now: number) {
    return {
      config: this.config,
      protectionOverhead: this.#security.packetOverhead,
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
