/**
 * What the user has already been shown, so that nothing is shown twice when
 * a reconnect (or a server that sends something again) repeats it. Pure.
 *
 * Rules:
 * 1. Room messages: only a sequence above the highest one shown is new.
 * 2. A join whose `lastSequence` is below the highest shown means the room's
 *    numbering started again (a server that lost its state): the filter
 *    drops to that point, or every later message would be hidden.
 * 3. Private messages carry no sequence: their ids are remembered, the most
 *    recent `capacity` of them (oldest forgotten first).
 *
 * @example
 * ```ts
 * import { ShownMessages } from "./shown_messages.ts";
 * const shown = new ShownMessages();
 * shown.acceptRoomMessage(1); // true: show it
 * if (shown.acceptRoomMessage(1)) throw new Error("a repeat is not shown");
 * ```
 *
 * @module
 */

import { type MessageId, messageIdToHex } from "../protocol/mod.ts";

/** How many private message ids are remembered by default. */
export const REMEMBERED_PRIVATE_IDS = 4096;

/** The filter described in the module's rules. */
export class ShownMessages {
  #highestSequence = 0;
  readonly #privateIds = new Set<string>();
  readonly #capacity: number;

  /** A filter that has shown nothing, remembering up to `capacity` private ids. */
  constructor(capacity: number = REMEMBERED_PRIVATE_IDS) {
    this.#capacity = capacity;
  }

  /** The highest room sequence shown (0: none). */
  get highestSequence(): number {
    return this.#highestSequence;
  }

  /** Whether the room message with `sequence` is new; if so it counts as shown. */
  acceptRoomMessage(sequence: number): boolean {
    if (sequence <= this.#highestSequence) return false;
    this.#highestSequence = sequence;
    return true;
  }

  /** A (re)join told the room's latest sequence (rule 2). */
  handleJoined(lastSequence: number): void {
    if (lastSequence < this.#highestSequence) this.#highestSequence = lastSequence;
  }

  /** Whether the private message with `id` is new; if so it counts as shown. */
  acceptPrivate(id: MessageId): boolean {
    const key = messageIdToHex(id);
    if (this.#privateIds.has(key)) return false;
    this.#privateIds.add(key);
    if (this.#privateIds.size > this.#capacity) {
      // A Set iterates in insertion order: the first is the oldest.
      this.#privateIds.delete(this.#privateIds.values().next().value!);
    }
    return true;
  }
}
