/**
 * What the store accepts as a file name. The store is not the sanitiser
 * (clients clean names before saving), but it refuses what no client should
 * ever be asked to handle: empty names, names that are directories or paths,
 * control characters, broken Unicode, and more than 255 UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { fileNameProblem } from "./file_names.ts";
 * if (fileNameProblem("notes.txt") !== undefined) throw new Error();
 * if (fileNameProblem("../etc/passwd") === undefined) throw new Error();
 * ```
 *
 * @module
 */

import { FileRefused } from "./file_refused.ts";

/** The longest file name, in UTF-8 bytes (as the wire's `fileNameField`). */
export const MAX_FILE_NAME_BYTES = 255;

const encoder = new TextEncoder();

/** Why `name` is not an acceptable file name, or undefined when it is. */
export function fileNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "it is not text";
  if (name.length === 0) return "it is empty";
  if (!name.isWellFormed()) return "it is not valid Unicode";
  const bytes = encoder.encode(name).length;
  if (bytes > MAX_FILE_NAME_BYTES) {
    return `it has ${bytes} UTF-8 bytes, more than ${MAX_FILE_NAME_BYTES}`;
  }
  if (name === "." || name === "..") return "it names a directory";
  if (name.includes("/") || name.includes("\\")) return "it contains a path separator";
  for (const character of name) {
    const code = character.codePointAt(0)!;
    // C0 controls (NUL among them), DEL and the C1 controls.
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return "it contains a control character";
  }
  return undefined;
}

/** Throws {@link FileRefused} `badFileName` unless `name` is acceptable. */
export function requireFileName(name: unknown): string {
  const problem = fileNameProblem(name);
  if (problem !== undefined) {
    throw new FileRefused("badFileName", `Cannot accept the file name: ${problem}`);
  }
  return name as string;
}
