/**
 * Account names: what a name may contain, and the one normalised form under
 * which it is stored, so that `Alice`, `alice` and `ＡＬＩＣＥ` (fullwidth)
 * are one account.
 *
 * Rules (checked on the NFKC form the user sees and again on the normalised
 * form, since NFKC can turn an allowed character into forbidden ones, as `½`
 * becomes `1⁄2`):
 * - 1 to {@link MAX_NAME_LENGTH} characters (code points);
 * - letters (`\p{L}`), digits (`\p{N}`), `_`, `-` and `.`;
 * - combining marks (`\p{M}`) only after a letter, digit or mark, at most
 *   {@link MAX_COMBINING_MARKS} in a row (Devanagari and Thai need them; a
 *   stack of dozens, "Zalgo" text, would smear over other lines);
 * - nothing invisible: no spaces, no control or format characters (escape
 *   sequences, right-to-left overrides, zero-width joiners), no default
 *   ignorable code points (Hangul fillers are letters, yet show as nothing);
 * - not starting with `-` (it would read as an option on a command line) or
 *   `.` (`.` and `..` mean directories).
 *
 * Reasons never quote the name: it may be hostile, and reasons end up in
 * terminals. They name the offending character as `U+XXXX`.
 *
 * @example
 * ```ts
 * import { normaliseName, validateName } from "./names.ts";
 * const checked = validateName("Ａｌｉｃｅ");
 * if (!checked.ok || checked.name !== normaliseName("alice")) throw new Error("one name");
 * if (checked.displayName !== "Alice") throw new Error(checked.displayName);
 * ```
 *
 * @module
 */

import { MochiError } from "../errors.ts";

/** Most characters (code points) a name may have. */
export const MAX_NAME_LENGTH = 32;

/** Most combining marks allowed in a row after one letter or digit. */
export const MAX_COMBINING_MARKS = 4;

/**
 * Longest input looked at, in UTF-16 code units: longer input is refused
 * before it is normalised, so a megabyte "name" costs nothing. A valid name
 * needs far fewer (32 characters, each up to 2 units plus a few marks).
 */
const MAX_INPUT_UNITS = 256;

/** A name in its normalised form: the account's identity and its key in KV. */
export type AccountName = string & { readonly __brand: "AccountName" };

/** The outcome of {@link validateName}. */
export type NameCheck =
  | {
    ok: true;
    /** The normalised form: compare and store by this. */
    name: AccountName;
    /** The NFKC form, case kept: what others are shown. */
    displayName: string;
  }
  | {
    ok: false;
    /** Why the name cannot be used, for the user; never quotes the name. */
    reason: string;
  };

/** A name that breaks the rules; `reason` says which one. The user's fault. */
export class InvalidName extends MochiError {
  /** Why the name was refused (without the name). */
  readonly reason: string;

  /** Creates the error: `Cannot use this name: <reason>`. */
  constructor(reason: string) {
    super(`Cannot use this name: ${reason}`);
    this.reason = reason;
  }
}

/**
 * The normalised form of `name`: NFKC, then lower case, then NFKC again
 * (lowering can undo a composition, as `İ` lowers to `i` plus a combining
 * dot). It does not validate: use {@link validateName} on untrusted input.
 *
 * `toLowerCase()` approximates Unicode full case folding: it is
 * locale-independent (no Turkish dotless-i surprises) and agrees with
 * folding for every cased script except a few characters that lower and
 * fold differently (`ß` stays `ß` where folding gives `ss`, a final `ς` is
 * kept where folding gives `σ`, Cherokee folds to upper case). That is
 * enough here because the names it leaves apart also look different on
 * screen (`straße` and `strasse`), and what matters for accounts is that
 * one function decides for registration and for login alike, which this
 * is.
 *
 * @example
 * ```ts
 * import { normaliseName } from "./names.ts";
 * if (normaliseName("ADA") !== normaliseName("ada")) throw new Error("case");
 * ```
 */
export function normaliseName(name: string): AccountName {
  return name.normalize("NFKC").toLowerCase().normalize("NFKC") as AccountName;
}

/**
 * Whether two names are one account's, as the server compares them (their
 * normalised forms); a name that breaks the rules is only itself.
 */
export function sameAccountName(a: string, b: string): boolean {
  try {
    return normaliseName(a) === normaliseName(b);
  } catch {
    return a === b;
  }
}

/**
 * Checks `name` against the rules above: its normalised form and display
 * form, or the reason it cannot be used.
 *
 * @example
 * ```ts
 * import { validateName } from "./names.ts";
 * const checked = validateName("ada\u202Eevil");
 * if (checked.ok) throw new Error("a right-to-left override is not a letter");
 * ```
 */
export function validateName(name: string): NameCheck {
  if (typeof name !== "string") return { ok: false, reason: "it is not text" };
  if (name.length === 0) return { ok: false, reason: "it is empty" };
  if (name.length > MAX_INPUT_UNITS) {
    return { ok: false, reason: `it is longer than ${MAX_NAME_LENGTH} characters` };
  }
  const displayName = name.normalize("NFKC");
  // Positions refer to the normalised text: say so when it differs from the input.
  const shown = problemWith(displayName);
  if (shown !== undefined) {
    return { ok: false, reason: displayName === name ? shown : `once normalised, ${shown}` };
  }
  const normalised = normaliseName(name);
  const folded = problemWith(normalised);
  if (folded !== undefined) return { ok: false, reason: `once normalised, ${folded}` };
  return { ok: true, name: normalised, displayName };
}

/**
 * Like {@link validateName}, but throws {@link InvalidName} instead of
 * returning a reason.
 */
export function requireValidName(name: string): { name: AccountName; displayName: string } {
  const checked = validateName(name);
  if (!checked.ok) throw new InvalidName(checked.reason);
  return { name: checked.name, displayName: checked.displayName };
}

const BASE = /^[\p{L}\p{N}_.\-]$/u;
const MARK = /^\p{M}$/u;
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;

/** The first rule `text` breaks, or undefined. */
function problemWith(text: string): string | undefined {
  const characters = [...text];
  if (characters.length === 0) return "it is empty";
  if (characters.length > MAX_NAME_LENGTH) {
    return `it has ${characters.length} characters; at most ${MAX_NAME_LENGTH} are allowed`;
  }
  if (characters[0] === "-" || characters[0] === ".") {
    return `it starts with '${characters[0]}'; start it with a letter, digit or '_'`;
  }
  let marksInRow = 0;
  let previousIsWord = false;
  for (const [index, character] of characters.entries()) {
    const where = `character ${index + 1} (${codePointName(character)})`;
    if (INVISIBLE.test(character)) return `${where} is invisible`;
    if (MARK.test(character)) {
      if (!previousIsWord) return `${where} is a combining mark without a letter before it`;
      marksInRow++;
      if (marksInRow > MAX_COMBINING_MARKS) {
        return `${where} is more than ${MAX_COMBINING_MARKS} combining marks in a row`;
      }
      continue;
    }
    if (!BASE.test(character)) {
      return `${where} is not allowed; use letters, digits, '_', '-' and '.'`;
    }
    marksInRow = 0;
    previousIsWord = !"_.-".includes(character);
  }
  return undefined;
}

/** `U+202E`: how a character is named in reasons, safe to print anywhere. */
function codePointName(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}
