/**
 * The receiver's half of go-back-N: the next sequence number expected, the
 * reassembly of the framed message stream, and delivered messages waiting
 * for the application. Only the next in-order packet is accepted; anything
 * else is the caller's to drop and answer with a duplicate acknowledgement.
 *
 * Flow control counts delivered-but-unread bytes only: a message being
 * reassembled is bounded by the maximum message size instead, so one large
 * message can never deadlock against a small receive buffer.
 *
 * @module
 */

import { MESSAGE_LENGTH_PREFIX } from "./send_queue.ts";
import { sequenceAdd, type SequenceNumber } from "./sequence.ts";

/** In-order reassembly and the delivered-message queue of one connection. */
export class ReceiveQueue {
  #expected: SequenceNumber;
  readonly #maxMessageSize: number;
  #lengthRead = 0;
  #announcedLength = 0;
  #current: Uint8Array | null = null;
  #currentFilled = 0;
  readonly #delivered: Uint8Array[] = [];
  #deliveredHead = 0;
  #unreadBytes = 0;
  #messagesDelivered = 0;

  /** A queue expecting `initialSequence` first. */
  constructor(initialSequence: SequenceNumber, maxMessageSize: number) {
    this.#expected = initialSequence;
    this.#maxMessageSize = maxMessageSize;
  }

  /** The next sequence number accepted: our cumulative acknowledgement. */
  get expected(): SequenceNumber {
    return this.#expected;
  }

  /** Bytes of delivered messages the application has not read. */
  get unreadBytes(): number {
    return this.#unreadBytes;
  }

  /** Messages waiting to be read. */
  get unreadCount(): number {
    return this.#delivered.length - this.#deliveredHead;
  }

  /** Messages completed since the start. */
  get messagesDelivered(): number {
    return this.#messagesDelivered;
  }

  /**
   * Consumes the payload of the expected packet. Returns null, or the reason
   * the stream is broken (a length beyond the limit): a protocol violation.
   */
  accept(payload: Uint8Array): string | null {
    this.#expected = sequenceAdd(this.#expected, 1);
    let offset = 0;
    while (offset < payload.length) {
      if (this.#lengthRead < MESSAGE_LENGTH_PREFIX) {
        this.#announcedLength = (this.#announcedLength * 256) + payload[offset++]!;
        if (++this.#lengthRead < MESSAGE_LENGTH_PREFIX) continue;
        if (this.#announcedLength > this.#maxMessageSize) {
          return `message of ${this.#announcedLength} bytes exceeds the limit of ${this.#maxMessageSize}`;
        }
        this.#current = new Uint8Array(this.#announcedLength);
        this.#currentFilled = 0;
      } else {
        const current = this.#current!;
        const count = Math.min(current.length - this.#currentFilled, payload.length - offset);
        current.set(payload.subarray(offset, offset + count), this.#currentFilled);
        this.#currentFilled += count;
        offset += count;
      }
      if (
        this.#lengthRead === MESSAGE_LENGTH_PREFIX && this.#currentFilled === this.#current!.length
      ) {
        this.#deliver(this.#current!);
      }
    }
    return null;
  }

  /** The oldest unread message, or null. */
  read(): Uint8Array | null {
    if (this.#deliveredHead === this.#delivered.length) return null;
    const message = this.#delivered[this.#deliveredHead]!;
    this.#delivered[this.#deliveredHead++] = EMPTY;
    if (this.#deliveredHead === this.#delivered.length) {
      this.#delivered.length = 0;
      this.#deliveredHead = 0;
    }
    this.#unreadBytes -= message.length;
    return message;
  }

  #deliver(message: Uint8Array): void {
    this.#delivered.push(message);
    this.#unreadBytes += message.length;
    this.#messagesDelivered++;
    this.#current = null;
    this.#lengthRead = 0;
    this.#announcedLength = 0;
  }
}

const EMPTY = new Uint8Array(0);
