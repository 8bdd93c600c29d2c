/**
 * Noise's CipherState (spec revision 34, section 5.1): a key and a counting
 * nonce for ChaChaPoly. Used inside the handshake, and handed out by `split()`
 * for whoever wants Noise's own transport messages (the test vectors do).
 *
 * Rules, from the spec:
 * - With no key, encryption and decryption return the input unchanged.
 * - The nonce goes up by one after every successful encryption or decryption,
 *   and stays put after a failed decryption so a forged message cannot
 *   desynchronise the two sides.
 * - The nonce 2^64-1 is reserved. We stop earlier, at 2^53-1 (the largest
 *   exact JavaScript number); at any realistic rate that is never reached.
 *
 * @module
 */

import { counterNonce, open, seal } from "./aead.ts";
import { UsageError } from "../errors.ts";

const EMPTY = new Uint8Array(0);
const ZEROS = new Uint8Array(32);
const MAXIMUM_NONCE = Number.MAX_SAFE_INTEGER;
// Rekey uses the reserved nonce 2^64-1: all ones in the 8 counter bytes.
const REKEY_NONCE = new Uint8Array([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** A ChaChaPoly key with its message counter, as Noise defines it. */
export class CipherState {
  #key: Uint8Array | null = null;
  #nonce = 0;
  // Reused so that encrypting a message does not allocate a nonce.
  readonly #nonceBytes = new Uint8Array(12);

  /** Starts with `key` (copied), or with no key at all. */
  constructor(key: Uint8Array | null = null) {
    if (key !== null) this.initializeKey(key);
  }

  /** Sets a new 32-byte key (copied) and resets the nonce to zero. */
  initializeKey(key: Uint8Array): void {
    if (key.length !== 32) {
      throw new UsageError(`Cannot set a cipher key: it has ${key.length} bytes, not 32`);
    }
    this.#key = key.slice();
    this.#nonce = 0;
  }

  /** Whether a key is set; without one, messages travel unencrypted. */
  hasKey(): boolean {
    return this.#key !== null;
  }

  /** The nonce the next message will use. */
  get nonce(): number {
    return this.#nonce;
  }

  /** Sets the nonce, for callers that track message numbers themselves. */
  setNonce(nonce: number): void {
    if (!Number.isSafeInteger(nonce) || nonce < 0) {
      throw new UsageError(`Cannot set nonce ${nonce}: not a safe non-negative integer`);
    }
    this.#nonce = nonce;
  }

  /** Encrypts `plaintext` bound to `associatedData`; returns ciphertext || tag. */
  encryptWithAd(associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#key === null) return plaintext.slice();
    if (this.#nonce >= MAXIMUM_NONCE) {
      throw new UsageError("Cannot encrypt: this key has used up its nonces; rekey first");
    }
    const sealed = seal(
      this.#key,
      counterNonce(this.#nonce, this.#nonceBytes),
      associatedData,
      plaintext,
    );
    this.#nonce++;
    return sealed;
  }

  /**
   * Decrypts ciphertext || tag bound to `associatedData`. Returns the
   * plaintext, or `null` if authentication fails (the nonce is then unchanged).
   */
  decryptWithAd(associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    if (this.#key === null) return ciphertext.slice();
    if (this.#nonce >= MAXIMUM_NONCE) return null;
    const plaintext = open(
      this.#key,
      counterNonce(this.#nonce, this.#nonceBytes),
      associatedData,
      ciphertext,
    );
    if (plaintext !== null) this.#nonce++;
    return plaintext;
  }

  /**
   * Replaces the key with one derived from it (spec section 11.3), keeping
   * the nonce, so an old key cannot decrypt later messages.
   */
  rekey(): void {
    if (this.#key === null) throw new UsageError("Cannot rekey: no key is set");
    const next = seal(this.#key, REKEY_NONCE, EMPTY, ZEROS).subarray(0, 32);
    this.#key.fill(0);
    this.#key = next.slice();
  }

  /** Overwrites the key so it no longer sits in memory; the state has no key afterwards. */
  wipe(): void {
    this.#key?.fill(0);
    this.#key = null;
  }
}
