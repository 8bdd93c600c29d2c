/**
 * Limits on failed attempts (logins, room passwords), as pure state with the
 * time passed in (milliseconds of a monotonic clock, e.g.
 * `performance.now()`), so tests drive them with a fake clock and no sleeps.
 * (How fast members may send messages is `token_bucket.ts`.)
 *
 * - {@link FailureLimiter}: growing delays after failed attempts for one
 *   kind of key. After `failuresBeforeDelay` failures in a row, the next
 *   attempt must wait `baseDelayMs`, doubling with each further failure up
 *   to `maxDelayMs`. A key with no failure for `forgetAfterMs` is forgotten.
 * - {@link CredentialAttemptLimiter}: one {@link FailureLimiter} per account
 *   name and one per source address, for logins or for room-password
 *   attempts (the server keeps one of each).
 *
 * Time going backwards (a caller mixing clocks) never shortens a delay.
 *
 * Memory is bounded, in O(1) per operation: a limiter keeps its keys in two
 * generations of at most `maxEntries / 2` each. New failures go into the
 * current one (a key found in the previous one moves over); when the
 * current one is full, or an hour (`forgetAfterMs`) old, it becomes the
 * previous one and the old previous one is dropped whole. So the keys
 * dropped are always those whose last failure is oldest, and keys quiet for
 * `forgetAfterMs` are gone within twice that. A flood from a million
 * addresses costs a fixed amount of memory; its price is that it can push
 * an older attacker's entry out early (he then starts again from no delay,
 * still slowed by the per-account limiter and the hash pool).
 *
 * @example
 * ```ts
 * import { CredentialAttemptLimiter } from "./rate_limits.ts";
 * const logins = new CredentialAttemptLimiter();
 * const who = { account: "ada", address: "192.0.2.1" };
 * for (let i = 0; i < 3; i++) logins.recordFailure(who, 0);
 * if (logins.retryAfterMs(who, 0) !== 1_000) throw new Error("wait 1 s after 3 failures");
 * ```
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/** A failure limiter's shape. */
export interface BackoffConfig {
  /** Failures allowed without delay; the next attempt after that many waits `baseDelayMs`. */
  failuresBeforeDelay: number;
  /** The first delay. */
  baseDelayMs: number;
  /** The longest delay (the doubling stops there). */
  maxDelayMs: number;
  /** A key with no failure for this long is forgotten (at least `maxDelayMs`). */
  forgetAfterMs: number;
  /** Most keys remembered. */
  maxEntries: number;
}

/** Per account: 3 failures free, then 1 s doubling to 5 min; forgotten after 1 h. */
export const ACCOUNT_BACKOFF: BackoffConfig = {
  failuresBeforeDelay: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  forgetAfterMs: 60 * 60_000,
  maxEntries: 100_000,
};

/**
 * Per source address: as per account, but 10 failures free, since a class
 * behind one NAT shares an address and its members mistype too.
 */
export const ADDRESS_BACKOFF: BackoffConfig = { ...ACCOUNT_BACKOFF, failuresBeforeDelay: 10 };

/** Longest key kept (longer ones are cut): keys come from the network. */
const MAX_KEY_LENGTH = 256;

interface FailureEntry {
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

/**
 * The delay after `failures` failures in a row under `config`: 0 below
 * `failuresBeforeDelay`, then `baseDelayMs` doubling, at most `maxDelayMs`.
 */
export function backoffDelayMs(failures: number, config: BackoffConfig): number {
  if (failures < config.failuresBeforeDelay) return 0;
  const doublings = failures - config.failuresBeforeDelay;
  return Math.min(config.baseDelayMs * 2 ** doublings, config.maxDelayMs);
}

/** Growing delays after failed attempts, per key, in bounded memory. */
export class FailureLimiter {
  readonly #config: BackoffConfig;
  readonly #generationLimit: number;
  /** Keys whose last failure came after `#currentStartedAt`. */
  #current = new Map<string, FailureEntry>();
  /** The generation before: older failures, dropped whole at the next rotation. */
  #previous = new Map<string, FailureEntry>();
  #currentStartedAt: number | undefined;
  #currentLatestFailureAt = -Infinity;

  /** An empty limiter; `config` defaults to {@link ACCOUNT_BACKOFF}. */
  constructor(config: Partial<BackoffConfig> = {}) {
    this.#config = { ...ACCOUNT_BACKOFF, ...config };
    const { maxEntries, forgetAfterMs, maxDelayMs } = this.#config;
    if (!(Number.isSafeInteger(maxEntries) && maxEntries >= 2 && forgetAfterMs >= maxDelayMs)) {
      throw new UsageError(
        "Cannot make a failure limiter: maxEntries must be >= 2 and forgetAfterMs >= maxDelayMs",
      );
    }
    this.#generationLimit = Math.floor(maxEntries / 2);
  }

  /** Keys remembered now (at most `maxEntries`). */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  /** Milliseconds before `key` may try again at `now`; 0 means now. */
  retryAfterMs(key: string, now: number): number {
    const entry = this.#live(boundedKey(key), now);
    return entry === undefined ? 0 : Math.max(0, entry.blockedUntil - now);
  }

  /** Records a failed attempt by `key` at `now`; returns the delay now in force for it. */
  recordFailure(key: string, now: number): number {
    const bounded = boundedKey(key);
    const entry = this.#live(bounded, now) ??
      { failures: 0, lastFailureAt: now, blockedUntil: now };
    this.#previous.delete(bounded);
    if (!this.#current.has(bounded)) this.#makeRoom(now);
    entry.failures++;
    entry.lastFailureAt = Math.max(entry.lastFailureAt, now);
    const delay = backoffDelayMs(entry.failures, this.#config);
    entry.blockedUntil = Math.max(entry.blockedUntil, entry.lastFailureAt + delay);
    this.#current.set(bounded, entry);
    this.#currentLatestFailureAt = Math.max(this.#currentLatestFailureAt, entry.lastFailureAt);
    return Math.max(0, entry.blockedUntil - now);
  }

  /** Forgets `key`'s failures (a success). */
  recordSuccess(key: string): void {
    const bounded = boundedKey(key);
    this.#current.delete(bounded);
    this.#previous.delete(bounded);
  }

  /** The entry for `key` unless it is forgotten by `now` (then it is removed). */
  #live(key: string, now: number): FailureEntry | undefined {
    const generation = this.#current.has(key) ? this.#current : this.#previous;
    const entry = generation.get(key);
    if (entry !== undefined && this.#isForgotten(entry, now)) {
      generation.delete(key);
      return undefined;
    }
    return entry;
  }

  #isForgotten(entry: FailureEntry, now: number): boolean {
    return now - entry.lastFailureAt >= this.#config.forgetAfterMs && now >= entry.blockedUntil;
  }

  /** Before a new key enters the current generation: rotate if it is full or old. */
  #makeRoom(now: number): void {
    this.#currentStartedAt ??= now;
    const { forgetAfterMs } = this.#config;
    const full = this.#current.size >= this.#generationLimit;
    if (!full && now - this.#currentStartedAt < forgetAfterMs) return;
    // If even the newest failure in the current generation is forgotten, so
    // is all of it (forgetAfterMs >= maxDelayMs, so its delays are over too).
    // The previous generation's failures all predate #currentStartedAt, so
    // a rotation by age drops only forgotten keys.
    const allForgotten = now - this.#currentLatestFailureAt >= forgetAfterMs;
    this.#previous = allForgotten ? new Map() : this.#current;
    this.#current = new Map();
    this.#currentStartedAt = now;
    this.#currentLatestFailureAt = -Infinity;
  }
}

/** Who is attempting: the account name tried and the source address. */
export interface Attempt {
  /** The account name as tried (normalised when valid; the server decides). */
  account: string;
  /** The source address (for IPv6, the server may pass the /64 prefix). */
  address: string;
}

/**
 * Failed-attempt limits per account and per address together: an attempt
 * must wait for whichever of the two is longer. A success resets the
 * account's counter only: resetting the address's would let one who owns
 * any account clear his address's record between guesses at others.
 */
export class CredentialAttemptLimiter {
  /** The per-account limiter. */
  readonly accounts: FailureLimiter;
  /** The per-address limiter. */
  readonly addresses: FailureLimiter;

  /** Limiters with {@link ACCOUNT_BACKOFF} and {@link ADDRESS_BACKOFF}, overridable. */
  constructor(
    config: { account?: Partial<BackoffConfig>; address?: Partial<BackoffConfig> } = {},
  ) {
    this.accounts = new FailureLimiter({ ...ACCOUNT_BACKOFF, ...config.account });
    this.addresses = new FailureLimiter({ ...ADDRESS_BACKOFF, ...config.address });
  }

  /** Milliseconds before `attempt` may be evaluated at `now`; 0 means now. */
  retryAfterMs(attempt: Attempt, now: number): number {
    return Math.max(
      this.accounts.retryAfterMs(attempt.account, now),
      this.addresses.retryAfterMs(attempt.address, now),
    );
  }

  /** Records a failed attempt; returns the delay now in force for it. */
  recordFailure(attempt: Attempt, now: number): number {
    return Math.max(
      this.accounts.recordFailure(attempt.account, now),
      this.addresses.recordFailure(attempt.address, now),
    );
  }

  /** Records a success: the account's counter is reset, the address's kept. */
  recordSuccess(attempt: Attempt): void {
    this.accounts.recordSuccess(attempt.account);
  }
}

function boundedKey(key: string): string {
  return key.length > MAX_KEY_LENGTH ? key.slice(0, MAX_KEY_LENGTH) : key;
}
