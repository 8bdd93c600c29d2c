/**
 * The impure half of the outbox: sends what the {@link Outbox} allows on the
 * session's current link, re-arms one timer for what its pacing holds back,
 * and lets callers wait for the outbox to change (room for one more message,
 * or empty for `drain`).
 *
 * @module
 */

import type { Outbox } from "./outbox.ts";
import type { SessionLink } from "./session_link.ts";

/** Drives an {@link Outbox} over whichever link is current. */
export class OutboxSender {
  readonly #outbox: Outbox;
  #link: SessionLink | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: Array<() => void> = [];

  /** A sender for `outbox`, with no link yet. */
  constructor(outbox: Outbox) {
    this.#outbox = outbox;
  }

  /** The link to send on (null: none, hold everything); sends what is due on a new one. */
  setLink(link: SessionLink | null): void {
    this.#link = link;
    if (link === null) clearTimeout(this.#timer);
    else this.transmit();
  }

  /** The outbox changed (added, delivered, refused): wake waiters and send what is due. */
  changed(): void {
    for (const wake of this.#waiters.splice(0)) wake();
    this.transmit();
  }

  /** Resolves at the next {@link changed} call. */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Sends what the outbox allows now, and arms the timer for what it holds back. */
  transmit(): void {
    const link = this.#link;
    if (link === null) return;
    const now = performance.now();
    for (
      let entry = this.#outbox.pollTransmit(now);
      entry !== null;
      entry = this.#outbox.pollTransmit(now)
    ) {
      link.send(entry.frame).catch(() => {}); // a lost link is the session's to handle
    }
    const deadline = this.#outbox.pollTimeout();
    clearTimeout(this.#timer);
    if (deadline !== null) {
      this.#timer = setTimeout(() => this.transmit(), Math.max(0, deadline - now));
    }
  }
}
