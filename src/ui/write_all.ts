/**
 * Writing text to a terminal or pipe synchronously and completely: a
 * `writeSync` on a pipe may take only part of the bytes, and an async write
 * could still be pending when the process exits or the screen is redrawn.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Writes all of `text` to `stream` (e.g. `Deno.stdout`), looping over partial writes. */
export function writeAllSync(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}
