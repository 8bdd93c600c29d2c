/**
 * netsim: a user-space UDP impairment relay (loss, delay, jitter,
 * reordering, duplication, corruption), the engine of `mochi netsim`, usable
 * from tests and benchmarks.
 *
 * @example
 * ```ts ignore
 * import { NO_IMPAIRMENTS, startRelay } from "./mod.ts";
 * const relay = startRelay({
 *   listen: { hostname: "127.0.0.1", port: 0 },
 *   upstream: { hostname: "127.0.0.1", port: 55555 },
 *   impairments: { ...NO_IMPAIRMENTS, delayMs: 5, lossPercent: 5, seed: 7 },
 * });
 * // ... send to relay.address ...
 * console.log(relay.counters());
 * await relay.close();
 * ```
 *
 * @module
 */

export {
  type DatagramFate,
  ImpairmentDecider,
  ImpairmentError,
  type Impairments,
  NO_IMPAIRMENTS,
} from "./impairments.ts";
export { startRelay } from "./relay.ts";
export type {
  DirectionCounters,
  Relay,
  RelayAddress,
  RelayCounters,
  RelayOptions,
} from "./types.ts";
