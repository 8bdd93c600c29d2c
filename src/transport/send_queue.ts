/**
 * The sender's half of go-back-N: messages waiting to be sent, framed as a
 * byte stream (a u32 length before each message, so small messages share a
 * packet and large ones span many), and the packets in flight from the
 * oldest unacknowledged one onward.
 *
 * Rules:
 * - Packets are built lazily, when the window lets one go, so the stream is
 *   cut into full packets whenever data is waiting.
 * - A built packet keeps its sequence number and payload until acknowledged;
 *   retransmission resends the same bytes with a fresh header.
 * - The cursor is the next packet to (re)send. Going back N moves it to the
 *   oldest unacknowledged packet; an acknowledgement moves the base past
 *   everything it covers, which may be beyond the cursor (originals that
 *   arrived after all).
 *
 * @module
 */

import { HEADER_LENGTH } from "./packet.ts";
import { sequenceAdd, sequenceDistance, type SequenceNumber } from "./sequence.ts";

/** Bytes of the length that frames each message in the stream. */
export const MESSAGE_LENGTH_PREFIX = 4;

/** A data packet built and sent at least once. */
export interface SentPacket {
  /** The datagram buffer: header, payload, room for the trailer. */
  readonly buffer: Uint8Array;
  /** Bytes of header plus payload. */
  readonly length: number;
  /** When it was last (re)transmitted. */
  sentAt: number;
  /** How often it was transmitted; Karn's rule samples only those sent once. */
  transmissions: number;
}

/** Recycles datagram buffers of one size so bulk transfers do not churn the heap. */
export class BufferPool {
  readonly #free: Uint8Array[] = [];
  readonly #size: number;
  readonly #capacity: number;

  /** A pool of buffers of `size` bytes, keeping at most `capacity` free ones. */
  constructor(size: number, capacity: number) {
    this.#size = size;
    this.#capacity = capacity;
  }

  /** A buffer of the pool's size; its contents are arbitrary. */
  take(): Uint8Array {
    return this.#free.pop() ?? new Uint8Array(this.#size);
  }

  /** Returns a buffer no one will read again. */
  give(buffer: Uint8Array): void {
    if (this.#free.length < this.#capacity && buffer.length === this.#size) {
      this.#free.push(buffer);
    }
  }
}

/** Unsent messages and unacknowledged packets of one connection. */
export class SendQueue {
  readonly #pool: BufferPool;
  readonly #maxPayload: number;
  readonly #messages: Uint8Array[] = [];
  #messageIndex = 0;
  /** Position in the current message's framed form: [0, 4) is the prefix. */
  #framedOffset = 0;
  #unsentBytes = 0;
  readonly #packets: SentPacket[] = [];
  #packetBase = 0;
  #oldest: SequenceNumber;
  #cursor = 0;

  /** A queue whose first packet will carry `initialSequence`. */
  constructor(initialSequence: SequenceNumber, maxPayload: number, pool: BufferPool) {
    this.#oldest = initialSequence;
    this.#maxPayload = maxPayload;
    this.#pool = pool;
  }

  /** The oldest unacknowledged sequence number. */
  get oldest(): SequenceNumber {
    return this.#oldest;
  }

  /** Packets built and sent at least once, not yet acknowledged. */
  get builtCount(): number {
    return this.#packets.length - this.#packetBase;
  }

  /** Packets sent since the base, counting up to the cursor: what is in flight now. */
  get inFlight(): number {
    return this.#cursor;
  }

  /** The sequence number the next transmission will carry. */
  get cursorSequence(): SequenceNumber {
    return sequenceAdd(this.#oldest, this.#cursor);
  }

  /** The sequence number of the next packet never sent before. */
  get nextNewSequence(): SequenceNumber {
    return sequenceAdd(this.#oldest, this.builtCount);
  }

  /** Framed bytes of messages not yet cut into packets. */
  get unsentBytes(): number {
    return this.#unsentBytes;
  }

  /** Whether a transmission is waiting (new data, or packets to go back for). */
  get hasPending(): boolean {
    return this.#cursor < this.builtCount || this.#unsentBytes > 0;
  }

  /** Whether everything ever queued has been acknowledged. */
  get isEmpty(): boolean {
    return this.builtCount === 0 && this.#unsentBytes === 0;
  }

  /** Queues a message behind the others. */
  enqueue(message: Uint8Array): void {
    this.#messages.push(message);
    this.#unsentBytes += MESSAGE_LENGTH_PREFIX + message.length;
  }

  /** The packet `index` places after the oldest (0 is the oldest), if built. */
  packetAt(index: number): SentPacket | undefined {
    return this.#packets[this.#packetBase + index];
  }

  /**
   * The next packet to transmit, building one from the stream if the cursor
   * is at the end, and moves the cursor past it; null when nothing waits.
   */
  takeNext(): SentPacket | null {
    if (this.#cursor < this.builtCount) {
      return this.#packets[this.#packetBase + this.#cursor++]!;
    }
    if (this.#unsentBytes === 0) return null;
    const buffer = this.#pool.take();
    const length = HEADER_LENGTH + this.#fill(buffer, HEADER_LENGTH);
    const packet: SentPacket = { buffer, length, sentAt: 0, transmissions: 0 };
    this.#packets.push(packet);
    this.#cursor++;
    return packet;
  }

  /** Goes back N: the next transmission is the oldest unacknowledged packet. */
  rewind(): void {
    this.#cursor = 0;
  }

  /**
   * Releases every packet before `acknowledgement`. Returns how many were
   * released, or -1 if it acknowledges a packet never sent (a broken or
   * forged peer), in which case nothing changes.
   */
  acknowledge(acknowledgement: SequenceNumber): number {
    const count = sequenceDistance(this.#oldest, acknowledgement);
    if (count <= 0) return 0;
    if (count > this.builtCount) return -1;
    for (let index = 0; index < count; index++) {
      this.#pool.give(this.#packets[this.#packetBase + index]!.buffer);
    }
    this.#packetBase += count;
    if (this.#packetBase > 1024 && this.#packetBase * 2 > this.#packets.length) {
      this.#packets.splice(0, this.#packetBase);
      this.#packetBase = 0;
    }
    this.#oldest = acknowledgement;
    this.#cursor = Math.max(0, this.#cursor - count);
    return count;
  }

  /** Copies up to one packet's payload of framed stream into `buffer` at `offset`. */
  #fill(buffer: Uint8Array, offset: number): number {
    let written = 0;
    while (written < this.#maxPayload && this.#messageIndex < this.#messages.length) {
      const message = this.#messages[this.#messageIndex]!;
      if (this.#framedOffset < MESSAGE_LENGTH_PREFIX) {
        const prefixByte = (message.length >>> (8 * (3 - this.#framedOffset))) & 0xff;
        buffer[offset + written++] = prefixByte;
        this.#framedOffset++;
      } else {
        const start = this.#framedOffset - MESSAGE_LENGTH_PREFIX;
        const count = Math.min(message.length - start, this.#maxPayload - written);
        buffer.set(message.subarray(start, start + count), offset + written);
        written += count;
        this.#framedOffset += count;
      }
      if (this.#framedOffset === MESSAGE_LENGTH_PREFIX + message.length) {
        this.#messages[this.#messageIndex++] = EMPTY;
        this.#framedOffset = 0;
      }
    }
    if (this.#messageIndex > 256 && this.#messageIndex * 2 > this.#messages.length) {
      this.#messages.splice(0, this.#messageIndex);
      this.#messageIndex = 0;
    }
    this.#unsentBytes -= written;
    return written;
  }
}

const EMPTY = new Uint8Array(0);
