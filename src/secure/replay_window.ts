/**
 * Anti-replay: a sliding window over packet numbers, as WireGuard and IPsec
 * keep (RFC 6479). A packet number is fresh if it is above everything seen,
 * or within the window below the highest and not yet seen. Only packets that
 * authenticated are recorded, so forgeries cannot move the window.
 *
 * @module
 */

/** Packet numbers remembered below the highest: reordering deeper than this is dropped. */
export const REPLAY_WINDOW_SIZE = 4096;

const WORDS = REPLAY_WINDOW_SIZE / 32;

/** Which packet numbers have been seen, within the window. */
export class ReplayWindow {
  #highest = -1;
  readonly #bits = new Uint32Array(WORDS);

  /** The highest packet number recorded, or -1. */
  get highest(): number {
    return this.#highest;
  }

  /** Whether `packetNumber` may be accepted: new, and not too old. */
  isFresh(packetNumber: number): boolean {
    if (packetNumber > this.#highest) return true;
    if (this.#highest - packetNumber >= REPLAY_WINDOW_SIZE) return false;
    const bit = packetNumber % REPLAY_WINDOW_SIZE;
    return (this.#bits[bit >>> 5]! & (1 << (bit & 31))) === 0;
  }

  /** Records an authenticated packet number (call only after `isFresh`). */
  record(packetNumber: number): void {
    if (packetNumber > this.#highest) {
      const advance = packetNumber - this.#highest;
      if (advance >= REPLAY_WINDOW_SIZE) {
        this.#bits.fill(0);
      } else {
        for (let number = this.#highest + 1; number < packetNumber; number++) {
          const bit = number % REPLAY_WINDOW_SIZE;
          this.#bits[bit >>> 5]! &= ~(1 << (bit & 31));
        }
      }
      this.#highest = packetNumber;
    }
    const bit = packetNumber % REPLAY_WINDOW_SIZE;
    this.#bits[bit >>> 5]! |= 1 << (bit & 31);
  }
}

/**
 * The full packet number that a truncated 32-bit one on the wire stands for:
 * the candidate closest to the one after `highest` (QUIC's decoding, RFC 9000
 * appendix A.3, with a 32-bit field).
 */
export function expandPacketNumber(truncated: number, highest: number): number {
  const span = 0x1_0000_0000;
  const expected = highest + 1;
  const candidate = expected - (expected % span) + truncated;
  if (candidate <= expected - span / 2 && candidate + span < Number.MAX_SAFE_INTEGER) {
    return candidate + span;
  }
  if (candidate > expected + span / 2 && candidate >= span) return candidate - span;
  return candidate;
}
