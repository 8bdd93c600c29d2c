/**
 * The one way the CLI ends with an error: a one-line reason on stderr, an
 * optional hint line, and a documented exit status.
 *
 * @module
 */

import type { ExitCode } from "./exit_codes.ts";
import { writeAllSync } from "../ui/write_all.ts";

/**
 * Writes all of `text` to stderr synchronously, so nothing is lost when the
 * process exits right after (an async write could still be pending).
 */
export function writeStderrSync(text: string): void {
  writeAllSync(Deno.stderr, text);
}

/**
 * Writes all of `text` to stdout synchronously; see {@link writeStderrSync}.
 * A reader that went away (`mochi --help | head -3`) is not an error.
 */
export function writeStdoutSync(text: string): void {
  try {
    writeAllSync(Deno.stdout, text);
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/**
 * Prints `mochi: <message>` (and `hint` on the next line, if given) on stderr
 * and exits with `code`.
 *
 * @example
 * ```ts ignore
 * import { fail } from "./_fail.ts";
 * import { EXIT } from "./exit_codes.ts";
 * fail("Cannot read room password file: not found", EXIT.FAILURE);
 * ```
 */
export function fail(message: string, code: ExitCode, hint?: string): never {
  // A message must stay on one line: scripts read the first stderr line.
  const oneLine = message.replace(/\s*\n\s*/g, " ").trim();
  writeStderrSync(`mochi: ${oneLine}\n${hint === undefined ? "" : `${hint}\n`}`);
  Deno.exit(code);
}
