/**
 * UTF-8 lengths and cuts, for names whose limit is in bytes (file systems
 * count NAME_MAX in bytes, and so does the protocol's file name field).
 *
 * @module
 */

const encoder = new TextEncoder();

/** The number of bytes `text` takes in UTF-8 (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The longest start of `text` that fits in `maxBytes` of UTF-8. It cuts
 * between code points, never inside one, so the result stays valid text.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let used = 0;
  let end = 0;
  for (const codePoint of text) {
    const size = utf8Length(codePoint);
    if (used + size > maxBytes) break;
    used += size;
    end += codePoint.length;
  }
  return text.slice(0, end);
}
