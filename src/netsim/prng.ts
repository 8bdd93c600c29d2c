/**
 * A small, fast, seeded pseudo-random generator (mulberry32) so that a netsim
 * run, and every test built on it, can be replayed exactly. Not for secrets.
 *
 * @module
 */

/**
 * mulberry32: 32 bits of state, period 2^32, good enough statistics for
 * choosing which datagrams to drop.
 *
 * @example
 * ```ts
 * import { Mulberry32 } from "./prng.ts";
 * const first = new Mulberry32(7).nextFloat();
 * if (first !== new Mulberry32(7).nextFloat()) throw new Error("not deterministic");
 * ```
 */
export class Mulberry32 {
  #state: number;

  /** Starts the sequence for `seed` (any number; only its low 32 bits count). */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next value as an unsigned 32-bit integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(this.#state ^ (this.#state >>> 15), 1 | this.#state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return (mixed ^ (mixed >>> 14)) >>> 0;
  }

  /** The next value, uniform in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }
}

/**
 * Derives an independent seed from a base seed and small integers (a flow's
 * index, a direction), so each flow gets its own reproducible sequence
 * whatever the interleaving of flows. Uses murmur3's 32-bit finaliser.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let hash = seed >>> 0;
  for (const part of parts) {
    hash = Math.imul(hash ^ (part >>> 0), 0x9e3779b1);
    hash ^= hash >>> 16;
    hash = Math.imul(hash, 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
  }
  return hash >>> 0;
}
