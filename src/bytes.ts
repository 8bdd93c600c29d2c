/**
 * Two small operations on byte strings that the protocol, the transport,
 * the file store and the CLI all need: lowercase hex and equality. Equality
 * here is not constant time: use it for hashes and ids that are public, and
 * `constantTimeEqual` (src/server/password_hash.ts) for secrets.
 *
 * @example
 * ```ts
 * import { bytesEqual, bytesToHex } from "./bytes.ts";
 * if (bytesToHex(new Uint8Array([0, 171])) !== "00ab") throw new Error("hex");
 * if (!bytesEqual(new Uint8Array([1]), new Uint8Array([1]))) throw new Error("equal");
 * ```
 *
 * @module
 */

/** Lowercase hex, two digits per byte. */
export function bytesToHex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}

/** Whether `a` and `b` hold the same bytes (not constant time: public data only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
