/**
 * Noise's SymmetricState (spec revision 34, section 5.2) with SHA-256: the
 * chaining key that accumulates every Diffie-Hellman result, and the
 * handshake hash that accumulates every byte sent, so that both sides end up
 * with keys bound to the exact transcript they saw.
 *
 * @module
 */

import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { CipherState } from "./cipher_state.ts";

const HASH_LENGTH = 32;
const EMPTY = new Uint8Array(0);

/**
 * Noise's HKDF with two outputs. Noise's definition (HMAC over the chaining
 * key, then two chained HMACs with counters 1 and 2) is exactly RFC 5869 with
 * an empty info string, so the library's HKDF computes it.
 */
function hkdfTwoOutputs(
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
): [Uint8Array, Uint8Array] {
  const output = hkdf(sha256, inputKeyMaterial, chainingKey, EMPTY, 2 * HASH_LENGTH);
  return [output.subarray(0, HASH_LENGTH), output.subarray(HASH_LENGTH)];
}

/** The chaining key, the handshake hash and the handshake's CipherState. */
export class SymmetricState {
  #chainingKey: Uint8Array;
  #hash: Uint8Array;
  readonly #cipher = new CipherState();

  /** Starts from the full protocol name, e.g. `Noise_NX_25519_ChaChaPoly_SHA256`. */
  constructor(protocolName: string) {
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= HASH_LENGTH) {
      this.#hash = new Uint8Array(HASH_LENGTH);
      this.#hash.set(name);
    } else {
      this.#hash = sha256(name);
    }
    this.#chainingKey = this.#hash.slice();
  }

  /** Folds a Diffie-Hellman result into the chaining key and rekeys the cipher. */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [chainingKey, key] = hkdfTwoOutputs(this.#chainingKey, inputKeyMaterial);
    this.#chainingKey.fill(0);
    this.#chainingKey = chainingKey;
    this.#cipher.initializeKey(key);
    key.fill(0);
  }

  /** Folds `data` into the handshake hash. */
  mixHash(data: Uint8Array): void {
    this.#hash = sha256.create().update(this.#hash).update(data).digest();
  }

  /** The handshake hash so far: after the handshake, a unique id of the session. */
  handshakeHash(): Uint8Array {
    return this.#hash.slice();
  }

  /** Whether a key has been mixed in yet (from then on, payloads are encrypted). */
  hasKey(): boolean {
    return this.#cipher.hasKey();
  }

  /** Encrypts with the handshake hash as associated data, then hashes the ciphertext. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.#cipher.encryptWithAd(this.#hash, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** Decrypts with the handshake hash as associated data; `null` on a bad MAC. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array | null {
    const plaintext = this.#cipher.decryptWithAd(this.#hash, ciphertext);
    if (plaintext !== null) this.mixHash(ciphertext);
    return plaintext;
  }

  /**
   * Derives the two transport keys (initiator to responder, responder to
   * initiator) and wipes the chaining key, which must not outlive the
   * handshake.
   */
  split(): [Uint8Array, Uint8Array] {
    const [first, second] = hkdfTwoOutputs(this.#chainingKey, EMPTY);
    const keys: [Uint8Array, Uint8Array] = [first.slice(), second.slice()];
    first.fill(0);
    second.fill(0);
    this.wipe();
    return keys;
  }

  /** Overwrites the secrets this state holds. */
  wipe(): void {
    this.#chainingKey.fill(0);
    this.#cipher.wipe();
  }
}
