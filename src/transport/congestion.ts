/**
 * Congestion control: slow start, then additive increase; a multiplicative
 * decrease at most once per round trip of losses; collapse to the minimum
 * window on a retransmission timeout (RFC 5681's shape, counted in packets).
 *
 * Both the increase and the decrease follow the RTT, as TCP Veno does: while
 * the RTT shows no queue of ours building up, a loss is more likely random
 * (radio, a lossy link) than congestion, so the window shrinks by a tenth
 * instead of half, and grows by four packets per round trip instead of one.
 * Go-back-N needs this more than TCP: at 5 % random loss a window that halves
 * every round trip settles near ten packets and starves the link. Once a
 * queue shows (SRTT clearly above the minimum RTT), it is plain Reno.
 * Veno estimates the queue in packets; we compare queueing delay with the
 * base delay instead, because delayed acknowledgements and timer granularity
 * add milliseconds of noise that a packet count at small windows mistakes
 * for a queue.
 *
 * @module
 */

import { sequenceDistance, type SequenceNumber } from "./sequence.ts";

/** Smallest window: go-back-N needs two packets to make progress with delayed ACKs. */
export const MIN_CONGESTION_WINDOW = 2;
/** Queueing delay, as a share of the base RTT, below which a loss is taken for random. */
const RANDOM_LOSS_QUEUE_SHARE = 0.5;
/** Queueing delay in ms that always counts as "no queue" (timer and ack-delay noise). */
const RANDOM_LOSS_QUEUE_FLOOR_MS = 0.5;
/** Window kept after a loss that looks random (Veno keeps 0.8; go-back-N needs more). */
const RANDOM_LOSS_DECREASE = 0.9;
/** Window kept after a loss that looks like congestion. */
const CONGESTION_LOSS_DECREASE = 0.5;

/** Packets added per round trip in congestion avoidance while no queue builds up. */
const QUEUE_FREE_INCREASE = 4;

/** Whether the RTT shows no queue of ours: queueing delay within noise of the base delay. */
function isQueueFree(smoothedRtt: number, minRtt: number): boolean {
  if (smoothedRtt <= 0) return false;
  const queueingDelay = smoothedRtt - minRtt;
  return queueingDelay < Math.max(RANDOM_LOSS_QUEUE_FLOOR_MS, RANDOM_LOSS_QUEUE_SHARE * minRtt);
}

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
  onAcknowledged(count: number, smoothedRtt = 0, minRtt = 0): void {
    if (this.#window < this.#slowStartThreshold) {
      this.#window += count;
    } else {
      const increase = isQueueFree(smoothedRtt, minRtt) ? QUEUE_FREE_INCREASE : 1;
      this.#window += increase * count / this.#window;
    }
    this.#window = Math.min(this.#window, this.#maxWindow);
  }

  /**
   * Reacts to a loss detected at `lostSequence` while `nextSequence` is the
   * next new packet to send. Losses of packets sent before the previous
   * reduction belong to the same round trip and change nothing.
   * `smoothedRtt` and `minRtt` tell a random loss from a congestion loss.
   * Returns whether the window was reduced.
   */
  onLoss(
    lostSequence: SequenceNumber,
    nextSequence: SequenceNumber,
    smoothedRtt: number,
    minRtt: number,
  ): boolean {
    if (this.#recoveryEnd !== null && sequenceDistance(this.#recoveryEnd, lostSequence) < 0) {
      return false;
    }
    const factor = isQueueFree(smoothedRtt, minRtt)
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
