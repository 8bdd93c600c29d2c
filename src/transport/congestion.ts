/**
 * Congestion control: slow start, then additive increase; a multiplicative
 * decrease at most once per round trip of losses; collapse to the minimum
 * window on a retransmission timeout (RFC 5681's shape, counted in packets).
 *
 * The decrease factor follows TCP Veno's insight: when the RTT shows no
 * queue building up (fewer than a few packets of backlog), a loss is more
 * likely random (radio, a lossy link) than congestion, and halving the window
 * would only starve the connection. Then the window shrinks by a fifth; when
 * a queue is building, it halves as Reno does.
 *
 * @module
 */

import { sequenceDistance, type SequenceNumber } from "./sequence.ts";

/** Smallest window: go-back-N needs two packets to make progress with delayed ACKs. */
export const MIN_CONGESTION_WINDOW = 2;
/** Packets of estimated queue below which a loss is taken for random loss (Veno's beta). */
const RANDOM_LOSS_BACKLOG = 3;
/** Window kept after a loss that looks random. */
const RANDOM_LOSS_DECREASE = 0.8;
/** Window kept after a loss that looks like congestion. */
const CONGESTION_LOSS_DECREASE = 0.5;

/** One connection's congestion window. */
export class CongestionController {
  #window: number;
  #slowStartThreshold = Infinity;
  #recoveryEnd: SequenceNumber | null = null;
  readonly #maxWindow: number;

  /** Starts in slow start with `initialWindow` packets. */
  constructor(initialWindow: number, maxWindow: number) {
    this.#window = Math.min(initialWindow, maxWindow);
    this.#maxWindow = maxWindow;
  }

  /** Packets the sender may have in flight. */
  get window(): number {
    return Math.max(MIN_CONGESTION_WINDOW, Math.floor(this.#window));
  }

  /** The slow-start threshold, Infinity until the first loss. */
  get slowStartThreshold(): number {
    return this.#slowStartThreshold;
  }

  /** Grows the window for `count` newly acknowledged packets. */
  onAcknowledged(count: number): void {
    if (this.#window < this.#slowStartThreshold) {
      this.#window += count;
    } else {
      this.#window += count / this.#window;
    }
    this.#window = Math.min(this.#window, this.#maxWindow);
  }

  /**
   * Reacts to a loss detected at `lostSequence` while `nextSequence` is the
   * next new packet to send. Losses of packets sent before the previous
   * reduction belong to the same round trip and change nothing.
   * `backlogPackets` is the estimated queue: window x (SRTT - min RTT) / SRTT.
   * Returns whether the window was reduced.
   */
  onLoss(
    lostSequence: SequenceNumber,
    nextSequence: SequenceNumber,
    backlogPackets: number,
  ): boolean {
    if (this.#recoveryEnd !== null && sequenceDistance(this.#recoveryEnd, lostSequence) < 0) {
      return false;
    }
    const factor = backlogPackets < RANDOM_LOSS_BACKLOG
      ? RANDOM_LOSS_DECREASE
      : CONGESTION_LOSS_DECREASE;
    this.#slowStartThreshold = Math.max(MIN_CONGESTION_WINDOW, this.#window * factor);
    this.#window = this.#slowStartThreshold;
    this.#recoveryEnd = nextSequence;
    return true;
  }

  /** A retransmission timeout: the path may have changed; start again from the minimum. */
  onTimeout(nextSequence: SequenceNumber): void {
    this.#slowStartThreshold = Math.max(MIN_CONGESTION_WINDOW, this.#window / 2);
    this.#window = MIN_CONGESTION_WINDOW;
    this.#recoveryEnd = nextSequence;
  }
}
