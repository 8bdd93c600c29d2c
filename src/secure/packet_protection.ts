/**
 * Per-packet protection of an established connection: ChaCha20-Poly1305 with
 * the header as associated data and the full packet number as the nonce,
 * anti-replay, and key updates.
 *
 * Keys change every `keyUpdatePackets` packets: generation g protects packet
 * numbers [g x N, (g + 1) x N) and key(g + 1) = HMAC-SHA256(key(g), label),
 * so both sides know which key a packet needs from its number alone and no
 * signalling can be lost. The receiver keeps the previous generation for
 * packets reordered across the boundary. The default N = 2^24 stays far below
 * ChaCha20-Poly1305's limits (RFC 9001 6.6 allows 2^62 packets) and below the
 * 2^32 wrap of the packet number on the wire, and bounds how much traffic one
 * key ever protects.
 *
 * @module
 */

import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { counterNonce, openInPlace, sealInPlace, TAG_LENGTH } from "./aead.ts";
import { expandPacketNumber, ReplayWindow } from "./replay_window.ts";

/** Packets per key generation by default. */
export const DEFAULT_KEY_UPDATE_PACKETS = 2 ** 24;

const UPDATE_LABEL = new TextEncoder().encode("mochi key update");
/** Key generations a receiver looks ahead: 8 x 2^24 packets lost in a row is no network. */
const MAX_GENERATIONS_AHEAD = 8;

/** The outcome of opening a packet: the plaintext length, or why it was dropped. */
export type OpenOutcome = number | "forged" | "replayed";

/** The next generation of a key. */
export function nextKey(key: Uint8Array): Uint8Array {
  return hmac(sha256, key, UPDATE_LABEL);
}

/** One direction's key chain, ratcheted forward on demand. */
class KeyChain {
  #generation = 0;
  #key: Uint8Array;
  #previous: Uint8Array | null = null;

  constructor(initial: Uint8Array) {
    this.#key = initial;
  }

  /** The key of `generation`, or null if it is older than the previous one (already erased). */
  keyFor(generation: number): Uint8Array | null {
    if (generation === this.#generation) return this.#key;
    if (generation === this.#generation - 1) return this.#previous;
    return null;
  }

  /** Moves to `generation` (forward only), keeping one generation back. */
  advanceTo(generation: number): void {
    while (this.#generation < generation) {
      this.#previous = this.#key;
      this.#key = nextKey(this.#key);
      this.#generation++;
    }
  }

  /**
   * The key `generation` would have, without moving (for a packet that may
   * be forged). Up to MAX_GENERATIONS_AHEAD ahead, so that a run of lost
   * packets across a key update does not strand the connection, while a
   * forged packet number costs at most that many HMACs.
   */
  peek(generation: number): Uint8Array | null {
    const known = this.keyFor(generation);
    if (known !== null || generation < this.#generation) return known;
    if (generation - this.#generation > MAX_GENERATIONS_AHEAD) return null;
    let key = this.#key;
    for (let step = this.#generation; step < generation; step++) key = nextKey(key);
    return key;
  }

  get generation(): number {
    return this.#generation;
  }
}

/** Seals and opens one connection's packets after its handshake. */
export class AeadPacketProtection {
  /** The Poly1305 tag. */
  readonly overhead = TAG_LENGTH;
  readonly #send: KeyChain;
  readonly #receive: KeyChain;
  readonly #replay = new ReplayWindow();
  readonly #keyUpdatePackets: number;
  readonly #nonce = new Uint8Array(12);

  /** Protection with the handshake's split keys. */
  constructor(
    sendKey: Uint8Array,
    receiveKey: Uint8Array,
    keyUpdatePackets = DEFAULT_KEY_UPDATE_PACKETS,
  ) {
    this.#send = new KeyChain(sendKey);
    this.#receive = new KeyChain(receiveKey);
    this.#keyUpdatePackets = keyUpdatePackets;
  }

  /** The generation of our sending key (how many key updates happened). */
  get sendGeneration(): number {
    return this.#send.generation;
  }

  /** Encrypts `buffer[headerLength, length)` in place, appends the tag, returns the new length. */
  seal(buffer: Uint8Array, headerLength: number, length: number, packetNumber: number): number {
    this.#send.advanceTo(Math.floor(packetNumber / this.#keyUpdatePackets));
    const key = this.#send.keyFor(this.#send.generation)!;
    return sealInPlace(key, counterNonce(packetNumber, this.#nonce), buffer, headerLength, length);
  }

  /**
   * Authenticates and decrypts a datagram in place. `truncatedPacketNumber`
   * is the 32 bits from the header. A forged packet changes nothing.
   */
  open(datagram: Uint8Array, headerLength: number, truncatedPacketNumber: number): OpenOutcome {
    const packetNumber = expandPacketNumber(truncatedPacketNumber, this.#replay.highest);
    if (!this.#replay.isFresh(packetNumber)) return "replayed";
    const generation = Math.floor(packetNumber / this.#keyUpdatePackets);
    const key = this.#receive.peek(generation);
    if (key === null) return "forged";
    const length = openInPlace(
      key,
      counterNonce(packetNumber, this.#nonce),
      datagram,
      headerLength,
    );
    if (length < 0) return "forged";
    this.#replay.record(packetNumber);
    this.#receive.advanceTo(generation);
    return length;
  }
}
