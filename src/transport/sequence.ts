/**
 * 32-bit sequence numbers and connection ids, with the one helper that
 * compares sequence numbers across the wrap at 2^32.
 *
 * Sequence numbers are branded so a packet count or a connection id cannot be
 * passed where a sequence number is wanted (and the other way round).
 *
 * @module
 */

/** A go-back-N sequence number: an unsigned 32-bit integer that wraps. */
export type SequenceNumber = number & { readonly __brand: "SequenceNumber" };

/** A connection id: an unsigned 32-bit integer chosen by the receiving side; 0 means "none". */
export type ConnectionId = number & { readonly __brand: "ConnectionId" };

/** Brands an integer as a sequence number, reducing it modulo 2^32. */
export function sequenceNumber(value: number): SequenceNumber {
  return (value >>> 0) as SequenceNumber;
}

/** Brands an integer as a connection id, reducing it modulo 2^32. */
export function connectionId(value: number): ConnectionId {
  return (value >>> 0) as ConnectionId;
}

/** The sequence number `count` places after `from` (count may be negative). */
export function sequenceAdd(from: SequenceNumber, count: number): SequenceNumber {
  return ((from + count) >>> 0) as SequenceNumber;
}

/**
 * How far `to` lies after `from`, as a signed 32-bit distance.
 *
 * This is the only place that knows about the wrap: every comparison of
 * sequence numbers goes through it, so `a` is before `b` exactly when
 * `sequenceDistance(a, b) > 0`. Valid while the two lie within 2^31 of each
 * other, which the window limit guarantees.
 *
 * @example
 * ```ts
 * import { sequenceDistance, sequenceNumber } from "./sequence.ts";
 * sequenceDistance(sequenceNumber(0xffff_fffe), sequenceNumber(1)); // 3
 * ```
 */
export function sequenceDistance(from: SequenceNumber, to: SequenceNumber): number {
  return (to - from) | 0;
}
