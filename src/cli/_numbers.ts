/**
 * Pure parsers for numeric command-line values. They accept plain decimal
 * notation only (no `1e3`, no `0x10`, no spaces), so a typo never turns into
 * a surprising number, and throw {@link ArgumentError} with a message that
 * states the accepted range.
 *
 * @module
 */

import { ArgumentError } from "./_argument_error.ts";

/** Inclusive bounds of an accepted value. */
export interface NumberRange {
  /** Smallest accepted value. */
  minimum: number;
  /** Largest accepted value. */
  maximum: number;
}

/**
 * Parses a whole number within `range`.
 *
 * @example
 * ```ts
 * import { parseInteger } from "./_numbers.ts";
 * if (parseInteger("1200", { minimum: 256, maximum: 65507 }) !== 1200) throw new Error();
 * ```
 */
export function parseInteger(text: string, range: NumberRange): number {
  if (!/^-?\d+$/.test(text)) {
    throw new ArgumentError(`'${text}' is not a whole number`);
  }
  return checkRange(Number(text), text, range);
}

/** Parses a decimal number (`2`, `0.5`, `12.25`) within `range`. */
export function parseDecimal(text: string, range: NumberRange): number {
  if (!/^-?\d+(\.\d+)?$/.test(text)) {
    throw new ArgumentError(`'${text}' is not a number`);
  }
  return checkRange(Number(text), text, range);
}

/** Parses a percentage, 0 to 100, decimals allowed (`0.5`). */
export function parsePercent(text: string): number {
  return parseDecimal(text, { minimum: 0, maximum: 100 });
}

/** Largest delay netsim accepts, in milliseconds: a minute is already absurd for UDP. */
export const MAXIMUM_DELAY_MS = 60_000;

/** Parses a duration in milliseconds, 0 to {@link MAXIMUM_DELAY_MS}, decimals allowed. */
export function parseMilliseconds(text: string): number {
  return parseDecimal(text, { minimum: 0, maximum: MAXIMUM_DELAY_MS });
}

/** Smallest and largest datagram size (`--mtu`), in bytes of UDP payload. */
export const MTU_RANGE: NumberRange = { minimum: 576, maximum: 65_507 };

/** Parses `--mtu`: the largest UDP payload mochi sends, {@link MTU_RANGE}. */
export function parseMtu(text: string): number {
  return parseInteger(text, MTU_RANGE);
}

/** Parses a PRNG seed: a whole number from 0 to 2^32-1. */
export function parseSeed(text: string): number {
  return parseInteger(text, { minimum: 0, maximum: 0xffff_ffff });
}

function checkRange(value: number, text: string, range: NumberRange): number {
  if (!Number.isFinite(value) || value < range.minimum || value > range.maximum) {
    throw new ArgumentError(
      `'${text}' is out of range: expected ${range.minimum} to ${range.maximum}`,
    );
  }
  return value;
}
