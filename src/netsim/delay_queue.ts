/**
 * Time-ordered queues of datagrams waiting for their send time. The relay
 * keeps one queue and one timer for its earliest deadline, instead of one
 * timer per datagram (tens of thousands a second).
 *
 * Two implementations behind one interface: a FIFO when every datagram gets
 * the same delay (deadlines then arrive already sorted: O(1)), a binary heap
 * otherwise (O(log n)). Both release equal deadlines in insertion order, so
 * the relay never reorders datagrams it was not asked to.
 *
 * @module
 */

/** A queue of values, each due at a deadline (milliseconds, any clock). */
export interface DelayQueue<T> {
  /** Number of values waiting. */
  readonly size: number;
  /** Adds `value`, due at `deadline`. */
  push(deadline: number, value: T): void;
  /** The earliest deadline, or `Infinity` when empty. */
  peekDeadline(): number;
  /** Removes and returns the value with the earliest deadline (oldest first on ties). */
  pop(): T | undefined;
  /** Removes everything. */
  clear(): void;
}

/**
 * FIFO for deadlines pushed in non-decreasing order. A deadline earlier than
 * the last one pushed is raised to it: order is kept, and nothing leaves early.
 *
 * @example
 * ```ts
 * import { FifoDelayQueue } from "./delay_queue.ts";
 * const queue = new FifoDelayQueue<string>();
 * queue.push(5, "a");
 * queue.push(6, "b");
 * if (queue.pop() !== "a" || queue.peekDeadline() !== 6) throw new Error();
 * ```
 */
export class FifoDelayQueue<T> implements DelayQueue<T> {
  #deadlines: number[] = [];
  #values: (T | undefined)[] = [];
  #head = 0;

  /** Number of values waiting. */
  get size(): number {
    return this.#values.length - this.#head;
  }

  /** Adds `value`, due at `deadline` (raised to the previous deadline if earlier). */
  push(deadline: number, value: T): void {
    const last = this.#deadlines.length > this.#head
      ? this.#deadlines[this.#deadlines.length - 1]!
      : -Infinity;
    this.#deadlines.push(deadline < last ? last : deadline);
    this.#values.push(value);
  }

  /** The earliest deadline, or `Infinity` when empty. */
  peekDeadline(): number {
    return this.#head < this.#deadlines.length ? this.#deadlines[this.#head]! : Infinity;
  }

  /** Removes and returns the oldest value. */
  pop(): T | undefined {
    if (this.#head >= this.#values.length) return undefined;
    const value = this.#values[this.#head];
    this.#values[this.#head] = undefined; // let the datagram be collected
    this.#head++;
    if (this.#head === this.#values.length) {
      this.clear();
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#values.length) {
      // Compact now and then rather than shift() on every pop (O(n) each).
      this.#deadlines = this.#deadlines.slice(this.#head);
      this.#values = this.#values.slice(this.#head);
      this.#head = 0;
    }
    return value;
  }

  /** Removes everything. */
  clear(): void {
    this.#deadlines = [];
    this.#values = [];
    this.#head = 0;
  }
}

interface HeapEntry<T> {
  deadline: number;
  /** Insertion number: breaks ties so equal deadlines leave oldest first. */
  sequence: number;
  value: T;
}

/** Binary min-heap on (deadline, insertion order), for arbitrary deadlines. */
export class HeapDelayQueue<T> implements DelayQueue<T> {
  #entries: HeapEntry<T>[] = [];
  #nextSequence = 0;

  /** Number of values waiting. */
  get size(): number {
    return this.#entries.length;
  }

  /** Adds `value`, due at `deadline`. */
  push(deadline: number, value: T): void {
    const entries = this.#entries;
    const entry = { deadline, sequence: this.#nextSequence++, value };
    let index = entries.length;
    entries.push(entry);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = entries[parentIndex]!;
      if (!isEarlier(entry, parent)) break;
      entries[index] = parent;
      index = parentIndex;
    }
    entries[index] = entry;
  }

  /** The earliest deadline, or `Infinity` when empty. */
  peekDeadline(): number {
    return this.#entries.length > 0 ? this.#entries[0]!.deadline : Infinity;
  }

  /** Removes and returns the value with the earliest deadline. */
  pop(): T | undefined {
    const entries = this.#entries;
    const top = entries[0];
    if (top === undefined) return undefined;
    const last = entries.pop()!;
    if (entries.length > 0) {
      // Sift the last entry down from the root.
      let index = 0;
      for (;;) {
        const leftIndex = 2 * index + 1;
        if (leftIndex >= entries.length) break;
        const rightIndex = leftIndex + 1;
        let childIndex = leftIndex;
        if (rightIndex < entries.length && isEarlier(entries[rightIndex]!, entries[leftIndex]!)) {
          childIndex = rightIndex;
        }
        const child = entries[childIndex]!;
        if (!isEarlier(child, last)) break;
        entries[index] = child;
        index = childIndex;
      }
      entries[index] = last;
    }
    return top.value;
  }

  /** Removes everything. */
  clear(): void {
    this.#entries = [];
  }
}

function isEarlier<T>(a: HeapEntry<T>, b: HeapEntry<T>): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);
}
