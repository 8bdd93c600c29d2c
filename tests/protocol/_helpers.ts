/**
 * The one round-trip helper every frame test uses, and small builders for
 * test values (hex bytes, message ids).
 */

import assert from "node:assert/strict";
import {
  decodeClientFrame,
  decodeFrame,
  decodeServerFrame,
  encodeFrame,
  type Frame,
  FrameError,
  isClientFrame,
  type MessageId,
  messageId,
} from "../../src/protocol/mod.ts";

/**
 * Encodes `frame`, decodes it back and checks that nothing changed: the
 * decoded frame equals the original, re-encodes to the same bytes, and is
 * accepted only by the decoder of its direction. Returns the bytes.
 */
export function assertRoundTrip(frame: Frame): Uint8Array {
  const bytes = encodeFrame(frame);
  const decoded = decodeFrame(bytes);
  assert.deepEqual(decoded, frame);
  assert.deepEqual(encodeFrame(decoded), bytes);
  if (isClientFrame(frame)) {
    assert.deepEqual(decodeClientFrame(bytes), frame);
    assert.throws(() => decodeServerFrame(bytes), FrameError);
  } else {
    assert.deepEqual(decodeServerFrame(bytes), frame);
    assert.throws(() => decodeClientFrame(bytes), FrameError);
  }
  return bytes;
}

/** Bytes from hex digits; spaces, newlines and `|` separators are ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/[\s|]/g, "");
  assert.match(digits, /^([0-9a-f]{2})*$/, `bad hex in test: ${text}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** A message id of 16 consecutive byte values from `first` (wrapping at 256). */
export function idFrom(first: number): MessageId {
  return messageId(Uint8Array.from({ length: 16 }, (_, index) => (first + index) & 0xff));
}

/** A message id of 16 equal bytes. */
export function idOf(byte: number): MessageId {
  return messageId(new Uint8Array(16).fill(byte));
}

/** Asserts that `action` throws a FrameError whose message matches `pattern`. */
export function assertFrameError(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof FrameError, `expected a FrameError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}
