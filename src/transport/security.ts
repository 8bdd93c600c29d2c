/**
 * What the transport needs from a secure channel, and nothing more: a
 * handshake carried in the Initial and Accept packets, per-packet protection
 * after it, and address-validation tokens for stateless retries. The
 * transport knows no cryptography; src/secure/ implements these.
 *
 * @module
 */

import type { HandshakeParameters } from "./packet.ts";
import type { ConnectionId } from "./sequence.ts";

/** Why a packet failed to open; each has its own counter. */
export type OpenFailure = "forged" | "replayed";

/** Protects one established connection's packets. */
export interface PacketProtection {
  /** Bytes added after the payload (the authentication tag). */
  readonly overhead: number;
  /**
   * Protects `buffer[0, length)` in place (the first `headerLength` bytes
   * authenticated, the rest also encrypted), writes the trailer after it and
   * returns the total length. `packetNumber` is the full, never-reused number.
   */
  seal(buffer: Uint8Array, headerLength: number, length: number, packetNumber: number): number;
  /**
   * Opens a datagram in place given the 32-bit packet number from its header;
   * returns the length of header plus plaintext, or why it was dropped.
   */
  open(
    datagram: Uint8Array,
    headerLength: number,
    truncatedPacketNumber: number,
  ): number | OpenFailure;
}

/** A completed handshake: the peer's parameters and the keys to use with it. */
export interface HandshakeOutcome {
  parameters: HandshakeParameters;
  protection: PacketProtection;
  /** The identity the peer proved (the server's static public key), if any. */
  peerIdentity: Uint8Array | null;
}

/** The client's half of a handshake in progress. */
export interface ClientHandshake {
  /** The handshake message for the Initial; the same bytes on every retransmission. */
  readonly message: Uint8Array;
  /** Completes with the message of an Accept; null if it is not authentic (then keep waiting). */
  complete(message: Uint8Array): HandshakeOutcome | null;
}

/** What the server's half of a handshake yields. */
export interface ServerHandshakeOutcome extends HandshakeOutcome {
  /** The handshake message for the Accept. */
  reply: Uint8Array;
}

/** The secure channel an endpoint uses. */
export interface SecurityProvider {
  /** Bytes packet protection adds to every packet after the handshake. */
  readonly packetOverhead: number;
  /** Starts a client handshake that carries our parameters. */
  startClient(parameters: HandshakeParameters): ClientHandshake;
  /** The client's parameters in an Initial's message, without any public-key work; null if malformed. */
  peekClientParameters(message: Uint8Array): HandshakeParameters | null;
  /** Answers a client's message with ours; null if the message is bad. Costs public-key work. */
  answer(message: Uint8Array, parameters: HandshakeParameters): ServerHandshakeOutcome | null;
  /** A short-lived token binding a client's address and connection id, for a stateless retry. */
  issueToken(address: string, clientId: ConnectionId, now: number): Uint8Array;
  /** Whether a token is one we issued to this address and id, recently enough. */
  checkToken(token: Uint8Array, address: string, clientId: ConnectionId, now: number): boolean;
}
