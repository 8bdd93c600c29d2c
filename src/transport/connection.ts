/**
 * One go-back-N connection as a pure state machine: no sockets, no clock, no
 * randomness of its own. Its owner (an Endpoint) feeds it decoded packets and
 * the time, and drains what it wants to send, when it wants to wake, and what
 * happened.
 *
 * Theory of operation:
 * - States: connecting (client, Initial sent) -> established -> closing (our
 *   Close sent, awaiting CloseAck) or draining (peer's Close answered) ->
 *   closed. A server connection starts established: the endpoint creates it
 *   for an Initial with a valid token, and it answers each copy of that
 *   Initial with the same Accept. A client answers a Retry by repeating its
 *   Initial with the token.
 * - Security: the Initial and Accept carry the secure channel's handshake
 *   messages (see security.ts); every other packet is sealed with the
 *   handshake's keys, its header authenticated, its payload encrypted.
 * - Sending: messages become a framed byte stream (SendQueue); a data packet
 *   leaves while packets in flight < min(congestion window, peer's window).
 *   Every packet carries our cumulative acknowledgement and receive window.
 * - Receiving: only the next in-order packet is accepted; anything else is
 *   dropped and answered with a duplicate acknowledgement (flagged
 *   OutOfOrder, so a peer's piggybacked acks are never mistaken for one).
 * - Loss: one timer for the oldest unacknowledged packet. It first fires as a
 *   tail-loss probe (2 SRTT + max ack delay), then as the RFC 6298
 *   retransmission timeout with backoff. Three duplicate acknowledgements
 *   trigger a fast retransmit. Every recovery goes back N: the cursor returns
 *   to the oldest unacknowledged packet and everything after it is resent.
 * - Acknowledging: at once for a short packet (the sender's queue ran dry, as
 *   after a chat line), for every `ackEveryPackets` full packets, for anything
 *   out of order, a Ping or a packet flagged AckRequested (which the sender
 *   sets on the packet that fills its window or empties its queue, and on
 *   every recovery); otherwise within `maxAckDelay`.
 *
 * Call order for the owner: `handlePacket`/`handleTimeout`/mutators, then
 * `pollTransmit` until null, then `pollEvent` until null, then `pollTimeout`.
 *
 * @module
 */

import { bytesEqual } from "../bytes.ts";
import { ProtocolViolation, UsageError } from "../errors.ts";
import type { TransportConfig } from "./config.ts";
import { CongestionController } from "./congestion.ts";
import { CloseCode, type CloseInfo, type ConnectionEvent, type ConnectionStats } from "./events.ts";
import {
  decodeClosePayload,
  encodeClosePayload,
  encodeHeader,
  encodeInitialPayload,
  HEADER_LENGTH,
  MAX_TOKEN_LENGTH,
  type Packet,
  PacketFlags,
  PacketType,
} from "./packet.ts";
import type {
  ClientHandshake,
  OpenFailure,
  PacketProtection,
  ServerHandshakeOutcome,
} from "./security.ts";
import { ReceiveQueue } from "./receive_queue.ts";
import { RttEstimator } from "./rtt.ts";
import { type BufferPool, SendQueue } from "./send_queue.ts";
import {
  type ConnectionId,
  connectionId,
  sequenceAdd,
  sequenceDistance,
  type SequenceNumber,
  sequenceNumber,
} from "./sequence.ts";
import { Timer, TimerTable } from "./timers.ts";
import { createStats } from "./_stats.ts";

/** Where a connection is in its life. */
export type ConnectionState = "connecting" | "established" | "closing" | "draining" | "closed";

/** What every connection needs from its endpoint. */
export interface ConnectionOptions {
  config: TransportConfig;
  /** Bytes the packet protection adds (the AEAD tag). */
  protectionOverhead: number;
  pool: BufferPool;
  /** The id the peer puts on packets to us. */
  localId: ConnectionId;
  /** Our first data packet's sequence number (random, chosen by the endpoint). */
  initialSequence: SequenceNumber;
  now: number;
}

/** Duplicate acks after the last progress that are always sent; later ones are thinned. */
const DUPLICATE_ACKS_ALWAYS_SENT = 4;
/** After those, one duplicate ack per this many out-of-order packets. */
const DUPLICATE_ACK_THINNING = 16;
/** Duplicate acks that trigger a fast retransmit (RFC 5681). */
const FAST_RETRANSMIT_THRESHOLD = 3;
/** Close packets sent before giving up on a CloseAck. */
const MAX_CLOSE_ATTEMPTS = 3;
/** Smallest tail-loss probe timeout, so a zero RTT on loopback cannot spin. */
const MIN_PROBE_TIMEOUT = 2;
/** Retries a client follows before it ignores more (a path that keeps asking is broken or hostile). */
const MAX_RETRIES = 3;

/** A go-back-N connection. See the module documentation for its rules. */
export class Connection {
  readonly #config: TransportConfig;
  #protection: PacketProtection | null = null;
  #clientHandshake: ClientHandshake | null = null;
  #acceptMessage: Uint8Array | null = null;
  #token: Uint8Array = new Uint8Array(0);
  #retriesFollowed = 0;
  #peerIdentity: Uint8Array | null = null;
  /** Where data packets are sealed for sending; allocated on the first one. */
  #sealBuffer: Uint8Array | null = null;
  readonly #maxPayload: number;
  readonly #timers = new TimerTable();
  readonly #rtt: RttEstimator;
  readonly #congestion: CongestionController;
  readonly #send: SendQueue;
  #receive: ReceiveQueue | null = null;
  readonly #events: ConnectionEvent[] = [];
  readonly #stats: ConnectionStats = createStats();
  readonly #isClient: boolean;
  #state: ConnectionState;
  readonly #localId: ConnectionId;
  #remoteId: ConnectionId = connectionId(0);
  #nextPacketNumber = 0;
  /** When the connection began: the handshake gives up `handshakeTimeout` after it. */
  readonly #createdAt: number;
  /** When the server sent its first Accept (for its first RTT sample). */
  #handshakeStartedAt: number;
  /** Send times of the client's Initials by packet number: Retry and Accept echo it. */
  readonly #initialSendTimes = new Map<number, number>();
  /** The packet number of the latest Initial the server answers. */
  #answeredInitial = 0;
  /** Initial (client) or Accept (server) transmissions, for Karn's rule on the handshake. */
  #handshakeTransmissions = 0;
  #peerConfirmed = false;
  #pendingHandshake = false;
  #pendingClose = false;
  #pendingCloseAck = false;
  #closeAttempts = 0;
  #closeInfo: CloseInfo | null = null;
  #ackNow = false;
  #unacknowledgedReceived = 0;
  #pendingDuplicateAcks = 0;
  #outOfOrderSinceProgress = 0;
  #lastAdvertisedWindow = 0;
  /** First sequence beyond every window we advertised: the peer must not send it yet. */
  #windowEdge: SequenceNumber = sequenceNumber(0);
  #pendingPing = false;
  #requestAckOnNext = false;
  #duplicateAckCount = 0;
  #lastFastRetransmitAck: SequenceNumber | null = null;
  #probesSinceProgress = 0;
  #consecutiveTimeouts = 0;
  #peerWindow: number;
  #sendBlocked = false;
  #wasFlushed = true;

  private constructor(options: ConnectionOptions, isClient: boolean) {
    const { config } = options;
    this.#config = config;
    this.#maxPayload = config.mtu - HEADER_LENGTH - options.protectionOverhead;
    this.#rtt = new RttEstimator(config);
    this.#congestion = new CongestionController(config.initialWindow, config.maxWindow);
    this.#send = new SendQueue(options.initialSequence, this.#maxPayload, options.pool);
    this.#isClient = isClient;
    this.#state = isClient ? "connecting" : "established";
    this.#localId = options.localId;
    this.#handshakeStartedAt = options.now;
    this.#createdAt = options.now;
    this.#peerWindow = config.initialWindow;
    // A connecting client is bounded by the handshake timeout; its idle
    // timer starts once it is established.
    if (!isClient) this.#timers.set(Timer.Idle, options.now + config.handshakeTimeout);
  }

  /** A client connection; its first transmission is the Initial carrying `handshake`'s message. */
  static connect(options: ConnectionOptions, handshake: ClientHandshake): Connection {
    const connection = new Connection(options, true);
    connection.#clientHandshake = handshake;
    connection.#pendingHandshake = true;
    connection.#timers.set(Timer.Loss, options.now + connection.#rtt.retransmissionTimeout);
    return connection;
  }

  /** A server connection for a validated Initial; its first transmission is the Accept. */
  static accept(
    options: ConnectionOptions,
    handshake: ServerHandshakeOutcome,
    initialPacketNumber: number,
  ): Connection {
    const connection = new Connection(options, false);
    connection.#answeredInitial = initialPacketNumber;
    connection.#remoteId = handshake.parameters.sourceId;
    connection.#protection = handshake.protection;
    connection.#acceptMessage = handshake.reply;
    connection.#startReceiving(handshake.parameters.initialSequence);
    connection.#pendingHandshake = true;
    connection.#timers.set(Timer.Keepalive, options.now + options.config.keepaliveInterval);
    return connection;
  }

  // ---- getters ----

  /** The connection's state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The id the peer addresses us by. */
  get localId(): ConnectionId {
    return this.#localId;
  }

  /** The id we address the peer by (0 until a client is accepted). */
  get remoteId(): ConnectionId {
    return this.#remoteId;
  }

  /** The identity the peer proved in the handshake (a server's static public key), if any. */
  get peerIdentity(): Uint8Array | null {
    return this.#peerIdentity;
  }

  /** How the connection ended, once it has. */
  get closeInfo(): CloseInfo | null {
    return this.#closeInfo;
  }

  /** Whether every message sent so far has been acknowledged. */
  get isFlushed(): boolean {
    return this.#send.isEmpty;
  }

  /** Whether a received message is waiting to be read. */
  get hasUnread(): boolean {
    return (this.#receive?.unreadCount ?? 0) > 0;
  }

  /** Whether `send` would accept a message of `size` bytes now. */
  canSend(size: number): boolean {
    const queued = this.#send.unsentBytes;
    return queued === 0 || queued + size <= this.#config.sendBufferSize;
  }

  /** A snapshot of the counters. */
  stats(): ConnectionStats {
    const stats = { ...this.#stats };
    stats.smoothedRttMs = this.#rtt.smoothed;
    stats.rttVarianceMs = this.#rtt.variance;
    stats.minRttMs = this.#rtt.minimum;
    stats.retransmissionTimeoutMs = this.#rtt.retransmissionTimeout;
    stats.congestionWindow = this.#congestion.window;
    stats.slowStartThreshold = this.#congestion.slowStartThreshold;
    stats.peerReceiveWindow = this.#peerWindow;
    stats.packetsInFlight = this.#send.inFlight;
    stats.messagesReceived = this.#receive?.messagesDelivered ?? 0;
    return stats;
  }

  // ---- inputs ----

  /** Handles a packet addressed to this connection whose protection was verified. */
  handlePacket(packet: Packet, now: number): void {
    if (this.#state === "closed") return;
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += packet.payload.length + HEADER_LENGTH;
    switch (packet.type) {
      case PacketType.Initial:
        if (!this.#isClient) {
          this.#pendingHandshake = true;
          this.#answeredInitial = packet.packetNumber;
        }
        return;
      case PacketType.Accept:
        return this.#handleAccept(packet, now);
      case PacketType.Retry:
        return this.#handleRetry(packet, now);
    }
    // Only authenticated packets prove the peer is alive (handshake packets
    // are not sealed: anyone who knows our connection id could send them).
    if (!this.#peerConfirmed && this.#state === "established") this.#confirmPeer(now);
    this.#refreshIdleTimer(now);
    switch (packet.type) {
      case PacketType.Close:
        return this.#handleClose(packet, now);
      case PacketType.CloseAck:
        if (this.#state === "closing") this.#finish(this.#closeInfo!, false);
        return;
    }
    if (this.#state !== "established") return;
    if (!this.#handleAcknowledgement(packet, now)) return;
    if (packet.type === PacketType.Data) this.#handleData(packet, now);
    if (packet.type === PacketType.Ping || (packet.flags & PacketFlags.AckRequested) !== 0) {
      this.#ackNow = true;
    }
  }

  /**
   * Whether an unsealed handshake packet (Accept, Retry) addressed to us is
   * one we can use: a client still connecting takes them; an established
   * client takes only an exact repeat of the Accept it completed with (its
   * acknowledgement was lost). Anything else — a forgery by someone who
   * knows our id, a sealed packet whose type byte was flipped — is refused
   * and counted here, so no unauthenticated packet acts on a live
   * connection.
   */
  acceptsHandshakePacket(packet: Packet): boolean {
    const usable = this.#isClient && (
      this.#state === "connecting" ||
      (this.#state === "established" && packet.type === PacketType.Accept &&
        this.#acceptMessage !== null && bytesEqual(packet.payload, this.#acceptMessage))
    );
    if (!usable) this.#stats.forgedPacketsDropped++;
    return usable;
  }

  /**
   * Opens a protected datagram addressed to us, in place; returns the length
   * of header plus plaintext, or why it was dropped (counted here).
   */
  open(datagram: Uint8Array, truncatedPacketNumber: number): number | OpenFailure {
    if (this.#protection === null) {
      this.#stats.forgedPacketsDropped++;
      return "forged";
    }
    const outcome = this.#protection.open(datagram, HEADER_LENGTH, truncatedPacketNumber);
    if (outcome === "forged") this.#stats.forgedPacketsDropped++;
    else if (outcome === "replayed") this.#stats.replayedPacketsDropped++;
    return outcome;
  }

  /** Handles every timer that is due at `now`. */
  handleTimeout(now: number): void {
    if (this.#state === "closed") return;
    const timers = this.#timers;
    if (timers.isExpired(Timer.Idle, now)) {
      const seconds = Math.round(this.#config.idleTimeout / 1000);
      return this.#fail(CloseCode.IdleTimeout, `idle timeout: nothing heard for ${seconds} s`);
    }
    if (timers.isExpired(Timer.Close, now)) {
      timers.clear(Timer.Close);
      if (this.#state === "draining") return this.#finish(this.#closeInfo!, false);
      if (this.#state === "closing") {
        if (this.#closeAttempts >= MAX_CLOSE_ATTEMPTS) return this.#finish(this.#closeInfo!, false);
        this.#pendingClose = true;
        timers.set(Timer.Close, now + this.#rtt.retransmissionTimeout);
      }
    }
    if (timers.isExpired(Timer.Loss, now)) {
      timers.clear(Timer.Loss);
      if (this.#state === "connecting") this.#onHandshakeTimeout(now);
      else if (this.#state === "established") this.#onLossTimeout(now);
    }
    if (timers.isExpired(Timer.Ack, now)) {
      timers.clear(Timer.Ack);
      this.#ackNow = true;
    }
    if (timers.isExpired(Timer.Keepalive, now)) {
      timers.clear(Timer.Keepalive);
      if (this.#state === "established") this.#pendingPing = true;
    }
    if (timers.isExpired(Timer.Persist, now)) {
      timers.clear(Timer.Persist);
      if (this.#state === "established" && this.#peerWindow === 0) this.#pendingPing = true;
    }
  }

  // ---- mutators ----

  /**
   * Queues a message. Returns false, queueing nothing, when the send buffer
   * is full: wait for a "writable" event and try again.
   */
  send(message: Uint8Array): boolean {
    if (this.#state !== "established" && this.#state !== "connecting") {
      throw new UsageError("Cannot send: the connection is closed");
    }
    if (message.length > this.#config.maxMessageSize) {
      throw new UsageError(
        `Cannot send: message of ${message.length} bytes exceeds the limit of ${this.#config.maxMessageSize}`,
      );
    }
    if (!this.canSend(message.length)) {
      this.#sendBlocked = true;
      return false;
    }
    this.#send.enqueue(message);
    this.#stats.messagesSent++;
    this.#wasFlushed = false;
    return true;
  }

  /** The next received message, in order, or null; reading reopens the receive window. */
  read(): Uint8Array | null {
    const message = this.#receive?.read() ?? null;
    if (message !== null) {
      const window = this.#advertisedWindow();
      if (window > this.#lastAdvertisedWindow && window >= 2 * this.#lastAdvertisedWindow) {
        this.#ackNow = true;
      }
    }
    return message;
  }

  /** Starts an orderly close: unsent and unacknowledged data is abandoned. */
  close(now: number, code: number = CloseCode.Normal, reason = ""): void {
    if (this.#state === "closed" || this.#state === "closing" || this.#state === "draining") return;
    const info: CloseInfo = { code, reason, initiator: "local" };
    if (this.#state === "connecting") return this.#finish(info, false);
    this.#closeInfo = info;
    this.#state = "closing";
    this.#pendingClose = true;
    this.#timers.clearAll();
    this.#timers.set(Timer.Close, now + this.#rtt.retransmissionTimeout);
  }

  // ---- outputs ----

  /**
   * The next datagram to send, or null when there is nothing (more) to send
   * now. The bytes are valid until the next call: send (or copy) them first.
   */
  pollTransmit(now: number): Uint8Array | null {
    if (this.#pendingClose) {
      this.#pendingClose = false;
      this.#closeAttempts++;
      const info = this.#closeInfo!;
      return this.#control(PacketType.Close, 0, encodeClosePayload(info.code, info.reason), now);
    }
    if (this.#pendingCloseAck) {
      this.#pendingCloseAck = false;
      return this.#control(PacketType.CloseAck, 0, EMPTY, now);
    }
    if (this.#state === "connecting") {
      return this.#pendingHandshake ? this.#handshakePacket(PacketType.Initial, now) : null;
    }
    if (this.#state !== "established") return null;
    if (this.#pendingHandshake) return this.#handshakePacket(PacketType.Accept, now);
    const data = this.#transmitData(now);
    if (data !== null) return data;
    if (this.#pendingDuplicateAcks > 0) {
      this.#pendingDuplicateAcks--;
      return this.#control(PacketType.Ack, PacketFlags.OutOfOrder, EMPTY, now);
    }
    if (this.#ackNow) return this.#control(PacketType.Ack, 0, EMPTY, now);
    if (this.#pendingPing) {
      this.#pendingPing = false;
      return this.#control(PacketType.Ping, PacketFlags.AckRequested, EMPTY, now);
    }
    return null;
  }

  /** The earliest time `handleTimeout` should be called, or null. */
  pollTimeout(): number | null {
    return this.#timers.next();
  }

  /** The next event, or null. */
  pollEvent(): ConnectionEvent | null {
    return this.#events.shift() ?? null;
  }

  // ---- internals: receiving ----

  #handleAccept(packet: Packet, now: number): void {
    if (this.#state === "established") {
      this.#ackNow = true; // a repeat of our Accept: our acknowledgement was lost
      return;
    }
    if (this.#state !== "connecting") return;
    const outcome = this.#clientHandshake!.complete(packet.payload);
    if (outcome === null) {
      this.#stats.forgedPacketsDropped++;
      return;
    }
    const { parameters } = outcome;
    this.#acceptMessage = packet.payload.slice();
    this.#protection = outcome.protection;
    this.#peerIdentity = outcome.peerIdentity;
    this.#clientHandshake = null;
    this.#remoteId = parameters.sourceId;
    this.#startReceiving(parameters.initialSequence);
    this.#sampleHandshakeRoundTrip(packet, now);
    this.#initialSendTimes.clear();
    // The Accept's header is not authenticated: its window is ignored, and
    // the first sealed packet from the server brings the real one.
    this.#state = "established";
    this.#pendingHandshake = false;
    this.#ackNow = true;
    this.#timers.clear(Timer.Loss);
    this.#timers.set(Timer.Keepalive, now + this.#config.keepaliveInterval);
    this.#timers.set(Timer.Idle, now + this.#config.idleTimeout);
    this.#events.push({ type: "connected" });
  }

  /** A Retry asks the client to repeat its Initial with the token it carries. */
  #handleRetry(packet: Packet, now: number): void {
    if (this.#state !== "connecting" || this.#retriesFollowed >= MAX_RETRIES) return;
    if (packet.payload.length === 0 || packet.payload.length > MAX_TOKEN_LENGTH) return;
    this.#retriesFollowed++;
    // The Retry answered one of our Initials: a round trip to measure, after
    // which a lost Initial is retried at the RTO rather than after 1 s.
    this.#sampleHandshakeRoundTrip(packet, now);
    this.#token = packet.payload.slice();
    this.#pendingHandshake = true;
    this.#timers.set(Timer.Loss, now + this.#rtt.retransmissionTimeout);
  }

  /**
   * Retry and Accept echo the packet number of the Initial they answer, so
   * even a retransmitted Initial gives an unambiguous sample (as QUIC's
   * packet numbers do; Karn's rule is for data, whose acknowledgements
   * cannot tell copies apart).
   */
  #sampleHandshakeRoundTrip(packet: Packet, now: number): void {
    const sentAt = this.#initialSendTimes.get(packet.acknowledgement);
    if (sentAt !== undefined) this.#rtt.addSample(now - sentAt);
    this.#rtt.resetBackoff();
  }

  /** The peer starts with our initial window, as we start with its (see #peerWindow). */
  #startReceiving(initialSequence: SequenceNumber): void {
    this.#receive = new ReceiveQueue(initialSequence, this.#config.maxMessageSize);
    this.#windowEdge = sequenceAdd(initialSequence, this.#config.initialWindow);
  }

  /**
   * Idle timeout from the last authenticated packet. A server connection the
   * client has not yet confirmed (made from an Initial that may have been
   * corrupted on the path) lives only for the handshake timeout.
   */
  #refreshIdleTimer(now: number): void {
    const unconfirmed = !this.#isClient && !this.#peerConfirmed;
    const timeout = unconfirmed ? this.#config.handshakeTimeout : this.#config.idleTimeout;
    this.#timers.set(Timer.Idle, now + timeout);
  }

  /** A server's first packet from its client after the Accept: the handshake's round trip. */
  #confirmPeer(now: number): void {
    this.#peerConfirmed = true;
    if (!this.#isClient && this.#handshakeTransmissions === 1 && !this.#rtt.hasSample) {
      this.#rtt.addSample(now - this.#handshakeStartedAt);
    }
  }

  #handleClose(packet: Packet, now: number): void {
    if (this.#state === "connecting") return;
    this.#pendingCloseAck = true;
    if (this.#state === "draining") return;
    const decoded = decodeClosePayload(packet.payload);
    const info: CloseInfo = {
      code: decoded?.code ?? CloseCode.ProtocolViolation,
      reason: decoded?.reason ?? "malformed close",
      initiator: "peer",
    };
    if (this.#state === "closing") return this.#finish(this.#closeInfo!, false);
    this.#closeInfo = info;
    this.#state = "draining";
    this.#timers.clearAll();
    this.#timers.set(Timer.Close, now + 3 * this.#rtt.retransmissionTimeout);
    this.#events.push({ type: "closed", info });
  }

  /** Processes the acknowledgement and window every packet carries; false drops the packet. */
  #handleAcknowledgement(packet: Packet, now: number): boolean {
    const send = this.#send;
    const acknowledged = sequenceDistance(send.oldest, packet.acknowledgement);
    if (acknowledged > send.builtCount) {
      this.#stats.invalidAcknowledgements++;
      return false;
    }
    if (acknowledged < 0) return true; // a stale, reordered packet: its data may still be new
    this.#peerWindow = packet.receiveWindow;
    if (this.#peerWindow > 0) this.#timers.clear(Timer.Persist);
    if (acknowledged === 0) {
      if ((packet.flags & PacketFlags.OutOfOrder) !== 0 && send.builtCount > 0) {
        this.#onDuplicateAck(packet.acknowledgement, now);
      }
      return true;
    }
    const newest = send.packetAt(acknowledged - 1)!;
    if (newest.transmissions === 1) this.#rtt.addSample(now - newest.sentAt);
    send.acknowledge(packet.acknowledgement);
    this.#congestion.onAcknowledged(acknowledged, this.#rtt.smoothed, this.#rtt.minimum);
    this.#rtt.resetBackoff();
    this.#consecutiveTimeouts = 0;
    this.#probesSinceProgress = 0;
    this.#duplicateAckCount = 0;
    this.#armLossTimer(now, true);
    if (send.isEmpty && !this.#wasFlushed) {
      this.#wasFlushed = true;
      this.#events.push({ type: "flushed" });
    }
    return true;
  }

  #onDuplicateAck(acknowledgement: SequenceNumber, now: number): void {
    if (++this.#duplicateAckCount !== FAST_RETRANSMIT_THRESHOLD) return;
    if (this.#lastFastRetransmitAck === acknowledgement) return; // stale duplicates of one hole
    this.#lastFastRetransmitAck = acknowledgement;
    this.#stats.fastRetransmits++;
    this.#congestion.onLoss(
      acknowledgement,
      this.#send.nextNewSequence,
      this.#rtt.smoothed,
      this.#rtt.minimum,
    );
    this.#send.rewind();
    this.#armLossTimer(now, true);
  }

  #handleData(packet: Packet, now: number): void {
    const receive = this.#receive!;
    const distance = sequenceDistance(receive.expected, packet.sequence);
    if (distance < 0) {
      this.#stats.duplicatePacketsReceived++;
      this.#ackNow = true;
      return;
    }
    if (distance > 0) {
      this.#stats.outOfOrderPacketsDropped++;
      const count = ++this.#outOfOrderSinceProgress;
      if (count <= DUPLICATE_ACKS_ALWAYS_SENT || count % DUPLICATE_ACK_THINNING === 0) {
        this.#pendingDuplicateAcks++;
      }
      return;
    }
    if (sequenceDistance(this.#windowEdge, packet.sequence) >= 0) {
      this.#stats.beyondWindowPacketsDropped++;
      this.#ackNow = true;
      return;
    }
    const hadUnread = receive.unreadCount > 0;
    const violation = receive.accept(packet.payload);
    if (violation !== null) {
      return this.#fail(CloseCode.ProtocolViolation, new ProtocolViolation(violation).message);
    }
    this.#outOfOrderSinceProgress = 0;
    if (!hadUnread && receive.unreadCount > 0) this.#events.push({ type: "readable" });
    this.#unacknowledgedReceived++;
    if (
      packet.payload.length < this.#maxPayload ||
      this.#unacknowledgedReceived >= this.#config.ackEveryPackets
    ) {
      this.#ackNow = true;
    } else if (!this.#timers.isSet(Timer.Ack)) {
      this.#timers.set(Timer.Ack, now + this.#config.maxAckDelay);
    }
  }

  // ---- internals: loss recovery ----

  #onHandshakeTimeout(now: number): void {
    if (now - this.#createdAt >= this.#config.handshakeTimeout) {
      const seconds = Math.round(this.#config.handshakeTimeout / 1000);
      return this.#fail(CloseCode.Unreachable, `no answer from the server in ${seconds} s`);
    }
    this.#rtt.backOff();
    this.#pendingHandshake = true;
    const giveUpAt = this.#createdAt + this.#config.handshakeTimeout;
    this.#timers.set(Timer.Loss, Math.min(now + this.#rtt.retransmissionTimeout, giveUpAt));
  }

  #onLossTimeout(now: number): void {
    if (this.#send.builtCount === 0) return;
    if (this.#probesSinceProgress === 0 && this.#rtt.hasSample) {
      this.#probesSinceProgress++;
      this.#stats.probeTimeouts++;
    } else {
      if (++this.#consecutiveTimeouts > this.#config.maxConsecutiveTimeouts) {
        return this.#fail(
          CloseCode.Unreachable,
          `peer unreachable: no acknowledgement after ${this.#consecutiveTimeouts} timeouts`,
        );
      }
      this.#stats.retransmissionTimeouts++;
      this.#rtt.backOff();
      this.#congestion.onTimeout(this.#send.nextNewSequence);
    }
    this.#send.rewind();
    this.#requestAckOnNext = true;
    this.#timers.set(Timer.Loss, now + this.#rtt.retransmissionTimeout);
  }

  /** Arms the loss timer for the oldest packet in flight, restarting it when asked. */
  #armLossTimer(now: number, restart: boolean): void {
    if (this.#send.builtCount === 0) {
      this.#timers.clear(Timer.Loss);
      return;
    }
    if (!restart && this.#timers.isSet(Timer.Loss)) return;
    const timeout = this.#probesSinceProgress === 0 && this.#rtt.hasSample
      ? this.#probeTimeout()
      : this.#rtt.retransmissionTimeout;
    this.#timers.set(Timer.Loss, now + timeout);
  }

  /** Tail-loss probe timeout (RFC 8985): 2 SRTT plus the peer's ack delay, below the RTO. */
  #probeTimeout(): number {
    const probe = Math.max(MIN_PROBE_TIMEOUT, 2 * this.#rtt.smoothed) + this.#config.maxAckDelay;
    return Math.min(probe, this.#rtt.retransmissionTimeout);
  }

  // ---- internals: transmitting ----

  #transmitData(now: number): Uint8Array | null {
    const send = this.#send;
    if (!send.hasPending) return null;
    const window = Math.min(this.#congestion.window, this.#peerWindow);
    if (send.inFlight >= window) {
      if (this.#peerWindow === 0 && send.inFlight === 0 && !this.#timers.isSet(Timer.Persist)) {
        this.#timers.set(Timer.Persist, now + this.#rtt.retransmissionTimeout);
      }
      return null;
    }
    const packet = send.takeNext()!;
    const isRetransmission = packet.transmissions > 0;
    // Ask for an immediate acknowledgement when this packet fills the window
    // or empties the queue: the receiver acknowledges only every few full
    // packets, and a sender that must wait for that would stall.
    const lastForNow = send.inFlight >= window || !send.hasPending;
    const flags = this.#requestAckOnNext || lastForNow ? PacketFlags.AckRequested : 0;
    this.#requestAckOnNext = false;
    // The queue keeps the plaintext, so a retransmission is sealed afresh
    // under a new packet number; the sealed copy lives only until the next poll.
    const sealed = this.#sealBuffer ??= new Uint8Array(this.#config.mtu);
    sealed.set(packet.buffer.subarray(HEADER_LENGTH, packet.length), HEADER_LENGTH);
    const packetNumber = this.#writeHeader(
      sealed,
      PacketType.Data,
      flags,
      sequenceAdd(send.cursorSequence, -1),
    );
    const length = this.#protection!.seal(sealed, HEADER_LENGTH, packet.length, packetNumber);
    packet.sentAt = now;
    packet.transmissions++;
    this.#stats.dataPacketsSent++;
    if (isRetransmission) this.#stats.packetsRetransmitted++;
    this.#afterTransmit(length, now);
    this.#armLossTimer(now, !isRetransmission && this.#probesSinceProgress === 0);
    if (this.#sendBlocked && this.canSend(this.#config.sendBufferSize / 2)) {
      this.#sendBlocked = false;
      this.#events.push({ type: "writable" });
    }
    return sealed.subarray(0, length);
  }

  #handshakePacket(type: PacketType, now: number): Uint8Array {
    this.#pendingHandshake = false;
    if (++this.#handshakeTransmissions === 1) this.#handshakeStartedAt = now;
    // The client pads its Initial to the full MTU (see encodeInitialPayload).
    const payload = type === PacketType.Initial
      ? encodeInitialPayload(
        { token: this.#token, message: this.#clientHandshake!.message },
        this.#config.mtu - HEADER_LENGTH,
      )
      : this.#acceptMessage!;
    const buffer = new Uint8Array(HEADER_LENGTH + payload.length);
    buffer.set(payload, HEADER_LENGTH);
    const echo = type === PacketType.Accept ? this.#answeredInitial : undefined;
    const packetNumber = this.#writeHeader(buffer, type, 0, this.#send.nextNewSequence, echo);
    if (type === PacketType.Initial) this.#initialSendTimes.set(packetNumber >>> 0, now);
    this.#afterTransmit(buffer.length, now);
    return buffer;
  }

  /** Builds a protected control packet (not part of the go-back-N sequence). */
  #control(type: PacketType, flags: number, payload: Uint8Array, now: number): Uint8Array {
    const protection = this.#protection!;
    const buffer = new Uint8Array(HEADER_LENGTH + payload.length + protection.overhead);
    buffer.set(payload, HEADER_LENGTH);
    const packetNumber = this.#writeHeader(buffer, type, flags, this.#send.nextNewSequence);
    const length = protection.seal(
      buffer,
      HEADER_LENGTH,
      HEADER_LENGTH + payload.length,
      packetNumber,
    );
    this.#afterTransmit(length, now);
    return buffer;
  }

  #writeHeader(
    buffer: Uint8Array,
    type: PacketType,
    flags: number,
    sequence: SequenceNumber,
    /** For an Accept: the Initial's packet number, echoed instead of an acknowledgement. */
    echo?: number,
  ): number {
    const window = this.#advertisedWindow();
    this.#lastAdvertisedWindow = window;
    if (this.#receive !== null) {
      // The edge never recedes: packets sent under an earlier, larger window stay welcome.
      const edge = sequenceAdd(this.#receive.expected, window);
      if (sequenceDistance(this.#windowEdge, edge) > 0) this.#windowEdge = edge;
    }
    const packetNumber = this.#nextPacketNumber++;
    encodeHeader(buffer, {
      type,
      flags,
      destination: this.#remoteId,
      packetNumber,
      sequence,
      acknowledgement: echo !== undefined
        ? sequenceNumber(echo)
        : this.#receive?.expected ?? sequenceNumber(0),
      receiveWindow: window,
    });
    return packetNumber;
  }

  /** Every packet carries our acknowledgement, so any send satisfies a pending one. */
  #afterTransmit(length: number, now: number): void {
    this.#stats.packetsSent++;
    this.#stats.bytesSent += length;
    this.#ackNow = false;
    this.#unacknowledgedReceived = 0;
    this.#timers.clear(Timer.Ack);
    if (this.#state === "established") {
      this.#timers.set(Timer.Keepalive, now + this.#config.keepaliveInterval);
    }
  }

  #advertisedWindow(): number {
    const receive = this.#receive;
    if (receive === null) return 0;
    const free = Math.max(0, this.#config.receiveBufferSize - receive.unreadBytes);
    return Math.min(this.#config.maxWindow, Math.floor(free / this.#maxPayload));
  }

  // ---- internals: ending ----

  /** Ends the connection because of a transport failure, telling the peer once. */
  #fail(code: CloseCode, reason: string): void {
    const reachable = code !== CloseCode.Unreachable && code !== CloseCode.IdleTimeout;
    this.#finish(
      { code, reason, initiator: "transport" },
      reachable && this.#state !== "connecting",
    );
  }

  #finish(info: CloseInfo, tellPeer: boolean): void {
    const alreadyReported = this.#state === "draining";
    this.#closeInfo = info;
    this.#state = "closed";
    this.#timers.clearAll();
    this.#pendingClose = tellPeer;
    this.#pendingHandshake = false;
    this.#pendingPing = false;
    this.#ackNow = false;
    this.#pendingDuplicateAcks = 0;
    if (!alreadyReported) this.#events.push({ type: "closed", info });
  }
}

const EMPTY = new Uint8Array(0);
