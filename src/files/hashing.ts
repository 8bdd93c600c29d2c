/**
 * SHA-256 for file transfers. A resumed transfer must end with the hash of
 * the whole file, so it starts from a hash that has already consumed the
 * bytes sent (or received) before the interruption.
 *
 * `node:crypto` does the hashing because it is native code, and its `Hash`
 * can be fed incrementally and copied, which Web Crypto's `digest` cannot.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { MochiError, UsageError } from "../errors.ts";

/** How much of a file {@link hashFilePrefix} reads at a time: big enough to keep syscalls rare. */
export const HASH_READ_BYTES = 1024 * 1024;

/**
 * A SHA-256 `Hash` that has consumed exactly the first `length` bytes of
 * the file at `path`; feed it the rest and call `digest()`. Reads
 * {@link HASH_READ_BYTES} at a time into one reused buffer, so memory stays
 * flat whatever the file's size. Throws {@link MochiError} when the file
 * is shorter than `length` (it changed under us, or is not what we think).
 *
 * @example
 * ```ts
 * import { hashFilePrefix, sha256Hex } from "./hashing.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello world");
 * const hash = await hashFilePrefix(path, 5); // resuming after "hello"
 * hash.update(new TextEncoder().encode(" world"));
 * if (hash.digest("hex") !== sha256Hex(new TextEncoder().encode("hello world"))) throw new Error();
 * await Deno.remove(path);
 * ```
 */
export async function hashFilePrefix(path: string, length: number): Promise<Hash> {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new UsageError(`Cannot hash the start of ${path}: ${length} is not a byte count`);
  }
  const hash = createHash("sha256");
  if (length === 0) return hash;
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(Math.min(HASH_READ_BYTES, length));
  let hashed = 0;
  while (hashed < length) {
    const wanted = Math.min(buffer.length, length - hashed);
    const read = await file.read(buffer.subarray(0, wanted));
    if (read === null) {
      throw new MochiError(
        `Cannot hash the first ${length} bytes of ${path}: it holds only ${hashed}`,
      );
    }
    // update() consumes the bytes before returning, so the buffer can be reused.
    hash.update(buffer.subarray(0, read));
    hashed += read;
  }
  return hash;
}

/**
 * The SHA-256 of `bytes`, as 64 lowercase hex digits: for showing a hash
 * to people or comparing with `sha256sum`.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./hashing.ts";
 * const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
 * if (sha256Hex(new Uint8Array()) !== empty) throw new Error();
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
