/**
 * Codec combinators: every frame is a sequence of these, so each limit is
 * checked in one place, the same way on both sides.
 *
 * A `Codec<T>` writes a `T` and reads one back. Both directions validate:
 * the encoder refuses what the decoder would refuse (`FrameEncodingError`),
 * so whatever encodes decodes to an equal value, and every accepted byte
 * string is the one canonical encoding of its value. Decoders check a
 * declared length or count against its limit before reading, and throw only
 * `FrameError`.
 *
 * Integers are big-endian. Strings are UTF-8 behind a 1- or 2-byte length in
 * bytes; decoding is fatal on any invalid sequence and keeps a leading BOM.
 * Byte strings have a 1-, 2- or 4-byte length (4 for file content).
 *
 * @module
 */

import type { Reader, Writer } from "./buffer.ts";

/** Writes and reads values of type `T`; `field` names the value in error messages. */
export interface Codec<T> {
  /** Appends `value`, or fails through `writer.fail` if the wire cannot carry it. */
  encode(writer: Writer, value: T, field: string): void;
  /** Reads a value, or fails through `reader.fail` (a `FrameError`). */
  decode(reader: Reader, field: string): T;
}

function checkInteger(writer: Writer, value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    writer.fail(`${field} must be an integer from 0 to ${max}, not ${value}`);
  }
}

function unsigned(size: 1 | 2 | 4): Codec<number> {
  const max = 256 ** size - 1;
  return {
    encode: (writer, value, field) => {
      checkInteger(writer, value, max, field);
      writer.writeUint(size, value);
    },
    decode: (reader, field) => reader.readUint(size, field),
  };
}

/** An unsigned 8-bit integer. */
export const u8: Codec<number> = unsigned(1);
/** An unsigned big-endian 16-bit integer. */
export const u16: Codec<number> = unsigned(2);
/** An unsigned big-endian 32-bit integer. */
export const u32: Codec<number> = unsigned(4);

/** An unsigned big-endian 64-bit integer, as a bigint (the full range). */
export const u64: Codec<bigint> = {
  encode(writer, value, field) {
    if (typeof value !== "bigint" || value < 0n || value > 0xffff_ffff_ffff_ffffn) {
      writer.fail(`${field} must be a bigint from 0 to 2^64 - 1, not ${value}`);
    }
    writer.writeBigUint64(value);
  },
  decode: (reader, field) => reader.readBigUint64(field),
};

/**
 * An unsigned big-endian 64-bit integer, as a number: values above
 * `Number.MAX_SAFE_INTEGER` (2^53 - 1) are refused on both sides, so no
 * precision is ever lost. For counters and milliseconds since the epoch.
 */
export const u64AsNumber: Codec<number> = {
  encode(writer, value, field) {
    checkInteger(writer, value, Number.MAX_SAFE_INTEGER, field);
    writer.writeBigUint64(BigInt(value));
  },
  decode(reader, field) {
    const value = reader.readBigUint64(field);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) reader.fail(`${field} is larger than 2^53 - 1`);
    return Number(value);
  },
};

/** A boolean as one byte: 0 or 1, nothing else. */
export const bool: Codec<boolean> = {
  encode(writer, value, field) {
    if (typeof value !== "boolean") writer.fail(`${field} must be a boolean`);
    writer.writeUint(1, value ? 1 : 0);
  },
  decode(reader, field) {
    const byte = reader.readUint(1, field);
    if (byte > 1) reader.fail(`${field} is ${byte}, not 0 or 1`);
    return byte === 1;
  },
};

/** Limits of a length-prefixed string or byte string. */
export interface LengthOptions {
  /** Bytes of the length prefix: 1 (up to 255), 2 (up to 65,535) or 4 (up to 2^32 - 1). */
  readonly lengthBytes: 1 | 2 | 4;
  /** Fewest bytes allowed (default 0). */
  readonly minBytes?: number;
  /** Most bytes allowed. */
  readonly maxBytes: number;
}

/** Limits of a UTF-8 string: bytes, and optionally Unicode code points. */
export interface Utf8Options extends LengthOptions {
  /** Fewest code points allowed (default 0). */
  readonly minCharacters?: number;
  /** Most code points allowed (default: no limit beyond `maxBytes`). */
  readonly maxCharacters?: number;
}

/** Bytes behind a length prefix, within `minBytes..maxBytes` (a copy on decoding). */
export function byteString(options: LengthOptions): Codec<Uint8Array> {
  const { size, limits } = prefixOf(options);
  return {
    encode(writer, value, field) {
      if (!(value instanceof Uint8Array)) writer.fail(`${field} must be a Uint8Array`);
      writer.writeLengthPrefixed(size, value, limits, field);
    },
    decode: (reader, field) => reader.readLengthPrefixed(size, limits, field).slice(),
  };
}

/** Exactly `length` bytes, without a prefix (a copy on decoding). */
export function fixedBytes(length: number): Codec<Uint8Array> {
  return {
    encode(writer, value, field) {
      if (!(value instanceof Uint8Array) || value.length !== length) {
        writer.fail(`${field} must be exactly ${length} bytes`);
      }
      writer.writeBytes(value);
    },
    decode: (reader, field) => reader.readBytes(length, field).slice(),
  };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A UTF-8 string behind a length prefix in bytes, within the limits of `options`. */
export function utf8(options: Utf8Options): Codec<string> {
  const { maxBytes, minCharacters = 0, maxCharacters = Infinity } = options;
  const { size, limits } = prefixOf(options);
  const checkCharacters = (fail: (why: string) => never, value: string, field: string) => {
    if (minCharacters === 0 && maxCharacters === Infinity) return value;
    let count = 0;
    for (const _ of value) count++;
    if (count >= minCharacters && count <= maxCharacters) return value;
    return fail(`${field} has ${count} characters, not ${minCharacters} to ${maxCharacters}`);
  };
  return {
    encode(writer, value, field) {
      if (typeof value !== "string") writer.fail(`${field} must be a string`);
      // UTF-8 never takes fewer bytes than UTF-16 code units: refuse before encoding.
      if (value.length > maxBytes) writer.fail(`${field} is longer than ${maxBytes} bytes`);
      if (!value.isWellFormed()) writer.fail(`${field} contains a lone surrogate`);
      // Bytes, then characters: the decoder's order, so both report the same problem.
      writer.writeLengthPrefixed(size, utf8Encoder.encode(value), limits, field);
      checkCharacters((why) => writer.fail(why), value, field);
    },
    decode(reader, field) {
      const bytes = reader.readLengthPrefixed(size, limits, field);
      const value = decodeUtf8(bytes) ?? reader.fail(`${field} is not valid UTF-8`);
      return checkCharacters((why) => reader.fail(why), value, field);
    },
  };
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function prefixOf({ lengthBytes, minBytes = 0, maxBytes }: LengthOptions) {
  if (maxBytes >= 256 ** lengthBytes) throw new RangeError("maxBytes does not fit the prefix");
  return { size: lengthBytes, limits: { min: minBytes, max: maxBytes } };
}

/** A value that may be absent: a presence byte (0 absent, 1 present), then the value. */
export function optional<T>(codec: Codec<T>): Codec<T | undefined> {
  return {
    encode(writer, value, field) {
      bool.encode(writer, value !== undefined, field);
      if (value !== undefined) codec.encode(writer, value, field);
    },
    decode: (reader, field) => bool.decode(reader, field) ? codec.decode(reader, field) : undefined,
  };
}

/** Up to `maxCount` items behind a 16-bit count, checked before any item is read. */
export function list<T>(item: Codec<T>, options: { maxCount: number }): Codec<readonly T[]> {
  const { maxCount } = options;
  if (maxCount > 0xffff) throw new RangeError("maxCount does not fit a 16-bit count");
  return {
    encode(writer, value, field) {
      if (!Array.isArray(value)) writer.fail(`${field} must be an array`);
      if (value.length > maxCount) {
        writer.fail(`${field} has ${value.length} items, more than the limit of ${maxCount}`);
      }
      writer.writeUint(2, value.length);
      value.forEach((element, index) => item.encode(writer, element, `${field}[${index}]`));
    },
    decode(reader, field) {
      const count = reader.readUint(2, field);
      if (count > maxCount) {
        reader.fail(`${field} has ${count} items, more than the limit of ${maxCount}`);
      }
      const items: T[] = [];
      for (let index = 0; index < count; index++) {
        items.push(item.decode(reader, `${field}[${index}]`));
      }
      return items;
    },
  };
}

/**
 * One of a fixed set of names, sent as one byte: `values` maps each name to
 * its wire value. Any other byte is refused, so adding a name is a protocol
 * change.
 */
export function enumeration<Name extends string>(values: Record<Name, number>): Codec<Name> {
  const names = new Map<number, Name>();
  for (const [name, value] of Object.entries(values) as [Name, number][]) names.set(value, name);
  return {
    encode(writer, value, field) {
      if (typeof value !== "string" || !Object.hasOwn(values, value)) {
        writer.fail(`${field} has unknown value ${JSON.stringify(value)}`);
      }
      writer.writeUint(1, values[value]);
    },
    decode(reader, field) {
      const byte = reader.readUint(1, field);
      return names.get(byte) ?? reader.fail(`${field} has unknown value ${byte}`);
    },
  };
}
