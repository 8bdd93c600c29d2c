/**
 * Number formatting and small statistics shared by the benchmark sections.
 */

import type { Outcome } from "./transport_runs.ts";

/** One decimal, or two below 10 so that small rates still show a difference. */
export function formatNumber(value: number): string {
  return value.toFixed(Math.abs(value) < 10 ? 2 : 1);
}

/** The value formatted, or the reason there is none ("timeout", "error: ..."). */
export function formatOutcome<T>(outcome: Outcome<T>, format: (value: T) => string): string {
  return outcome.ok ? format(outcome.value) : outcome.reason;
}

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? NaN;
}

/** mochi's value over QUIC's, or null when either is missing or QUIC's is 0. */
export function ratio(mochi: Outcome<number>, quic: Outcome<number>): number | null {
  if (!mochi.ok || !quic.ok || quic.value === 0) return null;
  return mochi.value / quic.value;
}

/** A ratio as "0.42x", or "n/a". */
export function formatRatio(value: number | null): string {
  return value === null ? "n/a" : `${value.toFixed(2)}x`;
}

/** Applies `transform` to a successful outcome's value. */
export function map<T, U>(outcome: Outcome<T>, transform: (value: T) => U): Outcome<U> {
  return outcome.ok ? { ok: true, value: transform(outcome.value) } : outcome;
}

/** Logical processors this process may use (what `nproc` counts). */
export function processorCount(): number {
  return navigator.hardwareConcurrency;
}
