/**
 * What a `ChatSession` is told when it opens: where the server is, how
 * to trust it, and the knobs tests turn (timeouts, backoff, randomness).
 *
 * @module
 */

import type { TransportConfig } from "../transport/config.ts";
import type { ServerAddress } from "./known_servers.ts";
import type { ReconnectPolicy } from "./reconnect_policy.ts";
import type { LinkOptions } from "./session_link.ts";
import type { VerifyServerOptions } from "./trust.ts";

/** How long to wait for each answer while connecting, by default. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;

/** How to reach the server and how to behave. */
export interface ChatSessionOptions {
  /** Where the server is. */
  readonly server: ServerAddress;
  /** How to check the server's key, on every connection. */
  readonly trust: VerifyServerOptions;
  /** Transport settings (the MTU...). */
  readonly config?: Partial<TransportConfig>;
  /** Backoff and give-up time of reconnects (default: 250 ms doubling to 8 s, 2 minutes). */
  readonly reconnect?: ReconnectPolicy;
  /** How long to wait for each answer while connecting, in milliseconds (default 30 s). */
  readonly answerTimeoutMs?: number;
  /** Random bytes for message ids (default: the system's secure generator). */
  readonly randomBytes?: (length: number) => Uint8Array;
  /** A number in [0, 1) for the backoff's jitter (default: Math.random). */
  readonly random?: () => number;
}

/** The options of each link a session opens. */
export function linkOptions(options: ChatSessionOptions): LinkOptions {
  return {
    server: options.server,
    trust: options.trust,
    answerTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
  };
}
