/**
 * Small file-system helpers for the store: whole writes and reads over
 * `Deno.FsFile` (whose calls may move fewer bytes than asked), removal that
 * tolerates absence, and re-hashing a partial upload.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { FileRefused } from "./file_refused.ts";

/** The buffer used to re-hash a partial upload on resume. */
export const REHASH_CHUNK_BYTES = 1 << 20;

/** Writes all of `data` at the file's position. */
export async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  for (let written = 0; written < data.length;) {
    written += await file.write(data.subarray(written));
  }
}

/** Reads until `buffer` is full or the file ends; how many bytes were read. */
export async function readFully(file: Deno.FsFile, buffer: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const count = await file.read(buffer.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  return filled;
}

/** Removes `path`, quietly when it is already gone. */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The `lstat` of `path`, or undefined when it does not exist. */
export async function lstatIfPresent(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Closes `file`, ignoring that it may be closed already. */
export function closeQuietly(file: Deno.FsFile): void {
  try {
    file.close();
  } catch {
    // Already closed: nothing left to release.
  }
}

/** A running SHA-256 over the first `length` bytes of `file`, read 1 MiB at a time. */
export async function hashPrefix(file: Deno.FsFile, length: number): Promise<Hash> {
  const hash = createHash("sha256");
  const buffer = new Uint8Array(Math.min(REHASH_CHUNK_BYTES, Math.max(length, 1)));
  await file.seek(0, Deno.SeekMode.Start);
  for (let left = length; left > 0;) {
    const count = await file.read(buffer.subarray(0, Math.min(left, buffer.length)));
    if (count === null) {
      throw new FileRefused("internalError", "Cannot resume the upload: its partial file shrank");
    }
    hash.update(buffer.subarray(0, count));
    left -= count;
  }
  return hash;
}

/**
 * The refusal for a failed disk operation: `storageFull` when the disk is
 * full (the user can do something about that: wait, or ask), else
 * `internalError`, without the OS's text (it may name server paths).
 */
export function diskRefusal(action: string, error: unknown): FileRefused {
  const full = error instanceof Error && /no space left|os error 28|quota exceeded/i.test(
    error.message,
  );
  return full
    ? new FileRefused("storageFull", `Cannot ${action}: the server's disk is full`, {
      cause: error,
    })
    : new FileRefused("internalError", `Cannot ${action}: the server could not use its disk`, {
      cause: error,
    });
}
