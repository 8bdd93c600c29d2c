/**
 * The single-message latency workload, shared by the QUIC and mochi peers:
 * the sender sends one 100-byte probe, waits for its echo, then sends the
 * next. The receiver records the one-way latency of each probe (its arrival
 * time minus the send time stamped inside it; both processes read the same
 * wall clock) and echoes it back; the sender records each round trip, which
 * the harness uses as a cross-check (round trip / 2).
 */

import {
  LATENCY_MESSAGE_BYTES,
  readLatencyMessage,
  stampLatencyMessage,
  wallClockMs,
} from "./peer_protocol.ts";

/** A reliable, ordered, message-preserving channel between the two peers. */
export interface ProbeChannel {
  /** Sends one whole message. */
  send(message: Uint8Array): Promise<void>;
  /** The next whole message, or null when the channel has closed. */
  receive(): Promise<Uint8Array | null>;
}

/** Sends `count` probes one at a time; returns each round trip in milliseconds. */
export async function sendProbes(channel: ProbeChannel, count: number): Promise<number[]> {
  const roundTripsMs: number[] = [];
  for (let index = 0; index < count; index++) {
    const probe = new Uint8Array(LATENCY_MESSAGE_BYTES);
    stampLatencyMessage(probe, index);
    const sentAt = performance.now();
    await channel.send(probe);
    const echo = await channel.receive();
    if (echo === null) throw new Error(`channel closed before the echo of probe ${index}`);
    if (readLatencyMessage(echo).index !== index) throw new Error(`echo out of order at ${index}`);
    roundTripsMs.push(performance.now() - sentAt);
  }
  return roundTripsMs;
}

/** Receives and echoes `count` probes; returns each one-way latency in milliseconds. */
export async function echoProbes(channel: ProbeChannel, count: number): Promise<number[]> {
  const oneWayMs: number[] = [];
  for (let index = 0; index < count; index++) {
    const probe = await channel.receive();
    const arrivedAtMs = wallClockMs();
    if (probe === null) throw new Error(`channel closed before probe ${index}`);
    const stamp = readLatencyMessage(probe);
    if (stamp.index !== index) throw new Error(`probe ${stamp.index} arrived, expected ${index}`);
    oneWayMs.push(arrivedAtMs - stamp.sentAtMs);
    await channel.send(probe);
  }
  return oneWayMs;
}

/**
 * Adapts a QUIC bidirectional byte stream to a ProbeChannel of fixed-size
 * messages (a byte stream has no message boundaries of its own).
 */
export class FixedSizeStreamChannel implements ProbeChannel {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #messageBytes: number;
  #pending: Uint8Array = new Uint8Array(0);

  /** Wraps the two halves of a stream carrying messages of `messageBytes` each. */
  constructor(
    readable: ReadableStream<Uint8Array>,
    writable: WritableStream<Uint8Array>,
    messageBytes: number,
  ) {
    this.#reader = readable.getReader();
    this.#writer = writable.getWriter();
    this.#messageBytes = messageBytes;
  }

  /** Writes one message to the stream. */
  async send(message: Uint8Array): Promise<void> {
    await this.#writer.write(message);
  }

  /** Reads exactly one message's worth of bytes; null at end of stream. */
  async receive(): Promise<Uint8Array | null> {
    while (this.#pending.length < this.#messageBytes) {
      const { value, done } = await this.#reader.read();
      if (done) return null;
      const joined = new Uint8Array(this.#pending.length + value.length);
      joined.set(this.#pending);
      joined.set(value, this.#pending.length);
      this.#pending = joined;
    }
    const message = this.#pending.slice(0, this.#messageBytes);
    this.#pending = this.#pending.slice(this.#messageBytes);
    return message;
  }

  /** Ends the sending half of the stream. */
  async close(): Promise<void> {
    await this.#writer.close();
  }
}
