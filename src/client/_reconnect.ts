/**
 * The reconnect loop of a chat session: wait (exponential backoff with
 * jitter, at least as long as a rate limit asks), open a new link, log in
 * with the same credentials, join with the same room password; again until
 * it works, the policy's time runs out, or a refusal that waiting cannot fix
 * (a wrong password, a changed server key) ends it.
 *
 * @module
 */

import { ConnectionLost } from "../errors.ts";
import type { JoinResult } from "../protocol/mod.ts";
import type { UdpEndpoint } from "../transport/udp.ts";
import type { ChatEvent } from "./chat_events.ts";
import { reconnectDelay, type ReconnectPolicy } from "./reconnect_policy.ts";
import { RateLimited, RoomFull } from "./session_errors.ts";
import { type Credentials, type LinkOptions, SessionLink } from "./session_link.ts";

/** What the loop needs from its session. */
export interface ReconnectContext {
  readonly endpoint: UdpEndpoint;
  readonly link: LinkOptions;
  readonly credentials: Credentials;
  readonly roomPassword: string;
  readonly policy: ReconnectPolicy;
  readonly random: () => number;
  /** Sleeps, returning early when the session ends. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Whether the session still wants to reconnect (false once it has left). */
  readonly wanted: () => boolean;
  /** Reports each `reconnecting` event. */
  readonly report: (event: ChatEvent) => void;
}

/** How the loop ended. */
export type ReconnectOutcome =
  | { readonly kind: "joined"; readonly link: SessionLink; readonly result: JoinResult }
  | { readonly kind: "failed"; readonly error: Error }
  | { readonly kind: "cancelled" };

/** Runs the loop; `firstReason` says why the link was lost. */
export async function reconnect(
  context: ReconnectContext,
  firstReason: string,
): Promise<ReconnectOutcome> {
  const { policy } = context;
  const started = performance.now();
  let reason = firstReason;
  let serverAskedToWaitMs = 0;
  for (let attempt = 0; context.wanted(); attempt++) {
    const delay = Math.max(reconnectDelay(attempt, policy, context.random), serverAskedToWaitMs);
    if (performance.now() - started + delay > policy.giveUpAfterMs) {
      const { hostname, port } = context.link.server;
      const address = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
      const seconds = Math.round(policy.giveUpAfterMs / 1000);
      return {
        kind: "failed",
        error: new ConnectionLost(
          `Cannot reach ${address}: still no connection after ${seconds} s (${firstReason})`,
        ),
      };
    }
    context.report({ type: "reconnecting", attempt: attempt + 1, delayMs: delay, reason });
    await context.sleep(delay);
    if (!context.wanted()) break;
    let link: SessionLink | undefined;
    try {
      link = await SessionLink.open(context.endpoint, context.link);
      await link.authenticate(context.credentials);
      const result = await link.join(context.roomPassword);
      if (context.wanted()) return { kind: "joined", link, result };
      void link.abort();
      break;
    } catch (error) {
      void link?.abort();
      // Only what time can fix is tried again; a wrong password or key would fail forever.
      if (!isTransient(error)) {
        return { kind: "failed", error: error instanceof Error ? error : new Error(String(error)) };
      }
      reason = error.message;
      serverAskedToWaitMs = error instanceof RateLimited ? error.retryAfterMs : 0;
    }
  }
  return { kind: "cancelled" };
}

/** Whether a failed attempt may succeed later: the network, a full room, a rate limit. */
function isTransient(error: unknown): error is ConnectionLost | RateLimited | RoomFull {
  return error instanceof ConnectionLost || error instanceof RateLimited ||
    error instanceof RoomFull;
}
