/**
 * What the benchmark harness and its peer processes share: how a peer reports
 * to the harness (one line on stdout: a word, a space, a JSON object), the
 * sizes of the workloads, and the layout of a latency probe message.
 */

/** Line kinds a peer prints on stdout. */
export const Announcement = {
  /** The peer is listening; payload `{ port }`. */
  ready: "READY",
  /** The peer finished its part; payload depends on the peer. */
  result: "RESULT",
} as const;

/** One parsed line from a peer. */
export interface AnnouncementLine {
  kind: string;
  payload: Record<string, unknown>;
}

/** Size of each application message in the bulk transfers (64 KiB). */
export const BULK_MESSAGE_BYTES = 64 * 1024;

/** Size of one raw UDP datagram payload in the ceiling row. */
export const RAW_DATAGRAM_BYTES = 1200;

/** Size of one latency probe message. */
export const LATENCY_MESSAGE_BYTES = 100;

/** ALPN protocol name both QUIC peers announce. */
export const QUIC_ALPN_PROTOCOL = "mochi-bench";

/** Byte offsets inside a latency probe message. */
const LatencyLayout = { index: 0, sentAtMs: 8 } as const;

/** Prints one announcement line for the harness. */
export function announce(kind: string, payload: Record<string, unknown>): void {
  console.log(`${kind} ${JSON.stringify(payload)}`);
}

/** Parses an announcement line; null when the line is something else. */
export function parseAnnouncement(line: string): AnnouncementLine | null {
  const space = line.indexOf(" ");
  if (space <= 0) return null;
  const kind = line.slice(0, space);
  if (!Object.values(Announcement).includes(kind as typeof Announcement.ready)) return null;
  try {
    const payload: unknown = JSON.parse(line.slice(space + 1));
    if (typeof payload !== "object" || payload === null) return null;
    return { kind, payload: payload as Record<string, unknown> };
  } catch {
    return null;
  }
}

/**
 * Milliseconds on the machine's wall clock with sub-millisecond resolution.
 * Two processes on the same machine read the same clock, which is what lets
 * the receiver compute a one-way latency from the sender's timestamp.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Writes a probe's index and the current wall-clock time into `message`. */
export function stampLatencyMessage(message: Uint8Array, index: number): void {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  view.setUint32(LatencyLayout.index, index);
  view.setFloat64(LatencyLayout.sentAtMs, wallClockMs());
}

/** Reads a probe's index and send time back out of `message`. */
export function readLatencyMessage(message: Uint8Array): { index: number; sentAtMs: number } {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return {
    index: view.getUint32(LatencyLayout.index),
    sentAtMs: view.getFloat64(LatencyLayout.sentAtMs),
  };
}

/** Reads a required numeric command-line option, failing loudly. */
export function numberOption(values: Record<string, unknown>, name: string): number {
  const value = Number(values[name]);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number`);
  return value;
}

/** Reads a required string command-line option, failing loudly. */
export function stringOption(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new Error(`--${name} is required`);
  return value;
}
