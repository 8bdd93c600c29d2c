/**
 * The byte cursor under every codec: `Writer` appends big-endian integers and
 * bytes to a growing buffer, `Reader` takes them from a received message.
 *
 * Both carry the frame's name, so every failure can say which frame it was:
 * `Cannot decode Say: ...` from a `Reader` (a `FrameError`, the peer's fault),
 * `Cannot encode Say: ...` from a `Writer` (a `FrameEncodingError`, ours). A
 * `Reader` checks that enough bytes remain before every read, and hands out
 * views, not copies, so a hostile length never makes it allocate.
 *
 * @module
 */

import { FrameEncodingError, FrameError } from "./errors.ts";

/**
 * Appends a frame's fields; `finish()` returns the bytes written.
 *
 * @example
 * ```ts
 * import { Writer } from "./buffer.ts";
 * const writer = new Writer("Hello");
 * writer.writeUint(1, 0x01);
 * writer.writeUint(2, 1);
 * if (writer.finish().length !== 3) throw new Error("expected 3 bytes");
 * ```
 */
export class Writer {
  readonly #frame: string;
  #buffer = new Uint8Array(128);
  #view = new DataView(this.#buffer.buffer);
  #length = 0;

  /** A writer for the frame named `frame` (used in error messages). */
  constructor(frame: string) {
    this.#frame = frame;
  }

  /** Rejects the value being encoded: throws `Cannot encode <frame>: <why>`. */
  fail(why: string): never {
    throw new FrameEncodingError(`Cannot encode ${this.#frame}: ${why}`);
  }

  /** Appends an unsigned big-endian integer of `size` bytes. */
  writeUint(size: 1 | 2 | 4, value: number): void {
    const offset = this.#reserve(size);
    if (size === 1) this.#view.setUint8(offset, value);
    else if (size === 2) this.#view.setUint16(offset, value);
    else this.#view.setUint32(offset, value);
  }

  /** Appends a big-endian 64-bit integer. */
  writeBigUint64(value: bigint): void {
    const offset = this.#reserve(8);
    this.#view.setBigUint64(offset, value);
  }

  /** Appends `bytes` as they are. */
  writeBytes(bytes: Uint8Array): void {
    const offset = this.#reserve(bytes.length);
    this.#buffer.set(bytes, offset);
  }

  /**
   * Appends `bytes` behind their length in a `size`-byte prefix, failing if
   * the length is outside `min..max`.
   */
  writeLengthPrefixed(size: 1 | 2 | 4, bytes: Uint8Array, limits: Limits, field: string): void {
    const problem = lengthProblem(bytes.length, limits, field);
    if (problem) this.fail(problem);
    this.writeUint(size, bytes.length);
    this.writeBytes(bytes);
  }

  /** The bytes written so far, in a buffer of their own. */
  finish(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }

  /**
   * Makes room for `count` more bytes and returns where they start. It may
   * replace `#buffer` and `#view`: callers reserve first, then read those.
   */
  #reserve(count: number): number {
    const start = this.#length;
    if (start + count > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(this.#buffer.length * 2, start + count));
      grown.set(this.#buffer.subarray(0, start));
      this.#buffer = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = start + count;
    return start;
  }
}

/**
 * Reads a frame's fields from a received message, front to back.
 *
 * @example
 * ```ts
 * import { Reader } from "./buffer.ts";
 * const reader = new Reader(new Uint8Array([0x00, 0x01]), "Hello");
 * if (reader.readUint(2, "protocolVersion") !== 1) throw new Error("expected 1");
 * reader.expectEnd();
 * ```
 */
export class Reader {
  readonly #frame: string;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset: number;

  /** A reader of `bytes` from `offset` on, for the frame named `frame`. */
  constructor(bytes: Uint8Array, frame: string, offset = 0) {
    this.#frame = frame;
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#offset = offset;
  }

  /** Rejects the message: throws `FrameError` with `Cannot decode <frame>: <why>`. */
  fail(why: string): never {
    throw new FrameError(`Cannot decode ${this.#frame}: ${why}`);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  /** Reads an unsigned big-endian integer of `size` bytes for `field`. */
  readUint(size: 1 | 2 | 4, field: string): number {
    const offset = this.#take(size, field);
    if (size === 1) return this.#view.getUint8(offset);
    return size === 2 ? this.#view.getUint16(offset) : this.#view.getUint32(offset);
  }

  /** Reads a big-endian 64-bit integer of `field`. */
  readBigUint64(field: string): bigint {
    return this.#view.getBigUint64(this.#take(8, field));
  }

  /** A view of the next `count` bytes of `field` (copy it to keep it past the message). */
  readBytes(count: number, field: string): Uint8Array {
    const start = this.#take(count, field);
    return this.#bytes.subarray(start, start + count);
  }

  /**
   * A view of bytes behind a `size`-byte length prefix. The length is checked
   * against `limits` before anything is read, then against what remains.
   */
  readLengthPrefixed(size: 1 | 2 | 4, limits: Limits, field: string): Uint8Array {
    const length = this.readUint(size, field);
    const problem = lengthProblem(length, limits, field);
    return problem ? this.fail(problem) : this.readBytes(length, field);
  }

  /** Fails unless every byte has been read: a frame is exactly its fields. */
  expectEnd(): void {
    if (this.remaining > 0) this.fail(`${this.remaining} trailing bytes after the last field`);
  }

  /** Consumes `count` bytes, failing first if fewer remain. */
  #take(count: number, field: string): number {
    if (count > this.remaining) {
      this.fail(`truncated in ${field} (needs ${count} bytes, ${this.remaining} left)`);
    }
    const start = this.#offset;
    this.#offset += count;
    return start;
  }
}

/** Inclusive bounds on a length in bytes. */
export interface Limits {
  /** Fewest bytes allowed. */
  readonly min: number;
  /** Most bytes allowed. */
  readonly max: number;
}

function lengthProblem(length: number, { min, max }: Limits, field: string): string | undefined {
  if (length > max) return `${field} is ${length} bytes, longer than the limit of ${max}`;
  if (length < min) return `${field} is ${length} bytes, fewer than the minimum of ${min}`;
  return undefined;
}
