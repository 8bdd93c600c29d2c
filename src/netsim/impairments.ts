/**
 * What happens to each datagram crossing netsim: pure decisions from a seeded
 * PRNG, no sockets and no clock, so they are tested exactly.
 *
 * Theory of operation:
 * - Every datagram consumes exactly {@link DRAWS_PER_DATAGRAM} draws, whatever
 *   its fate. So the n-th datagram of a flow always meets the same fate for a
 *   given seed, even when other settings change what earlier datagrams did:
 *   two protocols compared through the same seed lose the same datagrams.
 * - Percentages are per datagram and independent of each other.
 * - The delay is one-way: each direction adds it, so the round trip is twice.
 *   Jitter is uniform in [-jitter, +jitter] and clamped at zero; as with
 *   netem, jitter alone reorders datagrams sent closer together than it.
 * - A reordered datagram is held back {@link reorderHoldMs} more than the
 *   others, so it lands behind the datagrams sent shortly after it.
 * - A duplicate is an extra, uncorrupted copy sent at the same time.
 * - Corruption flips one bit, chosen uniformly over the datagram.
 *
 * @module
 */

import { Mulberry32 } from "./prng.ts";

/** The impairments netsim applies to each direction. */
export interface Impairments {
  /** Share of datagrams dropped, 0-100. */
  lossPercent: number;
  /** One-way delay in milliseconds, added in each direction. */
  delayMs: number;
  /** Uniform jitter in milliseconds: the delay varies by up to plus or minus this. */
  jitterMs: number;
  /** Share of datagrams held back so that later ones overtake them, 0-100. */
  reorderPercent: number;
  /** Share of datagrams sent twice, 0-100. */
  duplicatePercent: number;
  /** Share of datagrams with one bit flipped, 0-100. */
  corruptPercent: number;
  /** Seed of the PRNG; the same seed replays the same fates. */
  seed: number;
}

/** No impairment at all: a plain relay. */
export const NO_IMPAIRMENTS: Readonly<Impairments> = Object.freeze({
  lossPercent: 0,
  delayMs: 0,
  jitterMs: 0,
  reorderPercent: 0,
  duplicatePercent: 0,
  corruptPercent: 0,
  seed: 1,
});

/** An impairment setting out of range (caller's mistake). */
export class ImpairmentError extends RangeError {
  /** Creates the error; the message names the setting and its range. */
  constructor(message: string) {
    super(message);
    this.name = "ImpairmentError";
  }
}

/** Draws taken from the PRNG per datagram (see the module's rules). */
export const DRAWS_PER_DATAGRAM = 6;

/** What to do with one datagram. */
export interface DatagramFate {
  /** Drop it; nothing else applies. */
  drop: boolean;
  /** Also send an uncorrupted second copy. */
  duplicate: boolean;
  /** The bit to flip (0 = lowest bit of the first byte), or -1 for none. */
  corruptBitIndex: number;
  /** It was chosen to be held back (already included in `delayMs`). */
  reorder: boolean;
  /** How long to hold it before sending, in milliseconds (0 = at once). */
  delayMs: number;
}

/** Throws {@link ImpairmentError} unless every setting is finite and in range. */
export function validateImpairments(impairments: Impairments): Impairments {
  const percents = ["lossPercent", "reorderPercent", "duplicatePercent", "corruptPercent"] as const;
  for (const key of percents) {
    const value = impairments[key];
    if (!Number.isFinite(value) || value < 0 || value > 100) {
      throw new ImpairmentError(`${key} must be between 0 and 100, got ${value}`);
    }
  }
  for (const key of ["delayMs", "jitterMs"] as const) {
    const value = impairments[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new ImpairmentError(`${key} must be a finite number >= 0, got ${value}`);
    }
  }
  if (!Number.isInteger(impairments.seed)) {
    throw new ImpairmentError(`seed must be an integer, got ${impairments.seed}`);
  }
  return impairments;
}

/**
 * True when every datagram gets the same delay, so send times follow arrival
 * order and a FIFO can replace a priority queue.
 */
export function delaysAreMonotone(impairments: Impairments): boolean {
  return impairments.jitterMs === 0 && impairments.reorderPercent === 0;
}

/**
 * Extra hold of a reordered datagram: one delay (at least 1 ms) plus the
 * whole jitter span, so datagrams sent within that time after it, whatever
 * their jitter, arrive before it.
 */
export function reorderHoldMs(impairments: Impairments): number {
  return Math.max(1, impairments.delayMs) + 2 * impairments.jitterMs;
}

/**
 * Decides the fate of each datagram of one flow in one direction.
 *
 * @example
 * ```ts
 * import { ImpairmentDecider, NO_IMPAIRMENTS } from "./impairments.ts";
 * const decider = new ImpairmentDecider({ ...NO_IMPAIRMENTS, lossPercent: 100 }, 7);
 * if (!decider.decide(1200).drop) throw new Error("100% loss drops everything");
 * ```
 */
export class ImpairmentDecider {
  readonly #random: Mulberry32;
  readonly #lossProbability: number;
  readonly #duplicateProbability: number;
  readonly #corruptProbability: number;
  readonly #reorderProbability: number;
  readonly #delayMs: number;
  readonly #jitterMs: number;
  readonly #reorderHoldMs: number;

  /** Uses `impairments` (validated) with a PRNG seeded by `seed`, not `impairments.seed`. */
  constructor(impairments: Impairments, seed: number) {
    validateImpairments(impairments);
    this.#random = new Mulberry32(seed);
    this.#lossProbability = impairments.lossPercent / 100;
    this.#duplicateProbability = impairments.duplicatePercent / 100;
    this.#corruptProbability = impairments.corruptPercent / 100;
    this.#reorderProbability = impairments.reorderPercent / 100;
    this.#delayMs = impairments.delayMs;
    this.#jitterMs = impairments.jitterMs;
    this.#reorderHoldMs = reorderHoldMs(impairments);
  }

  /** The fate of the next datagram, which is `byteLength` bytes long. */
  decide(byteLength: number): DatagramFate {
    // Always take every draw, in this order: see the module's rules.
    const lossDraw = this.#random.nextFloat();
    const duplicateDraw = this.#random.nextFloat();
    const corruptDraw = this.#random.nextFloat();
    const corruptPositionDraw = this.#random.nextFloat();
    const reorderDraw = this.#random.nextFloat();
    const jitterDraw = this.#random.nextFloat();

    const corrupt = corruptDraw < this.#corruptProbability && byteLength > 0;
    const reorder = reorderDraw < this.#reorderProbability;
    let delayMs = this.#delayMs + this.#jitterMs * (2 * jitterDraw - 1);
    if (delayMs < 0) delayMs = 0;
    if (reorder) delayMs += this.#reorderHoldMs;
    return {
      drop: lossDraw < this.#lossProbability,
      duplicate: duplicateDraw < this.#duplicateProbability,
      corruptBitIndex: corrupt ? Math.floor(corruptPositionDraw * byteLength * 8) : -1,
      reorder,
      delayMs,
    };
  }
}

/** Flips bit `bitIndex` of `bytes` in place (bit 0 = lowest bit of byte 0). */
export function flipBit(bytes: Uint8Array, bitIndex: number): void {
  const byteIndex = bitIndex >>> 3;
  if (byteIndex >= bytes.length) {
    throw new RangeError(`bit ${bitIndex} is beyond a ${bytes.length}-byte datagram`);
  }
  bytes[byteIndex] = bytes[byteIndex]! ^ (1 << (bitIndex & 7));
}
