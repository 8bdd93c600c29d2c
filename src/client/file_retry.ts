/**
 * Runs a file transfer again after the link is lost, with the chat
 * session's backoff (reconnect_policy.ts), until the transfer ends or the
 * policy gives up. Each attempt resumes where the last acknowledged byte
 * left off; the attempt itself knows how.
 *
 * @module
 */

import { ConnectionLost } from "../errors.ts";
import {
  DEFAULT_RECONNECT_POLICY,
  reconnectDelay,
  type ReconnectPolicy,
} from "./reconnect_policy.ts";
import { FileProtocolError } from "./file_errors.ts";

/** How to retry. */
export interface RetryOptions {
  /** Backoff and give-up time (default: 250 ms doubling to 8 s, 2 minutes). */
  readonly policy?: ReconnectPolicy;
  /** Told about each loss and retry (a line for stderr). */
  readonly notice?: (line: string) => void;
  /** A number in [0, 1) for the jitter (default Math.random). */
  readonly random?: () => number;
}

/**
 * Calls `attempt(n)` until it returns; a `ConnectionLost` (or a broken file
 * conversation) after the first attempt got through is retried with
 * backoff. The first attempt's `ConnectionLost` is thrown at once: an
 * unreachable server is reported, not waited for.
 */
export async function withReconnects<T>(
  attempt: (attemptNumber: number, progressed: () => void) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RECONNECT_POLICY;
  const random = options.random ?? Math.random;
  let connectedOnce = false;
  let failures = 0;
  let lostAt = 0;
  for (let number = 0;; number++) {
    try {
      return await attempt(number, () => {
        connectedOnce = true;
        failures = 0;
      });
    } catch (error) {
      const retryable = error instanceof ConnectionLost || error instanceof FileProtocolError;
      if (!retryable || !connectedOnce) throw error;
      if (failures === 0) lostAt = Date.now();
      if (Date.now() - lostAt > policy.giveUpAfterMs) throw error;
      const delay = reconnectDelay(failures++, policy, random);
      options.notice?.(`${error.message}; trying again in ${(delay / 1000).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
