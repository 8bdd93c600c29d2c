/**
 * When to try again after the link to the server is lost: exponential
 * backoff with jitter, and a time after which the client gives up. Pure: the
 * randomness is passed in.
 *
 * @example
 * ```ts
 * import { DEFAULT_RECONNECT_POLICY, reconnectDelay } from "./reconnect_policy.ts";
 * const first = reconnectDelay(0, DEFAULT_RECONNECT_POLICY, () => 0.5);
 * if (first !== 250) throw new Error("the first try waits 250 ms, +/- 25 %");
 * ```
 *
 * @module
 */

/** How the client reconnects. */
export interface ReconnectPolicy {
  /** The wait before the first attempt, in milliseconds. */
  readonly initialDelayMs: number;
  /** The wait doubles with each failed attempt up to this, in milliseconds. */
  readonly maxDelayMs: number;
  /** Give up once this long has passed since the link was lost, in milliseconds. */
  readonly giveUpAfterMs: number;
}

/** 250 ms doubling to 8 s; give up after 2 minutes. */
export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = Object.freeze({
  initialDelayMs: 250,
  maxDelayMs: 8_000,
  giveUpAfterMs: 120_000,
});

/**
 * The wait before attempt number `attempt` (0 for the first): the policy's
 * exponential delay, varied by +/- 25 % with `random()` (in [0, 1)) so that
 * the clients of a restarted server do not all come back at once.
 */
export function reconnectDelay(
  attempt: number,
  policy: ReconnectPolicy,
  random: () => number,
): number {
  const exponential = policy.initialDelayMs * 2 ** Math.min(attempt, 30);
  const base = Math.min(policy.maxDelayMs, exponential);
  return Math.round(base * (0.75 + 0.5 * random()));
}
