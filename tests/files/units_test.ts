import assert from "node:assert/strict";
import { ArgumentError } from "../../src/cli/_argument_error.ts";
import { UsageError } from "../../src/errors.ts";
import {
  formatBytes,
  formatDuration,
  formatRate,
  parseByteSize,
  parseDuration,
} from "../../src/files/units.ts";

const KiB = 1024;

/** Whether an error is an ArgumentError whose whole message matches `message`. */
function isArgumentError(message: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof ArgumentError && message.test(error.message);
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

Deno.test("parseByteSize: bare letters and iB are binary, kB/MB/GB/TB are decimal", () => {
  const table: Array<[text: string, bytes: number]> = [
    ["0", 0],
    ["1048576", MiB],
    ["100B", 100],
    ["100b", 100],
    ["512k", 512 * KiB],
    ["512K", 512 * KiB],
    ["512KiB", 512 * KiB],
    ["512kib", 512 * KiB],
    ["100m", 100 * MiB],
    ["2GiB", 2 * GiB],
    ["2g", 2 * GiB],
    ["1t", 1024 ** 4],
    ["1TiB", 1024 ** 4],
    ["100kB", 100_000],
    ["100KB", 100_000],
    ["100MB", 100_000_000],
    ["100mb", 100_000_000],
    ["4GB", 4_000_000_000],
    ["1TB", 1e12],
    ["1.5k", 1536],
    ["0.5MiB", 512 * KiB],
    ["1.1KiB", 1126], // 1126.4, rounded to the nearest byte
  ];
  for (const [text, bytes] of table) assert.equal(parseByteSize(text), bytes, text);
});

Deno.test("parseByteSize rejects other notations, naming the input", () => {
  const table: Array<[text: string, message: RegExp]> = [
    ["", /^'' is not a size: expected bytes or a number with a unit, such as 512k/],
    ["2XB", /^'2XB' is not a size/],
    ["1PB", /^'1PB' is not a size/],
    ["-1", /^'-1' is not a size/],
    ["+1", /^'\+1' is not a size/],
    ["1e3", /^'1e3' is not a size/],
    [" 1", /^' 1' is not a size/],
    ["1 MB", /^'1 MB' is not a size/],
    ["MB", /^'MB' is not a size/],
    [".5k", /^'\.5k' is not a size/],
    ["1ib", /^'1ib' is not a size/],
    ["1kiB2", /^'1kiB2' is not a size/],
    ["1.5", /^'1\.5' is not a whole number of bytes$/],
    ["1.5B", /^'1\.5B' is not a whole number of bytes$/],
    ["99999999999T", /^'99999999999T' is too large$/],
    ["9007199254740993", /is too large/],
  ];
  for (const [text, message] of table) {
    assert.throws(() => parseByteSize(text), isArgumentError(message), text);
  }
});

Deno.test("parseDuration: bare numbers are seconds; d, h, m, s largest first", () => {
  const table: Array<[text: string, milliseconds: number]> = [
    ["0", 0],
    ["3600", 3_600_000],
    ["1.5", 1500],
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["24h", 86_400_000],
    ["7d", 604_800_000],
    ["1h30m", 5_400_000],
    ["1d2h3m4s", 93_784_000],
    ["1H30M", 5_400_000],
    ["1.5h", 5_400_000],
    ["0.25s", 250],
  ];
  for (const [text, milliseconds] of table) assert.equal(parseDuration(text), milliseconds, text);
});

Deno.test("parseDuration rejects other notations, naming the input", () => {
  const table: Array<[text: string, message: RegExp]> = [
    ["", /^'' is not a duration: expected seconds or a duration such as 90s/],
    ["h", /^'h' is not a duration/],
    ["1 h", /^'1 h' is not a duration/],
    ["1h 30m", /^'1h 30m' is not a duration/],
    ["-5s", /^'-5s' is not a duration/],
    ["1e3", /^'1e3' is not a duration/],
    ["500ms", /^'500ms' is not a duration/],
    ["2w", /^'2w' is not a duration/],
    ["1h30", /^'1h30' is not a duration/],
    ["30m1h", /^'30m1h' is not a duration: units must be d, h, m, s in order$/],
    ["1h1h", /units must be d, h, m, s in order/],
    ["99999999999999d", /^'99999999999999d' is too large$/],
  ];
  for (const [text, message] of table) {
    assert.throws(() => parseDuration(text), isArgumentError(message), text);
  }
});

Deno.test("formatBytes: whole bytes, then one decimal in binary units", () => {
  const table: Array<[bytes: number, text: string]> = [
    [0, "0 B"],
    [1, "1 B"],
    [1023, "1023 B"],
    [1023.6, "1.0 KiB"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [1_572_864, "1.5 MiB"],
    [MiB - 1, "1.0 MiB"], // not "1024.0 KiB"
    [10 * GiB, "10.0 GiB"],
    [3 * 1024 ** 4, "3.0 TiB"],
    [Number.MAX_SAFE_INTEGER, "8.0 PiB"],
  ];
  for (const [bytes, text] of table) assert.equal(formatBytes(bytes), text, String(bytes));
});

Deno.test("formatRate and formatDuration", () => {
  assert.equal(formatRate(12.3 * MiB), "12.3 MiB/s");
  assert.equal(formatRate(0), "0 B/s");
  assert.equal(formatRate(999.4), "999 B/s");
  const durations: Array<[milliseconds: number, text: string]> = [
    [0, "0s"],
    [499, "0s"],
    [12_000, "12s"],
    [59_600, "1m 00s"],
    [185_000, "3m 05s"],
    [3_600_000, "1h 00m"],
    [3_720_000, "1h 02m"],
    [86_399_000, "23h 59m"],
    [86_400_000, "1d 00h"],
    [7 * 86_400_000 + 3 * 3_600_000, "7d 03h"],
  ];
  for (const [milliseconds, text] of durations) {
    assert.equal(formatDuration(milliseconds), text, String(milliseconds));
  }
});

Deno.test("formatting refuses negative and non-finite numbers", () => {
  for (const value of [-1, NaN, Infinity]) {
    assert.throws(() => formatBytes(value), UsageError);
    assert.throws(() => formatRate(value), UsageError);
    assert.throws(() => formatDuration(value), UsageError);
  }
});

Deno.test("parsed values format back to what was typed", () => {
  assert.equal(formatBytes(parseByteSize("2GiB")), "2.0 GiB");
  assert.equal(formatDuration(parseDuration("1h30m")), "1h 30m");
});
