/**
 * Packet protection: the last step before a datagram leaves and the first
 * after it arrives. Today a CRC32C trailer catches corruption; the secure
 * channel swaps in an AEAD behind the same interface.
 *
 * @module
 */

import { crc32c } from "./crc32c.ts";

/** Seals outgoing packets and opens incoming ones. */
export interface PacketProtection {
  /** Bytes the protection adds after the payload. */
  readonly overhead: number;
  /**
   * Protects `buffer[0, length)` in place, writing `overhead` bytes after it,
   * and returns the datagram's total length. `headerLength` bytes are
   * authenticated but (for an AEAD) not encrypted.
   */
  seal(buffer: Uint8Array, headerLength: number, length: number): number;
  /** Checks a datagram and returns the length of header plus payload, or -1 if it fails. */
  open(datagram: Uint8Array, headerLength: number): number;
}

/** Integrity only: a CRC32C over the whole packet, big-endian, at its end. */
export class Crc32cProtection implements PacketProtection {
  /** Four bytes of CRC. */
  readonly overhead = 4;

  /** Appends the CRC of `buffer[0, length)`. */
  seal(buffer: Uint8Array, _headerLength: number, length: number): number {
    const crc = crc32c(buffer, 0, length);
    buffer[length] = crc >>> 24;
    buffer[length + 1] = (crc >>> 16) & 0xff;
    buffer[length + 2] = (crc >>> 8) & 0xff;
    buffer[length + 3] = crc & 0xff;
    return length + 4;
  }

  /** Verifies the trailing CRC. */
  open(datagram: Uint8Array, headerLength: number): number {
    const length = datagram.length - 4;
    if (length < headerLength) return -1;
    const expected = ((datagram[length]! << 24) | (datagram[length + 1]! << 16) |
      (datagram[length + 2]! << 8) | datagram[length + 3]!) >>> 0;
    return crc32c(datagram, 0, length) === expected ? length : -1;
  }
}
