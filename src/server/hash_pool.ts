/**
 * A bound on password hashing in flight, so a flood of logins cannot take
 * every core from the room.
 *
 * Each PBKDF2 hash costs tens of milliseconds of CPU. WebCrypto computes it
 * on a worker thread (the event loop stays free: see the pool's tests), but
 * Deno's blocking-thread pool would happily run hundreds at once, leaving the
 * event loop one core among hundreds of busy threads. The pool lets at most
 * `concurrency` tasks run, queues up to `maxQueued` more in arrival order,
 * and refuses the rest at once with {@link HashPoolBusy}: a refused caller
 * is told to retry later instead of waiting behind a minute of work.
 *
 * @example
 * ```ts
 * import { HashPool } from "./hash_pool.ts";
 * import { hashPassword } from "./password_hash.ts";
 * const pool = new HashPool({ concurrency: 2, maxQueued: 16 });
 * const record = await pool.run(() => hashPassword("pw", { iterations: 1_000 }));
 * if (record.hash.length !== 32) throw new Error("hashed");
 * ```
 *
 * @module
 */

import { MochiError, UsageError } from "../errors.ts";

/** The pool is full: the caller should answer "busy, retry later". */
export class HashPoolBusy extends MochiError {
  /** Creates the error: `Cannot check the password now: busy, retry later`. */
  constructor() {
    super("Cannot check the password now: busy, retry later");
  }
}

/** How big a {@link HashPool} is. */
export interface HashPoolOptions {
  /** Most tasks running at once (default {@link defaultHashConcurrency}). */
  concurrency?: number;
  /** Most tasks waiting beyond those (default {@link DEFAULT_MAX_QUEUED}). */
  maxQueued?: number;
}

/**
 * Waiting tasks allowed by default: at ~80 ms a hash and 2 at once, the last
 * one waits about 2.5 s, still shorter than a client's patience.
 */
export const DEFAULT_MAX_QUEUED = 64;

/**
 * One hash per core, at most 4: on the project's 2-core machines, 2. The
 * event loop needs little CPU between datagrams, so it keeps up.
 */
export function defaultHashConcurrency(): number {
  const cores = typeof navigator === "object" ? navigator.hardwareConcurrency : 1;
  return Math.max(1, Math.min(4, Number.isSafeInteger(cores) ? cores : 1));
}

/** Runs async tasks (password hashes) with bounded concurrency and a bounded queue. */
export class HashPool {
  readonly #concurrency: number;
  readonly #maxQueued: number;
  readonly #waiting: Array<() => void> = [];
  #running = 0;
  #refused = 0;

  /** Creates a pool; see {@link HashPoolOptions} for the defaults. */
  constructor(options: HashPoolOptions = {}) {
    this.#concurrency = options.concurrency ?? defaultHashConcurrency();
    this.#maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (!Number.isSafeInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new UsageError("Cannot create a hash pool: concurrency must be a whole number >= 1");
    }
    if (!Number.isSafeInteger(this.#maxQueued) || this.#maxQueued < 0) {
      throw new UsageError("Cannot create a hash pool: maxQueued must be a whole number >= 0");
    }
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** Tasks refused with {@link HashPoolBusy} since the pool was made. */
  get refused(): number {
    return this.#refused;
  }

  /**
   * Runs `task` now if a slot is free, else once one frees up (in arrival
   * order). Rejects with {@link HashPoolBusy}, without running `task`, when
   * `maxQueued` tasks are already waiting.
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#maxQueued) {
        this.#refused++;
        throw new HashPoolBusy();
      }
      // The slot is handed over by #release, so #running is not decremented in between.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#running--;
    else next();
  }
}
