/**
 * A password prompt that does not echo: the question goes to stderr, the
 * terminal is put in raw mode while the answer is typed, and is restored
 * afterwards, whatever happens (Enter, Ctrl-C, Ctrl-D, an error, or the
 * process exiting meanwhile).
 *
 * Keys: Enter ends the answer; Backspace deletes a character; Ctrl-U
 * clears the line; Ctrl-C and Ctrl-D (on an empty line) cancel with
 * {@link PromptCancelled}; other control keys and escape sequences (arrow
 * keys) are ignored rather than becoming part of the password.
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import { writeStderrSync } from "./_fail.ts";
import { EXIT } from "./exit_codes.ts";

/** The user cancelled the prompt (Ctrl-C, or Ctrl-D on an empty line, or end of input). */
export class PromptCancelled extends MochiError {}

/** Stdin is not a terminal: there is nobody to ask. */
export class NoTerminal extends MochiError {}

const ENTER = new Set([0x0d, 0x0a]);
const BACKSPACE = new Set([0x7f, 0x08]);
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_U = 0x15;
const ESCAPE = 0x1b;

/** Bytes read past the end of one answer (a pasted "pw\npw\n"), for the next prompt. */
let pending: number[] = [];

/**
 * Asks `question` on stderr and reads one line from the terminal without
 * echoing it. Throws {@link NoTerminal} when stdin is not a terminal, and
 * {@link PromptCancelled} on Ctrl-C / Ctrl-D / end of input.
 *
 * @example
 * ```ts ignore
 * import { promptHidden } from "./_hidden_prompt.ts";
 * const password = await promptHidden("Password: ");
 * ```
 */
export async function promptHidden(question: string): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw new NoTerminal("Cannot ask for a password: standard input is not a terminal");
  }
  const restore = () => {
    try {
      Deno.stdin.setRaw(false);
    } catch { /* the terminal is gone: nothing to restore */ }
  };
  // Deno.exit() elsewhere (another part failing) dispatches "unload"; a
  // termination signal would otherwise leave the terminal without echo.
  const terminated = () => {
    restore();
    writeStderrSync("\n");
    Deno.exit(EXIT.FAILURE);
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? [] : ["SIGTERM", "SIGHUP"];
  globalThis.addEventListener("unload", restore);
  for (const signal of signals) Deno.addSignalListener(signal, terminated);
  // Raw before the question: keys typed as soon as it shows must not echo.
  Deno.stdin.setRaw(true);
  try {
    writeStderrSync(question);
    return await readHiddenLine();
  } finally {
    restore();
    globalThis.removeEventListener("unload", restore);
    for (const signal of signals) Deno.removeSignalListener(signal, terminated);
    writeStderrSync("\n");
  }
}

/** Reads bytes until Enter, editing as described in the module comment. */
async function readHiddenLine(): Promise<string> {
  const typed: number[] = [];
  const buffer = new Uint8Array(256);
  // Escape sequences: ESC x, ESC O x (SS3), ESC [ parameters final-byte (CSI).
  let escape: "none" | "start" | "ss3" | "csi" = "none";
  for (;;) {
    if (pending.length === 0) {
      const count = await Deno.stdin.read(buffer);
      if (count === null) throw new PromptCancelled("Cannot read the password: end of input");
      pending = [...buffer.subarray(0, count)];
    }
    while (pending.length > 0) {
      const byte = pending.shift()!;
      if (escape === "start") {
        escape = byte === 0x5b ? "csi" : byte === 0x4f ? "ss3" : "none";
        continue;
      }
      if (escape !== "none") {
        // SS3 is one more byte; CSI ends at its final byte (0x40-0x7E).
        if (escape === "ss3" || (byte >= 0x40 && byte <= 0x7e)) escape = "none";
        continue;
      }
      if (ENTER.has(byte)) {
        // A CR LF pair from a paste is one Enter.
        if (byte === 0x0d && pending[0] === 0x0a) pending.shift();
        return new TextDecoder().decode(new Uint8Array(typed));
      }
      if (byte === CTRL_C || (byte === CTRL_D && typed.length === 0)) {
        throw new PromptCancelled("Cannot read the password: cancelled");
      }
      if (byte === ESCAPE) escape = "start";
      else if (BACKSPACE.has(byte)) removeLastCharacter(typed);
      else if (byte === CTRL_U) typed.length = 0;
      else if (byte >= 0x20) typed.push(byte);
    }
  }
}

/** Removes the last UTF-8 character (its continuation bytes, then its lead byte). */
function removeLastCharacter(typed: number[]): void {
  while (typed.length > 0 && (typed[typed.length - 1]! & 0xc0) === 0x80) typed.pop();
  typed.pop();
}
