/**
 * Text from the network shown in a terminal: control characters and escape
 * sequences are removed so a hostile name or message cannot move the cursor,
 * recolour, retitle or clear anyone's screen.
 *
 * @module
 */

// CSI, OSC, DCS/SOS/PM/APC strings and two-byte escapes (ECMA-48), then any
// remaining C0/C1 control character, DEL, and bidirectional overrides.
// Matching control characters is the whole point of these expressions.
const ESCAPE_SEQUENCES =
  // deno-lint-ignore no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u009b[0-?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every terminal control removed.
 *
 * @example
 * ```ts
 * import { sanitizeForTerminal } from "./sanitize.ts";
 * sanitizeForTerminal("\u001b[2Jhi\u0007"); // "hi"
 * ```
 */
export function sanitizeForTerminal(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, "").replace(CONTROL_CHARACTERS, "");
}
