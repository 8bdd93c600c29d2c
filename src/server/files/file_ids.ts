/**
 * File ids: 10 random characters of lowercase Crockford base32, made by the
 * server. The alphabet leaves out `i`, `l`, `o` and `u` so an id read aloud
 * or copied by hand stays unambiguous; 50 bits make a collision between live
 * files unlikely, and the store still checks for one.
 *
 * @example
 * ```ts
 * import { isFileId, newFileId } from "./file_ids.ts";
 * const id = newFileId((length) => crypto.getRandomValues(new Uint8Array(length)));
 * if (!isFileId(id)) throw new Error(id);
 * ```
 *
 * @module
 */

import { FileRefused } from "./file_refused.ts";

/** The 32 characters a file id is made of, in value order. */
export const FILE_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** How many characters a server-made file id has. */
export const FILE_ID_LENGTH = 10;

/** The suffix of a file still being uploaded: `<fileId>.part`. */
export const PART_SUFFIX = ".part";

const FILE_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{10}$/;

/** A new random file id from `randomBytes` (one byte per character). */
export function newFileId(randomBytes: (length: number) => Uint8Array): string {
  const bytes = randomBytes(FILE_ID_LENGTH);
  if (!(bytes instanceof Uint8Array) || bytes.length !== FILE_ID_LENGTH) {
    throw new FileRefused(
      "internalError",
      "Cannot make a file id: the random source gave the wrong number of bytes",
    );
  }
  let id = "";
  // 256 is a multiple of 32, so the low five bits of a uniform byte are uniform.
  for (const byte of bytes) id += FILE_ID_ALPHABET[byte & 31];
  return id;
}

/** True when `text` is shaped like an id this server makes (and so may name its files). */
export function isFileId(text: unknown): text is string {
  return typeof text === "string" && FILE_ID_PATTERN.test(text);
}
