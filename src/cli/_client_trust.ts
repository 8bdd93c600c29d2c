/**
 * How `mochi client` checks the server's key: the options of `verifyServer`
 * (src/client/trust.ts), with a yes/no question on the terminal for a
 * server seen for the first time.
 *
 * @module
 */

import type { HostPort } from "./_address.ts";
import { writeStderrSync } from "./_fail.ts";
import type { VerifyServerOptions } from "../client/trust.ts";

/** What the check needs from the client's options. */
export interface TrustInputs {
  /** The server's address. */
  readonly server: HostPort;
  /** Absolute path of the client's state directory (`MOCHI_HOME`). */
  readonly homeDirectory: string;
  /** From `--fingerprint`: the only server key to accept (and pin). */
  readonly fingerprint: string | undefined;
}

/**
 * Asks a yes/no question on the terminal: the question on stderr (stdout
 * carries the room), the answer read from stdin; only "y" or "yes" is yes.
 * Call it only when {@link hasTerminal} is true: it never prompts a pipe.
 */
export async function askOnTerminal(question: string): Promise<boolean> {
  writeStderrSync(`${question} [y/N] `);
  const answer = await readTerminalLine();
  if (answer === null) writeStderrSync("\n");
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}

async function readTerminalLine(): Promise<string | null> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  let line = "";
  // A terminal in line mode hands over one line per read; loop for long ones.
  for (;;) {
    const count = await Deno.stdin.read(buffer);
    if (count === null) return line === "" ? null : line;
    line += decoder.decode(buffer.subarray(0, count), { stream: true });
    const end = line.indexOf("\n");
    if (end >= 0) return line.slice(0, end);
    if (line.length > 4096) return line;
  }
}

/** Whether a person can be asked: stdin to answer on and stderr to show the question. */
export function hasTerminal(): boolean {
  return Deno.stdin.isTerminal() && Deno.stderr.isTerminal();
}

/** The server-key check's options for `verifyServer`, from the client's options. */
export function serverTrustOptions(options: TrustInputs): VerifyServerOptions {
  return {
    address: options.server,
    homeDirectory: options.homeDirectory,
    pinnedFingerprint: options.fingerprint,
    interactive: hasTerminal(),
    ask: askOnTerminal,
    report: (text) => writeStderrSync(`${text}\n`),
  };
}
