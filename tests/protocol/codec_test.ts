/**
 * The codec combinators on their own: ranges, limits, UTF-8 validation,
 * copies, and the errors each direction raises.
 */

import assert from "node:assert/strict";
import { Reader, Writer } from "../../src/protocol/buffer.ts";
import {
  bool,
  byteString,
  type Codec,
  enumeration,
  fixedBytes,
  list,
  optional,
  u16,
  u32,
  u64,
  u64AsNumber,
  u8,
  utf8,
} from "../../src/protocol/codec.ts";
import { FrameEncodingError } from "../../src/protocol/errors.ts";
import { assertFrameError, hex } from "./_helpers.ts";

function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  const writer = new Writer("Test");
  codec.encode(writer, value, "field");
  return writer.finish();
}

function decode<T>(codec: Codec<T>, bytes: Uint8Array): T {
  const reader = new Reader(bytes, "Test");
  const value = codec.decode(reader, "field");
  reader.expectEnd();
  return value;
}

function assertCodec<T>(codec: Codec<T>, value: T, expectedHex: string): void {
  assert.deepEqual(encode(codec, value), hex(expectedHex));
  assert.deepEqual(decode(codec, hex(expectedHex)), value);
}

function assertEncodingError<T>(codec: Codec<T>, value: T, pattern: RegExp): void {
  assert.throws(() => encode(codec, value), (error: unknown) => {
    assert.ok(error instanceof FrameEncodingError, `expected FrameEncodingError, got ${error}`);
    assert.match(error.message, /^Cannot encode Test: field /);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("unsigned integers are big-endian and range-checked", () => {
  assertCodec(u8, 0xab, "ab");
  assertCodec(u16, 0x1234, "12 34");
  assertCodec(u32, 0xffff_ffff, "ff ff ff ff");
  assertCodec(u64, 0xffff_ffff_ffff_ffffn, "ff ff ff ff ff ff ff ff");
  assertCodec(u64AsNumber, Number.MAX_SAFE_INTEGER, "00 1f ff ff ff ff ff ff");
  assertCodec(u64AsNumber, 2 ** 32 + 5, "00 00 00 01 00 00 00 05");
  for (const value of [-1, 256, 1.5, NaN, Infinity]) assertEncodingError(u8, value, /integer/);
  assertEncodingError(u16, 65536, /from 0 to 65535, not 65536/);
  assertEncodingError(u32, 2 ** 32, /from 0 to 4294967295/);
  assertEncodingError(u64, -1n, /bigint/);
  assertEncodingError(u64, 2n ** 64n, /bigint/);
  assertEncodingError(u64AsNumber, 2 ** 53, /from 0 to 9007199254740991/);
  assertFrameError(() => decode(u64AsNumber, hex("00 20 00 00 00 00 00 00")), /2\^53 - 1/);
  assertFrameError(
    () => decode(u32, hex("01 02 03")),
    /^Cannot decode Test: truncated in field \(needs 4 bytes, 3 left\)$/,
  );
});

Deno.test("booleans and optional values accept only 0 and 1 as flags", () => {
  assertCodec(bool, false, "00");
  assertCodec(bool, true, "01");
  assertFrameError(() => decode(bool, hex("02")), /^Cannot decode Test: field is 2, not 0 or 1$/);
  const maybe = optional(u16);
  assertCodec(maybe, undefined, "00");
  assertCodec(maybe, 7, "01 00 07");
  assertFrameError(() => decode(maybe, hex("00 00 07")), /2 trailing bytes/);
  assertFrameError(() => decode(maybe, hex("80 00 07")), /field is 128, not 0 or 1/);
});

Deno.test("UTF-8 strings check bytes, characters and well-formedness", () => {
  const short = utf8({ lengthBytes: 1, minBytes: 1, maxBytes: 8, maxCharacters: 3 });
  assertCodec(short, "a", "01 61");
  assertCodec(short, "😀é", "06 f0 9f 98 80 c3 a9");
  assertCodec(short, "\uFEFF", "03 ef bb bf"); // a leading BOM is a character, not stripped
  assertEncodingError(short, "", /0 bytes, fewer than the minimum of 1/);
  assertEncodingError(short, "abcd", /4 characters, not 0 to 3/);
  assertEncodingError(short, "😀😀😀", /12 bytes, longer than the limit of 8/);
  assertEncodingError(short, "123456789", /longer than 8 bytes/);
  assertEncodingError(short, "a\uD800", /lone surrogate/);
  assertEncodingError(short, "\uDC00", /lone surrogate/);
  assertFrameError(
    () => decode(short, hex("04 61 61 61 61")),
    /field has 4 characters, not 0 to 3/,
  );
  assertFrameError(() => decode(short, hex("09")), /field is 9 bytes, longer than the limit of 8/);
  assertFrameError(() => decode(short, hex("03 ed b0 80")), /field is not valid UTF-8/);
  assertFrameError(
    () => decode(short, hex("03 61 61")),
    /truncated in field \(needs 3 bytes, 2 left\)/,
  );
  const wide = utf8({ lengthBytes: 2, maxBytes: 300 });
  assertCodec(wide, "", "00 00");
  assert.equal(decode(wide, encode(wide, "x".repeat(300))), "x".repeat(300));
});

Deno.test("byte strings and fixed bytes are limited and decoded as copies", () => {
  const blob = byteString({ lengthBytes: 2, minBytes: 2, maxBytes: 4 });
  assertCodec(blob, Uint8Array.of(1, 2, 3), "00 03 01 02 03");
  assertEncodingError(blob, Uint8Array.of(1), /1 bytes, fewer than the minimum of 2/);
  assertEncodingError(blob, new Uint8Array(5), /5 bytes, longer than the limit of 4/);
  assertFrameError(() => decode(blob, hex("ff ff")), /65535 bytes, longer than the limit of 4/);
  const message = hex("00 02 0a 0b");
  const decoded = decode(blob, message);
  message[2] = 0xff;
  assert.deepEqual(
    decoded,
    Uint8Array.of(0x0a, 0x0b),
    "the decoded value does not alias the message",
  );
  const large = byteString({ lengthBytes: 4, maxBytes: 70_000 });
  assertCodec(large, Uint8Array.of(7), "00 00 00 01 07");
  assert.equal(decode(large, encode(large, new Uint8Array(70_000))).length, 70_000);
  assertEncodingError(large, new Uint8Array(70_001), /70001 bytes, longer than the limit of 70000/);
  assertFrameError(
    () => decode(large, hex("ff ff ff ff")),
    /^Cannot decode Test: field is 4294967295 bytes, longer than the limit of 70000$/,
  );
  const four = fixedBytes(4);
  assertCodec(four, Uint8Array.of(9, 8, 7, 6), "09 08 07 06");
  assertEncodingError(four, Uint8Array.of(1, 2, 3), /exactly 4 bytes/);
  assertFrameError(() => decode(four, hex("09 08 07")), /truncated in field/);
});

Deno.test("lists check their count before reading any item", () => {
  const pairs = list(u16, { maxCount: 2 });
  assertCodec(pairs, [], "00 00");
  assertCodec(pairs, [1, 0xffff], "00 02 00 01 ff ff");
  assertEncodingError(pairs, [1, 2, 3], /3 items, more than the limit of 2/);
  assertFrameError(
    () => decode(pairs, hex("00 03")),
    /field has 3 items, more than the limit of 2$/,
  );
  assertFrameError(() => decode(pairs, hex("00 02 00 01 00")), /truncated in field\[1\]/);
  assert.throws(() => list(u8, { maxCount: 65536 }), RangeError);
});

Deno.test("enumerations map names to bytes and refuse anything else", () => {
  const colour = enumeration({ red: 0, green: 1, blue: 7 });
  assertCodec(colour, "red", "00");
  assertCodec(colour, "blue", "07");
  assertFrameError(
    () => decode(colour, hex("02")),
    /^Cannot decode Test: field has unknown value 2$/,
  );
  assertEncodingError(colour, "toString" as "red", /unknown value "toString"/);
});

Deno.test("length prefixes must be able to hold the limit", () => {
  assert.throws(() => utf8({ lengthBytes: 1, maxBytes: 256 }), RangeError);
  assert.throws(() => byteString({ lengthBytes: 2, maxBytes: 65536 }), RangeError);
});

Deno.test("the writer grows past its first buffer", () => {
  const writer = new Writer("Test");
  for (let index = 0; index < 1000; index++) writer.writeUint(4, index);
  writer.writeBytes(new Uint8Array(5000).fill(1));
  writer.writeBigUint64(1n);
  const bytes = writer.finish();
  assert.equal(bytes.length, 4000 + 5000 + 8);
  assert.equal(new DataView(bytes.buffer).getUint32(4 * 999), 999);
  assert.equal(bytes.buffer.byteLength, bytes.length, "finish returns a buffer of its own size");
});
