/**
 * How fast one member may send messages: a token bucket, as pure state with
 * the time passed in (milliseconds of a monotonic clock, e.g.
 * `performance.now()`), so tests drive it with a fake clock and no sleeps.
 *
 * The bucket holds up to `capacity` tokens and refills continuously at
 * `refillTokens` per `refillIntervalMs`; each message takes one. The
 * default, {@link MESSAGE_RATE}, is 10 messages per 5 s with bursts of 10.
 * The room keeps one bucket per member. Time going backwards (a caller
 * mixing clocks) refills nothing.
 *
 * @example
 * ```ts
 * import { TokenBucket } from "./token_bucket.ts";
 * const bucket = new TokenBucket(0);
 * for (let i = 0; i < 10; i++) bucket.take(0);
 * const next = bucket.take(0);
 * if (next.allowed || next.retryAfterMs !== 500) throw new Error("one message per 500 ms");
 * ```
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/** A token bucket's shape. */
export interface TokenBucketConfig {
  /** Most tokens held: the longest burst. */
  capacity: number;
  /** Tokens added per `refillIntervalMs`, continuously. */
  refillTokens: number;
  /** See `refillTokens`. */
  refillIntervalMs: number;
}

/** A member's message rate: 10 messages per 5 s, bursts of up to 10. */
export const MESSAGE_RATE: TokenBucketConfig = {
  capacity: 10,
  refillTokens: 10,
  refillIntervalMs: 5_000,
};

/** Whether an action may go ahead now, and if not, when to try again. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * One member's message allowance. Internally the bucket counts credit in
 * milliseconds (one token is worth `refillIntervalMs / refillTokens`), so
 * refills are exact for whole-millisecond clocks.
 */
export class TokenBucket {
  readonly #msPerToken: number;
  readonly #fullCredit: number;
  #credit: number;
  #updatedAt: number;

  /** A full bucket at time `now`. */
  constructor(now: number, config: TokenBucketConfig = MESSAGE_RATE) {
    const { capacity, refillTokens, refillIntervalMs } = config;
    if (!(capacity >= 1 && refillTokens > 0 && refillIntervalMs > 0)) {
      throw new UsageError("Cannot make a token bucket: capacity, refill and interval must be > 0");
    }
    this.#msPerToken = refillIntervalMs / refillTokens;
    this.#fullCredit = capacity * this.#msPerToken;
    this.#credit = this.#fullCredit;
    this.#updatedAt = now;
  }

  /** Tokens available at `now` (may be fractional). */
  tokens(now: number): number {
    this.#refill(now);
    return this.#credit / this.#msPerToken;
  }

  /** Takes `count` tokens if there are enough at `now`; else says how long until there are. */
  take(now: number, count = 1): RateDecision {
    this.#refill(now);
    const cost = count * this.#msPerToken;
    if (cost > this.#fullCredit) {
      throw new UsageError(`Cannot take ${count} tokens: more than the bucket holds`);
    }
    if (this.#credit >= cost) {
      this.#credit -= cost;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(cost - this.#credit) };
  }

  #refill(now: number): void {
    if (now <= this.#updatedAt) return;
    this.#credit = Math.min(this.#fullCredit, this.#credit + (now - this.#updatedAt));
    this.#updatedAt = now;
  }
}
