/**
 * The transport's wire format: one fixed 24-byte header, a payload, and (on
 * every packet after the handshake) the AEAD tag of the secure channel, which
 * authenticates the header and encrypts the payload. Drawn in
 * docs/wire_format.md; this file is its only reader and writer. All integers
 * are big-endian.
 *
 * ```text
 *  0       1       2       3
 * +-------+-------+-------+-------+
 * |version| type  | flags |   0   |
 * +-------+-------+-------+-------+
 * |   destination connection id   |
 * +-------------------------------+
 * |         packet number         |  unique per datagram sent, never reused
 * +-------------------------------+
 * |           sequence            |  DATA: this packet's go-back-N number
 * +-------------------------------+
 * |        acknowledgement        |  next sequence expected from the peer
 * +-------------------------------+
 * |        receive window         |  packets accepted beyond acknowledgement
 * +-------------------------------+
 * |      payload ... | trailer    |
 * ```
 *
 * @module
 */

import {
  type ConnectionId,
  connectionId,
  type SequenceNumber,
  sequenceNumber,
} from "./sequence.ts";

/** The only wire version this code speaks. */
export const WIRE_VERSION = 1;
/** Bytes of the fixed header. */
export const HEADER_LENGTH = 24;

/** What a packet is for. */
export const PacketType = {
  /** Client to server: opens a connection (payload: handshake parameters, padding). */
  Initial: 1,
  /** Server to client: accepts it (payload: handshake parameters). */
  Accept: 2,
  /** A go-back-N data packet carrying a slice of the message stream. */
  Data: 3,
  /** A pure acknowledgement (also a window update). */
  Ack: 4,
  /** Asks for an immediate acknowledgement: keepalive and zero-window probe. */
  Ping: 5,
  /** Ends the connection (payload: u16 code, UTF-8 reason). */
  Close: 6,
  /** Confirms a Close. */
  CloseAck: 7,
  /** Server to client: repeat your Initial with this address-validation token. */
  Retry: 8,
} as const;

/** A packet type value. */
export type PacketType = typeof PacketType[keyof typeof PacketType];

/** Flag bits in the header. */
export const PacketFlags = {
  /** On an Ack: sent because a packet arrived out of order or twice (a duplicate ACK). */
  OutOfOrder: 0x01,
  /** On any packet: the receiver should acknowledge at once (a probe or retransmission). */
  AckRequested: 0x02,
} as const;

const KNOWN_FLAGS = PacketFlags.OutOfOrder | PacketFlags.AckRequested;

/** Types that travel before the handshake completes, without packet protection. */
export function isHandshakeType(type: PacketType): boolean {
  return type === PacketType.Initial || type === PacketType.Accept || type === PacketType.Retry;
}

/** A decoded header; `payload` is a view into the datagram, copy it to keep it. */
export interface Packet {
  type: PacketType;
  flags: number;
  destination: ConnectionId;
  packetNumber: number;
  sequence: SequenceNumber;
  acknowledgement: SequenceNumber;
  receiveWindow: number;
  payload: Uint8Array;
}

/** Why a datagram was not accepted as a packet; each has its own counter. */
export type DecodeFailure = "truncated" | "version" | "malformed";

/** Writes a header into `buffer[0, 24)`. */
export function encodeHeader(
  buffer: Uint8Array,
  header: Omit<Packet, "payload">,
): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset, HEADER_LENGTH);
  view.setUint8(0, WIRE_VERSION);
  view.setUint8(1, header.type);
  view.setUint8(2, header.flags);
  view.setUint8(3, 0);
  view.setUint32(4, header.destination);
  view.setUint32(8, header.packetNumber >>> 0);
  view.setUint32(12, header.sequence);
  view.setUint32(16, header.acknowledgement);
  view.setUint32(20, header.receiveWindow >>> 0);
}

/** Reads the destination connection id without decoding the rest (for routing). */
export function peekDestination(datagram: Uint8Array): ConnectionId | null {
  if (datagram.length < HEADER_LENGTH) return null;
  return connectionId(
    (datagram[4]! << 24) | (datagram[5]! << 16) | (datagram[6]! << 8) | datagram[7]!,
  );
}

/**
 * Decodes a datagram's header; the payload is `datagram[24, length)` (the
 * caller passes the length left after opening the protection). Returns a
 * failure reason for anything that is not a well-formed header of a known
 * type.
 */
export function decodePacket(
  datagram: Uint8Array,
  length = datagram.length,
): Packet | DecodeFailure {
  if (length < HEADER_LENGTH) return "truncated";
  const view = new DataView(datagram.buffer, datagram.byteOffset, HEADER_LENGTH);
  if (view.getUint8(0) !== WIRE_VERSION) return "version";
  const type = view.getUint8(1);
  const flags = view.getUint8(2);
  if (type < PacketType.Initial || type > PacketType.Retry) return "malformed";
  if ((flags & ~KNOWN_FLAGS) !== 0 || view.getUint8(3) !== 0) return "malformed";
  return {
    type: type as PacketType,
    flags,
    destination: connectionId(view.getUint32(4)),
    packetNumber: view.getUint32(8),
    sequence: sequenceNumber(view.getUint32(12)),
    acknowledgement: sequenceNumber(view.getUint32(16)),
    receiveWindow: view.getUint32(20),
    payload: datagram.subarray(HEADER_LENGTH, length),
  };
}

/** Handshake parameters carried by Initial and Accept. */
export interface HandshakeParameters {
  /** The connection id the sender wants to receive on. */
  sourceId: ConnectionId;
  /** The sequence number of the sender's first data packet. */
  initialSequence: SequenceNumber;
}

/** Bytes of encoded handshake parameters. */
export const HANDSHAKE_PARAMETERS_LENGTH = 8;

/** Writes handshake parameters at `offset`. */
export function encodeHandshake(
  buffer: Uint8Array,
  offset: number,
  parameters: HandshakeParameters,
): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset + offset, HANDSHAKE_PARAMETERS_LENGTH);
  view.setUint32(0, parameters.sourceId);
  view.setUint32(4, parameters.initialSequence);
}

/** Reads handshake parameters; null if the payload is too short or the id is 0. */
export function decodeHandshake(payload: Uint8Array): HandshakeParameters | null {
  if (payload.length < HANDSHAKE_PARAMETERS_LENGTH) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, HANDSHAKE_PARAMETERS_LENGTH);
  const sourceId = connectionId(view.getUint32(0));
  if (sourceId === 0) return null;
  return { sourceId, initialSequence: sequenceNumber(view.getUint32(4)) };
}

/** Longest close reason we send or accept, in bytes. */
export const MAX_CLOSE_REASON_LENGTH = 256;

/** Encodes a Close payload: u16 code, then the reason in UTF-8 (truncated). */
export function encodeClosePayload(code: number, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason).subarray(0, MAX_CLOSE_REASON_LENGTH);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = (code >>> 8) & 0xff;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

/** Decodes a Close payload; invalid UTF-8 is replaced, never trusted. */
export function decodeClosePayload(payload: Uint8Array): { code: number; reason: string } | null {
  if (payload.length < 2 || payload.length > 2 + MAX_CLOSE_REASON_LENGTH) return null;
  const code = (payload[0]! << 8) | payload[1]!;
  const reason = new TextDecoder("utf-8", { fatal: false }).decode(payload.subarray(2));
  return { code, reason };
}

/** Longest retry token a client accepts. */
export const MAX_TOKEN_LENGTH = 64;

/** The parts of an Initial's payload. */
export interface InitialPayload {
  /** The address-validation token from a Retry, or empty. */
  token: Uint8Array;
  /** The secure channel's first handshake message. */
  message: Uint8Array;
}

/**
 * Encodes an Initial's payload, `u16 token length, token, u16 message length,
 * message`, padded with zeros to `paddedLength` bytes: the padding proves the
 * path carries full-size datagrams and makes a spoofed Initial cost the
 * sender more than the server's stateless answer.
 */
export function encodeInitialPayload(initial: InitialPayload, paddedLength: number): Uint8Array {
  const length = 4 + initial.token.length + initial.message.length;
  const payload = new Uint8Array(Math.max(length, paddedLength));
  const view = new DataView(payload.buffer);
  view.setUint16(0, initial.token.length);
  payload.set(initial.token, 2);
  view.setUint16(2 + initial.token.length, initial.message.length);
  payload.set(initial.message, 4 + initial.token.length);
  return payload;
}

/** Decodes an Initial's payload; null if the lengths do not fit. */
export function decodeInitialPayload(payload: Uint8Array): InitialPayload | null {
  if (payload.length < 4) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const tokenLength = view.getUint16(0);
  if (tokenLength > MAX_TOKEN_LENGTH || 4 + tokenLength > payload.length) return null;
  const messageLength = view.getUint16(2 + tokenLength);
  const messageStart = 4 + tokenLength;
  if (messageStart + messageLength > payload.length) return null;
  return {
    token: payload.subarray(2, 2 + tokenLength),
    message: payload.subarray(messageStart, messageStart + messageLength),
  };
}
