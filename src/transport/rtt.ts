/**
 * Round-trip time estimation and the retransmission timeout, as RFC 6298
 * specifies: SRTT and RTTVAR with gains 1/8 and 1/4, RTO = SRTT + 4 RTTVAR,
 * clamped to bounds, doubled on each timeout (exponential backoff) and reset
 * by the next valid sample. Karn's rule — never sample a retransmitted
 * packet — is the caller's duty, because only the sender knows.
 *
 * @module
 */

/** Clock granularity G of RFC 6298, in milliseconds (our timers are ms-precise). */
const CLOCK_GRANULARITY = 1;

/** Bounds of the timeout, from the transport configuration. */
export interface RttBounds {
  initialRetransmissionTimeout: number;
  minRetransmissionTimeout: number;
  maxRetransmissionTimeout: number;
}

/** One connection's RTT state. */
export class RttEstimator {
  #smoothed = 0;
  #variance = 0;
  #minimum = Infinity;
  #latest = 0;
  #hasSample = false;
  #backoffFactor = 1;
  readonly #bounds: RttBounds;

  /** Starts with no sample: the timeout is the configured initial one. */
  constructor(bounds: RttBounds) {
    this.#bounds = bounds;
  }

  /** Whether at least one valid sample has been taken. */
  get hasSample(): boolean {
    return this.#hasSample;
  }

  /** SRTT, or 0 before the first sample. */
  get smoothed(): number {
    return this.#smoothed;
  }

  /** RTTVAR, or 0 before the first sample. */
  get variance(): number {
    return this.#variance;
  }

  /** The smallest sample seen: the path's base delay without queueing. */
  get minimum(): number {
    return this.#hasSample ? this.#minimum : 0;
  }

  /** The most recent sample. */
  get latest(): number {
    return this.#latest;
  }

  /** The current timeout, backoff included, within the bounds (RFC 6298 2.4, 5.5). */
  get retransmissionTimeout(): number {
    const { initialRetransmissionTimeout, minRetransmissionTimeout, maxRetransmissionTimeout } =
      this.#bounds;
    const base = this.#hasSample
      ? this.#smoothed + Math.max(CLOCK_GRANULARITY, 4 * this.#variance)
      : initialRetransmissionTimeout;
    const clamped = Math.max(minRetransmissionTimeout, base);
    return Math.min(maxRetransmissionTimeout, clamped * this.#backoffFactor);
  }

  /** Takes a sample (RFC 6298 2.2 and 2.3) and ends any backoff. */
  addSample(rtt: number): void {
    const sample = Math.max(0, rtt);
    this.#latest = sample;
    this.#minimum = Math.min(this.#minimum, sample);
    if (!this.#hasSample) {
      this.#smoothed = sample;
      this.#variance = sample / 2;
      this.#hasSample = true;
    } else {
      this.#variance = 0.75 * this.#variance + 0.25 * Math.abs(this.#smoothed - sample);
      this.#smoothed = 0.875 * this.#smoothed + 0.125 * sample;
    }
    this.#backoffFactor = 1;
  }

  /** Doubles the timeout after it expired (RFC 6298 5.5), up to the upper bound. */
  backOff(): void {
    if (this.retransmissionTimeout < this.#bounds.maxRetransmissionTimeout) {
      this.#backoffFactor *= 2;
    }
  }

  /** Ends the backoff when acknowledgements show the path works again. */
  resetBackoff(): void {
    this.#backoffFactor = 1;
  }
}
