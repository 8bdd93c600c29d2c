/**
 * A connection's timer table: one slot per kind of deadline, the earliest of
 * which is the connection's next wake-up (as quinn-proto keeps it). Times are
 * absolute milliseconds on the caller's clock.
 *
 * @module
 */

/** The kinds of deadline a connection keeps. */
export const Timer = {
  /** Retransmission timeout or tail-loss probe (also the handshake's retry). */
  Loss: 0,
  /** A delayed acknowledgement is due. */
  Ack: 1,
  /** The peer has been silent too long. */
  Idle: 2,
  /** We have been silent long enough to send a keepalive. */
  Keepalive: 3,
  /** Retry a Close, or end the draining period after one. */
  Close: 4,
  /** The peer's window is zero: probe it. */
  Persist: 5,
} as const;

/** A timer kind. */
export type Timer = typeof Timer[keyof typeof Timer];

const TIMER_COUNT = 6;

/** Deadlines by kind; `Infinity` means unset. */
export class TimerTable {
  readonly #deadlines = new Float64Array(TIMER_COUNT).fill(Infinity);

  /** Sets a deadline. */
  set(timer: Timer, deadline: number): void {
    this.#deadlines[timer] = deadline;
  }

  /** Clears a deadline. */
  clear(timer: Timer): void {
    this.#deadlines[timer] = Infinity;
  }

  /** Clears every deadline (the connection is gone). */
  clearAll(): void {
    this.#deadlines.fill(Infinity);
  }

  /** The deadline of one timer, or Infinity. */
  get(timer: Timer): number {
    return this.#deadlines[timer]!;
  }

  /** Whether a timer is set. */
  isSet(timer: Timer): boolean {
    return this.#deadlines[timer] !== Infinity;
  }

  /** Whether a set timer is due at `now`. */
  isExpired(timer: Timer, now: number): boolean {
    return this.#deadlines[timer]! <= now;
  }

  /** The earliest deadline, or null when none is set. */
  next(): number | null {
    let earliest = Infinity;
    for (const deadline of this.#deadlines) {
      if (deadline < earliest) earliest = deadline;
    }
    return earliest === Infinity ? null : earliest;
  }
}
