/**
 * A min-heap of (deadline, item) with lazy invalidation: an item's newest
 * deadline is the only valid one, older entries are skipped when they
 * surface. It lets an endpoint with thousands of connections find the next
 * wake-up without scanning them all.
 *
 * @module
 */

interface Entry<T> {
  deadline: number;
  item: T;
}

/** Deadlines of many items; each item has at most one valid deadline. */
export class DeadlineQueue<T> {
  readonly #heap: Entry<T>[] = [];
  readonly #current = new Map<T, number>();

  /** Sets (or with null, removes) the item's deadline. */
  schedule(item: T, deadline: number | null): void {
    if (deadline === null) {
      this.#current.delete(item);
      return;
    }
    if (this.#current.get(item) === deadline) return;
    this.#current.set(item, deadline);
    this.#push({ deadline, item });
  }

  /** Forgets an item. */
  remove(item: T): void {
    this.#current.delete(item);
  }

  /** The earliest valid deadline, or null. */
  peek(): number | null {
    this.#discardStale();
    return this.#heap[0]?.deadline ?? null;
  }

  /** Removes and returns an item whose deadline is at or before `now`, or null. */
  popDue(now: number): T | null {
    this.#discardStale();
    const top = this.#heap[0];
    if (top === undefined || top.deadline > now) return null;
    this.#pop();
    this.#current.delete(top.item);
    return top.item;
  }

  /** Items with a deadline. */
  get size(): number {
    return this.#current.size;
  }

  #discardStale(): void {
    while (this.#heap.length > 0) {
      const top = this.#heap[0]!;
      if (this.#current.get(top.item) === top.deadline) return;
      this.#pop();
    }
  }

  #push(entry: Entry<T>): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.deadline <= entry.deadline) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.deadline < heap[left]!.deadline
        ? right
        : left;
      if (heap[child]!.deadline >= last.deadline) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }
}
