/**
 * Small helpers shared by the secure-channel tests: hex conversion, a seeded
 * random source (so "random keys" replay exactly), and bit flipping.
 *
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";

/** Parses lowercase or uppercase hex into bytes. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new Error(`odd-length hex: ${hex}`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = parseInt(hex.slice(2 * index, 2 * index + 2), 16);
  }
  return bytes;
}

/** Formats bytes as lowercase hex, for readable assertion failures. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * A deterministic stand-in for a random source: SHA-256 of (seed, counter).
 * Good enough to make distinct keys in tests; never for real secrets.
 */
export function seededRandom(seed: number): (length: number) => Uint8Array {
  let counter = 0;
  return (length) => {
    const output = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = sha256(new TextEncoder().encode(`mochi-test:${seed}:${counter++}`));
      output.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return output;
  };
}

/** A copy of `bytes` with bit `bitIndex` (0 = lowest bit of byte 0) inverted. */
export function withBitFlipped(bytes: Uint8Array, bitIndex: number): Uint8Array {
  const copy = bytes.slice();
  copy[bitIndex >>> 3]! ^= 1 << (bitIndex & 7);
  return copy;
}
