/**
 * The server console's account of what it dropped: every datagram that was
 * forged, replayed, malformed, for an unknown connection, or an Initial with
 * a stale token is counted silently on the wire (the sender learns nothing),
 * and the operator sees the counts here instead.
 *
 * @module
 */

import type { EndpointCounters } from "../transport/endpoint.ts";

/** How often the console reports counters that changed. */
export const DROP_REPORT_INTERVAL_MS = 10_000;

const REPORTED: ReadonlyArray<[keyof EndpointCounters, string]> = [
  ["droppedForged", "forged"],
  ["droppedReplayed", "replayed"],
  ["droppedBadToken", "stale or foreign token"],
  ["droppedUnknownConnection", "unknown connection"],
  ["droppedMalformed", "malformed"],
  ["droppedTruncated", "truncated"],
  ["droppedWrongVersion", "wrong version"],
  ["droppedShortInitial", "short initial"],
  ["droppedBadHandshake", "bad handshake"],
  ["droppedTooManyConnections", "server full"],
];

/** One console line: every drop counter, and the stateless retries sent. */
export function formatDropReport(counters: EndpointCounters): string {
  const drops = REPORTED.map(([key, label]) => `${label} ${counters[key]}`).join(", ");
  return `dropped: ${drops}; retries sent ${counters.retriesSent}`;
}

/** Logs the drop report when it differs from the last one it saw. */
export class DropReporter {
  readonly #read: () => EndpointCounters;
  readonly #log: (line: string) => void;
  #last: string;

  /** Starts from the counters as they are now (nothing is reported for them). */
  constructor(read: () => EndpointCounters, log: (line: string) => void) {
    this.#read = read;
    this.#log = log;
    this.#last = formatDropReport(read());
  }

  /** Reports if anything changed since the last check. */
  check(): void {
    const line = formatDropReport(this.#read());
    if (line !== this.#last) this.#log(line);
    this.#last = line;
  }
}

/** Checks every `intervalMs`; returns a function that stops the checks. */
export function startDropReports(
  read: () => EndpointCounters,
  log: (line: string) => void,
  intervalMs = DROP_REPORT_INTERVAL_MS,
): () => void {
  const reporter = new DropReporter(read, log);
  const timer = setInterval(() => reporter.check(), intervalMs);
  return () => clearInterval(timer);
}
