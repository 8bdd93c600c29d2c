/**
 * File names that come from the network. A sender chooses the name of the
 * file it offers; a receiver that used it as-is could be made to write
 * outside its directory (`../../.bashrc`), create a hidden file, open a
 * Windows device (`con.txt`), or show a name that reads differently from
 * what it is (right-to-left overrides, zero-width characters).
 *
 * {@link sanitiseFileName} is for the receiving side: it always returns a
 * name that is safe to create inside a chosen directory on Linux, macOS and
 * Windows. {@link fileNameProblem} is for the sending side: it says why a
 * name would be refused or be meaningless, before anything is uploaded.
 *
 * @module
 */

import { MAX_FILE_NAME_BYTES } from "../protocol/limits.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import { truncateUtf8, utf8Length } from "./_utf8.ts";

/** What {@link sanitiseFileName} returns when nothing usable is left of a name. */
export const FALLBACK_FILE_NAME = "file";

const PATH_SEPARATORS = /[/\\]/;
// Characters that render as nothing but change what a name looks like:
// zero-width space/non-joiner/joiner, LRM/RLM, the Arabic letter mark,
// word joiner and invisible operators, the BOM and the soft hyphen.
// (Bidi overrides and isolates are removed with the control characters.)
const INVISIBLE_CHARACTERS = /[\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// Windows refuses these in any name; macOS Finder shows ':' as '/'.
const WINDOWS_RESERVED = /[<>:"|?*]/g;
// Windows opens a device instead of a file for these names, whatever the
// extension (`nul.tar.gz` is NUL) and with spaces before it; ¹²³ count as digits.
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³]) *(?:\.|$)/i;

/**
 * A name safe to create inside a target directory on Linux, macOS and
 * Windows, derived from a name offered over the network:
 *
 * 1. only the last non-empty component after splitting on `/` and `\`;
 * 2. NFC-normalised (macOS would otherwise show two different names alike);
 * 3. without terminal escapes, control characters, DEL, bidi overrides and
 *    isolates, and zero-width or otherwise invisible characters;
 * 4. `<>:"|?*` replaced with `_`;
 * 5. without leading dots and spaces (no hidden file, no `..`) and trailing
 *    ones (Windows drops them, so two names would collide);
 * 6. at most {@link MAX_FILE_NAME_BYTES} bytes of UTF-8, cut between code
 *    points, keeping the extension when the rest still has a character;
 * 7. `_` before a Windows device name (`con.txt` becomes `_con.txt`).
 *
 * When nothing is left it returns {@link FALLBACK_FILE_NAME}.
 *
 * @example
 * ```ts
 * import { sanitiseFileName } from "./file_names.ts";
 * if (sanitiseFileName("../../etc/passwd") !== "passwd") throw new Error();
 * if (sanitiseFileName("CON.txt") !== "_CON.txt") throw new Error();
 * ```
 */
export function sanitiseFileName(offered: string): string {
  const components = offered.split(PATH_SEPARATORS).filter((component) => component !== "");
  const cleaned = sanitizeForTerminal(
    // A lone surrogate would become U+FFFD on disk anyway; doing it first keeps byte counts true.
    (components.at(-1) ?? "").toWellFormed().normalize("NFC"),
  )
    .replace(INVISIBLE_CHARACTERS, "")
    .replace(WINDOWS_RESERVED, "_")
    .replace(/^[. ]+/, "")
    .replace(/[. ]+$/, "");
  if (cleaned === "") return FALLBACK_FILE_NAME;
  const fitted = fitInLimit(cleaned);
  return WINDOWS_DEVICE.test(fitted) ? fitInLimit(`_${fitted}`) : fitted;
}

/**
 * Why `name` cannot be offered as a file name, or undefined when it can.
 * The reason completes `Cannot send as '<name>': ...`.
 *
 * It only refuses what the protocol refuses or what has no meaning as one
 * name; characters that merely differ between systems (`:` or `?`, a
 * trailing dot) are allowed, since each receiver adapts them with
 * {@link sanitiseFileName}.
 *
 * @example
 * ```ts
 * import { fileNameProblem } from "./file_names.ts";
 * if (fileNameProblem("notes.pdf") !== undefined) throw new Error();
 * if (fileNameProblem("a/b") === undefined) throw new Error();
 * ```
 */
export function fileNameProblem(name: string): string | undefined {
  if (name === "") return "the name is empty";
  if (name === "." || name === "..") return "'.' and '..' are not file names";
  if (PATH_SEPARATORS.test(name)) return "a file name cannot contain '/' or '\\'";
  if (CONTROL_CHARACTERS.test(name)) {
    return "the name contains control or text-direction characters";
  }
  if (!name.isWellFormed()) return "the name is not valid Unicode text";
  const length = utf8Length(name);
  if (length > MAX_FILE_NAME_BYTES) {
    return `the name is ${length} bytes long in UTF-8, more than the ${MAX_FILE_NAME_BYTES} allowed`;
  }
  return undefined;
}

/**
 * `name` cut to {@link MAX_FILE_NAME_BYTES}: the extension is kept when at
 * least one character of the stem still fits, otherwise the whole name is
 * cut from the end. A cut can expose dots or spaces, which are trimmed.
 */
function fitInLimit(name: string): string {
  if (utf8Length(name) <= MAX_FILE_NAME_BYTES) return name;
  const dot = name.lastIndexOf(".");
  if (dot > 0) {
    const extension = name.slice(dot);
    const stem = truncateUtf8(name.slice(0, dot), MAX_FILE_NAME_BYTES - utf8Length(extension));
    if (stem !== "") return stem + extension;
  }
  return truncateUtf8(name, MAX_FILE_NAME_BYTES).replace(/[. ]+$/, "");
}
