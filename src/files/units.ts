/**
 * Byte sizes and durations as people type and read them: `--max-file-size
 * 4GiB`, `--file-ttl 24h`, `1.5 MiB` in a listing, `12.3 MiB/s` on a
 * progress bar.
 *
 * The parsers accept plain decimal notation only (no exponents, signs or
 * spaces), like the other command-line parsers, so a typo never turns into
 * a surprising number; they throw {@link ArgumentError} with a message that
 * quotes the input and shows what would have been accepted.
 *
 * @module
 */

import { ArgumentError } from "../cli/_argument_error.ts";
import { UsageError } from "../errors.ts";

const KIB = 1024;

// Decimal (SI) multipliers for kB/MB/GB/TB: what disk vendors and many
// tools mean by "100MB". A bare letter means binary, as in `dd` and `du`.
const DECIMAL_MULTIPLIERS: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
const BINARY_MULTIPLIERS: Record<string, number> = {
  k: KIB,
  m: KIB ** 2,
  g: KIB ** 3,
  t: KIB ** 4,
};

const BYTE_SIZE = /^(\d+(?:\.\d+)?)(?:([kmgt])(ib|b)?|b)?$/i;
const SIZE_HINT = "expected bytes or a number with a unit, such as 512k, 100MB or 2GiB";

/**
 * Parses a byte count: `1048576` or `100B` (whole bytes), `512k` / `512K` /
 * `512KiB` (binary: ×1024), `100kB` / `100MB` / `2GB` / `1TB` (decimal: ×1000).
 * Units are case-insensitive; decimals are allowed with a unit and rounded
 * to the nearest byte (`1.5k` is 1536).
 *
 * @example
 * ```ts
 * import { parseByteSize } from "./units.ts";
 * if (parseByteSize("2GiB") !== 2 * 1024 ** 3) throw new Error();
 * if (parseByteSize("100MB") !== 100_000_000) throw new Error();
 * ```
 */
export function parseByteSize(text: string): number {
  const match = BYTE_SIZE.exec(text);
  if (match === null) throw new ArgumentError(`'${text}' is not a size: ${SIZE_HINT}`);
  const [, number = "", prefix, suffix] = match;
  const letter = prefix?.toLowerCase();
  if (letter === undefined) {
    if (number.includes(".")) throw new ArgumentError(`'${text}' is not a whole number of bytes`);
    return checkSafe(Number(number), text);
  }
  const decimal = suffix?.toLowerCase() === "b";
  const multiplier = (decimal ? DECIMAL_MULTIPLIERS : BINARY_MULTIPLIERS)[letter] ?? NaN;
  return checkSafe(Math.round(Number(number) * multiplier), text);
}

const DURATION_UNITS_MS: Record<string, number> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
};
const DURATION_PART = /(\d+(?:\.\d+)?)([dhms])/gy;
const DURATION_HINT = "expected seconds or a duration such as 90s, 30m, 24h, 7d or 1h30m";

/**
 * Parses a duration to milliseconds: a bare number is seconds (`3600`);
 * otherwise one or more parts from `d`, `h`, `m`, `s`, each at most once and
 * largest first (`1h30m`, `7d`, `90s`). Decimals are allowed (`1.5h`); the
 * result is rounded to the millisecond. Units are case-insensitive.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./units.ts";
 * if (parseDuration("1h30m") !== 5_400_000) throw new Error();
 * if (parseDuration("3600") !== 3_600_000) throw new Error();
 * ```
 */
export function parseDuration(text: string): number {
  if (/^\d+(?:\.\d+)?$/.test(text)) return checkSafe(Math.round(Number(text) * 1000), text);
  const lower = text.toLowerCase();
  let total = 0;
  let position = 0;
  let previousUnitMs = Infinity;
  DURATION_PART.lastIndex = 0;
  for (let part = DURATION_PART.exec(lower); part !== null; part = DURATION_PART.exec(lower)) {
    const unitMs = DURATION_UNITS_MS[part[2] ?? ""] ?? NaN;
    // Strict order rejects `30m1h` and `1h1h`, which are more likely typos than intent.
    if (!(unitMs < previousUnitMs)) {
      throw new ArgumentError(`'${text}' is not a duration: units must be d, h, m, s in order`);
    }
    previousUnitMs = unitMs;
    total += Number(part[1]) * unitMs;
    position = DURATION_PART.lastIndex;
  }
  if (position === 0 || position !== lower.length) {
    throw new ArgumentError(`'${text}' is not a duration: ${DURATION_HINT}`);
  }
  return checkSafe(Math.round(total), text);
}

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] as const;

/**
 * A byte count for people: whole bytes below 1 KiB, else one decimal in the
 * largest binary unit that keeps the number below 1024.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./units.ts";
 * if (formatBytes(1_572_864) !== "1.5 MiB") throw new Error();
 * if (formatBytes(512) !== "512 B") throw new Error();
 * ```
 */
export function formatBytes(bytes: number): string {
  checkFormattable(bytes, "a byte count");
  if (Math.round(bytes) < KIB) return `${Math.round(bytes)} B`;
  let unit = 1;
  let value = bytes / KIB;
  // Compare the rounded text, so 1048575 bytes reads "1.0 MiB", not "1024.0 KiB".
  while (unit < BINARY_UNITS.length - 1 && Number(value.toFixed(1)) >= KIB) {
    value /= KIB;
    unit++;
  }
  return `${value.toFixed(1)} ${BINARY_UNITS[unit]}`;
}

/**
 * A transfer rate for people, as {@link formatBytes} per second.
 *
 * @example
 * ```ts
 * import { formatRate } from "./units.ts";
 * if (formatRate(12.3 * 1024 * 1024) !== "12.3 MiB/s") throw new Error();
 * ```
 */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * A duration for people, rounded to the second, in its two largest units:
 * `2d 03h`, `1h 02m`, `3m 05s`, `12s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./units.ts";
 * if (formatDuration(3_720_000) !== "1h 02m") throw new Error();
 * if (formatDuration(185_000) !== "3m 05s") throw new Error();
 * ```
 */
export function formatDuration(milliseconds: number): string {
  checkFormattable(milliseconds, "a duration");
  const seconds = Math.round(milliseconds / 1000);
  const pad = (value: number) => String(value).padStart(2, "0");
  if (seconds >= 86_400) {
    return `${Math.floor(seconds / 86_400)}d ${pad(Math.floor(seconds / 3600) % 24)}h`;
  }
  if (seconds >= 3600) {
    return `${Math.floor(seconds / 3600)}h ${pad(Math.floor(seconds / 60) % 60)}m`;
  }
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  return `${seconds}s`;
}

function checkSafe(value: number, text: string): number {
  if (!Number.isSafeInteger(value)) throw new ArgumentError(`'${text}' is too large`);
  return value;
}

function checkFormattable(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new UsageError(`Cannot format ${value} as ${what}: expected a finite number >= 0`);
  }
}
