/**
 * An unbounded queue read as an async iterator by one consumer: the bridge
 * from a session's callbacks to `for await (const event of session.events())`.
 *
 * @module
 */

/** Items pushed in, read once each, in order; iteration ends after `close()` and the last item. */
export class EventQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #closed = false;
  #wake: (() => void) | null = null;

  /** Adds an item (ignored once closed). */
  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.#wakeReader();
  }

  /** Ends the iteration once the items already pushed are read. */
  close(): void {
    this.#closed = true;
    this.#wakeReader();
  }

  /** Reads the items as they come. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
