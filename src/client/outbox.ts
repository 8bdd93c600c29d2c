/**
 * The client's outbox: every Say, Emote and PrivateMessage from the moment it
 * is sent until the server's Delivered for its id arrives (docs/protocol.md,
 * "De-duplication"). Pure state; the time is passed in.
 *
 * Rules:
 * 1. Entries keep the order they were added in, and are (re)sent in it.
 * 2. Delivered removes an entry; so does a refusal (an ErrorFrame naming its
 *    id), except `rateLimited`: the server did not take the message, and it
 *    is sent again, same id, once the server's `retryAfterMs` has passed.
 * 3. A new link (after a reconnect) makes every entry unsent: all of them
 *    go again, same ids, in order; the server answers those it already took
 *    with their original Delivered and does not broadcast them again.
 * 4. After a rate-limit refusal the outbox is *paced* until it is empty: at
 *    most one message is in flight, so a message refused for its rate can
 *    never be overtaken by a later one that the server happened to accept.
 * 5. At most `capacity` entries (the server's de-duplication window).
 *
 * Call order: `add` / `handle*` as things happen, then `pollTransmit(now)`
 * until it returns null, then arm a timer for `pollTimeout()`.
 *
 * @example
 * ```ts
 * import { Outbox } from "./outbox.ts";
 * import { messageId } from "../protocol/mod.ts";
 * const outbox = new Outbox();
 * const id = messageId(new Uint8Array(16));
 * outbox.add({ type: "say", messageId: id, text: "hi" });
 * outbox.pollTransmit(0); // the entry, to send now
 * outbox.handleDelivered(id); // the entry again: it is done
 * if (outbox.size !== 0) throw new Error("delivered messages leave the outbox");
 * ```
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import {
  DEDUPLICATION_WINDOW,
  type Emote,
  type MessageId,
  messageIdToHex,
  type PrivateMessage,
  type Say,
} from "../protocol/mod.ts";

/** A frame that carries a message id and stays in the outbox until Delivered. */
export type OutgoingFrame = Say | Emote | PrivateMessage;

/** One message waiting for its Delivered. */
export interface OutboxEntry {
  /** The frame, sent as is every time (same id). */
  readonly frame: OutgoingFrame;
  /** The id as hex: the entry's key. */
  readonly key: string;
}

interface Slot {
  readonly entry: OutboxEntry;
  /** Sent on the current link and not yet answered. */
  sent: boolean;
}

/** Messages sent and not yet acknowledged; see the module's rules. */
export class Outbox {
  /** Most entries held (the server's de-duplication window). */
  readonly capacity: number;
  readonly #slots = new Map<string, Slot>();
  #paced = false;
  #holdUntil = 0;

  /** An empty outbox holding at most `capacity` entries. */
  constructor(capacity: number = DEDUPLICATION_WINDOW) {
    this.capacity = capacity;
  }

  /** Entries waiting for their Delivered. */
  get size(): number {
    return this.#slots.size;
  }

  /** Whether `add` would throw: wait for Delivered frames first. */
  get isFull(): boolean {
    return this.#slots.size >= this.capacity;
  }

  /** Whether a rate-limit refusal made it send one message at a time (rule 4). */
  get isPaced(): boolean {
    return this.#paced;
  }

  /** Every entry, oldest first. */
  entries(): OutboxEntry[] {
    return [...this.#slots.values()].map((slot) => slot.entry);
  }

  /** Adds a message to send; throws `UsageError` when full or when its id is already held. */
  add(frame: OutgoingFrame): OutboxEntry {
    const key = messageIdToHex(frame.messageId);
    if (this.isFull) throw new UsageError(`Cannot queue a message: ${this.capacity} already wait`);
    if (this.#slots.has(key)) throw new UsageError(`Cannot queue a message: id ${key} is in use`);
    const entry = { frame, key };
    this.#slots.set(key, { entry, sent: false });
    return entry;
  }

  /** The server took the message: returns its entry (removed), or undefined if unknown. */
  handleDelivered(id: MessageId): OutboxEntry | undefined {
    return this.#remove(messageIdToHex(id));
  }

  /** The server refused the message for good: returns its entry (removed), or undefined. */
  handleRefused(id: MessageId): OutboxEntry | undefined {
    return this.#remove(messageIdToHex(id));
  }

  /**
   * The server refused the message for its rate: it stays, to be sent again
   * no sooner than `now + retryAfterMs`, and the outbox is paced. Returns
   * false if the id is unknown.
   */
  handleRateLimited(id: MessageId, retryAfterMs: number, now: number): boolean {
    const slot = this.#slots.get(messageIdToHex(id));
    if (slot === undefined) return false;
    slot.sent = false;
    this.#paced = true;
    this.#holdUntil = Math.max(this.#holdUntil, now + retryAfterMs);
    return true;
  }

  /** A new link: every entry is to be sent again, in order (rule 3). */
  handleNewLink(): void {
    for (const slot of this.#slots.values()) slot.sent = false;
  }

  /** The next entry to send now (marked as sent), or null. */
  pollTransmit(now: number): OutboxEntry | null {
    if (this.#paced && (now < this.#holdUntil || this.#anyInFlight())) return null;
    for (const slot of this.#slots.values()) {
      if (slot.sent) continue;
      slot.sent = true;
      return slot.entry;
    }
    return null;
  }

  /** When `pollTransmit` may next return an entry held back by pacing; null: no such wait. */
  pollTimeout(): number | null {
    if (!this.#paced || this.#slots.size === 0 || this.#anyInFlight()) return null;
    return this.#holdUntil;
  }

  #anyInFlight(): boolean {
    for (const slot of this.#slots.values()) if (slot.sent) return true;
    return false;
  }

  #remove(key: string): OutboxEntry | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    if (this.#slots.size === 0) {
      this.#paced = false;
      this.#holdUntil = 0;
    }
    return slot.entry;
  }
}
