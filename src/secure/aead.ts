/**
 * ChaCha20-Poly1305 (RFC 8439) as one synchronous call each way, for the Noise
 * handshake and for per-packet protection.
 *
 * `node:crypto` does the work because it is native code: about 3x faster than
 * the pure-JavaScript `@noble/ciphers` on 1200-byte packets. Its API is
 * stream-shaped and throws, so this file hides both: `seal` returns
 * `ciphertext || tag`, `open` returns the plaintext or `null`, and nothing
 * that arrives from the network can make `open` throw. That lets the
 * transport treat "forged", "corrupted", "truncated" and "wrong key" as one
 * outcome: drop and count.
 *
 * @example
 * ```ts
 * import { open, seal } from "./aead.ts";
 * const key = new Uint8Array(32);
 * const nonce = new Uint8Array(12);
 * const header = new Uint8Array([1, 2, 3]);
 * const sealed = seal(key, nonce, header, new TextEncoder().encode("hi"));
 * const plaintext = open(key, nonce, header, sealed);
 * if (plaintext === null || new TextDecoder().decode(plaintext) !== "hi") throw new Error();
 * ```
 *
 * @module
 */

import { createCipheriv, createDecipheriv } from "node:crypto";
import { UsageError } from "../errors.ts";

/** Length of a ChaCha20-Poly1305 key in bytes. */
export const KEY_LENGTH = 32;
/** Length of a ChaCha20-Poly1305 nonce in bytes (the IETF variant). */
export const NONCE_LENGTH = 12;
/** Length of the Poly1305 tag appended to every ciphertext. */
export const TAG_LENGTH = 16;

const ALGORITHM = "chacha20-poly1305";
const TAG_OPTIONS = { authTagLength: TAG_LENGTH } as const;

/**
 * Encrypts `plaintext` and authenticates it together with `associatedData`.
 * Returns a new array holding the ciphertext followed by the 16-byte tag.
 *
 * Throws `UsageError` for a key or nonce of the wrong length: those come from
 * our own code, never from the network. Never reuse a (key, nonce) pair.
 */
export function seal(
  key: Uint8Array,
  nonce: Uint8Array,
  associatedData: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const sealed = new Uint8Array(plaintext.length + TAG_LENGTH);
  sealInto(key, nonce, associatedData, plaintext, sealed, 0);
  return sealed;
}

/**
 * Decrypts `sealed` (ciphertext || tag) and checks it against
 * `associatedData`. Returns the plaintext, or `null` if anything is wrong:
 * bad tag, wrong key, too short, or arguments of the wrong size.
 */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  associatedData: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  if (key.length !== KEY_LENGTH || nonce.length !== NONCE_LENGTH) return null;
  const ciphertextLength = sealed.length - TAG_LENGTH;
  if (ciphertextLength < 0) return null;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, TAG_OPTIONS);
    decipher.setAuthTag(sealed.subarray(ciphertextLength));
    decipher.setAAD(associatedData, { plaintextLength: ciphertextLength });
    const plaintext = decipher.update(sealed.subarray(0, ciphertextLength));
    // final() is where the tag is checked; until it returns, `plaintext` is
    // unauthenticated and must not escape.
    decipher.final();
    return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length);
  } catch {
    return null;
  }
}

/**
 * Like `seal`, but writes `ciphertext || tag` into `output` at `offset`
 * instead of allocating, and returns the number of bytes written
 * (`plaintext.length + 16`). `plaintext` may be the very bytes being
 * overwritten (`output.subarray(offset, ...)`): encryption in place.
 */
export function sealInto(
  key: Uint8Array,
  nonce: Uint8Array,
  associatedData: Uint8Array,
  plaintext: Uint8Array,
  output: Uint8Array,
  offset: number,
): number {
  checkKeyAndNonce(key, nonce);
  const written = plaintext.length + TAG_LENGTH;
  if (offset < 0 || offset + written > output.length) {
    throw new UsageError(
      `Cannot seal: ${written} bytes do not fit at offset ${offset} of a ${output.length}-byte buffer`,
    );
  }
  const cipher = createCipheriv(ALGORITHM, key, nonce, TAG_OPTIONS);
  cipher.setAAD(associatedData, { plaintextLength: plaintext.length });
  // update() returns a fresh buffer, so writing it over `plaintext` is safe.
  output.set(cipher.update(plaintext), offset);
  cipher.final();
  output.set(cipher.getAuthTag(), offset + plaintext.length);
  return written;
}

/**
 * Opens a packet in place, the shape the transport's `PacketProtection`
 * uses: `packet[0, headerLength)` is the associated data, the rest is
 * ciphertext || tag. On success the plaintext overwrites the ciphertext and
 * the length of header plus plaintext is returned; on any failure the packet
 * is left untouched and -1 is returned.
 */
export function openInPlace(
  key: Uint8Array,
  nonce: Uint8Array,
  packet: Uint8Array,
  headerLength: number,
): number {
  if (headerLength < 0 || headerLength > packet.length) return -1;
  const plaintext = open(
    key,
    nonce,
    packet.subarray(0, headerLength),
    packet.subarray(headerLength),
  );
  if (plaintext === null) return -1;
  packet.set(plaintext, headerLength);
  return headerLength + plaintext.length;
}

/**
 * Seals a packet in place: `packet[0, headerLength)` is the associated data,
 * `packet[headerLength, length)` is encrypted where it lies and the tag is
 * written after it. Returns the sealed packet's length (`length + 16`).
 */
export function sealInPlace(
  key: Uint8Array,
  nonce: Uint8Array,
  packet: Uint8Array,
  headerLength: number,
  length: number,
): number {
  if (headerLength < 0 || headerLength > length) {
    throw new UsageError(
      `Cannot seal: header of ${headerLength} bytes is outside a ${length}-byte packet`,
    );
  }
  return headerLength + sealInto(
    key,
    nonce,
    packet.subarray(0, headerLength),
    packet.subarray(headerLength, length),
    packet,
    headerLength,
  );
}

/**
 * Writes the nonce that Noise's ChaChaPoly uses for `counter`: 32 zero bits,
 * then the counter as a 64-bit little-endian integer. Reuses `into` when
 * given, so a per-packet caller allocates nothing.
 */
export function counterNonce(counter: number, into: Uint8Array = new Uint8Array(12)): Uint8Array {
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new UsageError(
      `Cannot build a nonce: counter ${counter} is not a safe non-negative integer`,
    );
  }
  if (into.length !== NONCE_LENGTH) {
    throw new UsageError(`Cannot build a nonce: buffer has ${into.length} bytes, not 12`);
  }
  const low = counter % 0x1_0000_0000;
  const high = (counter - low) / 0x1_0000_0000;
  into[0] =
    into[1] =
    into[2] =
    into[3] =
      0;
  writeUint32LittleEndian(into, 4, low);
  writeUint32LittleEndian(into, 8, high);
  return into;
}

function writeUint32LittleEndian(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
  target[offset + 2] = (value >>> 16) & 0xff;
  target[offset + 3] = (value >>> 24) & 0xff;
}

function checkKeyAndNonce(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== KEY_LENGTH) {
    throw new UsageError(`Cannot seal: key has ${key.length} bytes, not ${KEY_LENGTH}`);
  }
  if (nonce.length !== NONCE_LENGTH) {
    throw new UsageError(`Cannot seal: nonce has ${nonce.length} bytes, not ${NONCE_LENGTH}`);
  }
}
