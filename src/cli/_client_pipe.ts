/**
 * `mochi client` without a terminal (a pipe, a bot, a test): each line of
 * input is parsed as a command or a message; each room event is one line
 * of output (text, or JSON with `--json`); connection notices and refusals
 * go to stderr (refusals are JSON `error` lines on stdout with `--json`).
 * At the end of input (or `/quit`) it waits for the file transfers still
 * running (`/send`, `/get`: their lines go to stderr), then until the
 * server has acknowledged every message sent, then leaves.
 *
 * @module
 */

import type { ChatEvent } from "../client/chat_events.ts";
import type { ChatSession } from "../client/chat_session.ts";
import { parseInput } from "../client/commands.ts";
import { applyInput } from "./_client_actions.ts";
import { FileTransfers } from "./_client_files.ts";
import { formatEventJson, formatEventLine, formatNotice } from "./_client_format.ts";

/** Where a pipe session reads and writes. */
export interface PipeOptions {
  /** One JSON object per event line instead of text. */
  readonly json: boolean;
  /** The lines to send. */
  readonly input: ReadableStream<Uint8Array>;
  /** Writes one line to stdout. */
  readonly print: (line: string) => void;
  /** Writes one diagnostic line to stderr (the caller adds `mochi: `). */
  readonly diagnose: (line: string) => void;
  /** Runs `/send` and `/get` (default: a registry on the real network and disk). */
  readonly transfers?: FileTransfers;
}

/**
 * Runs a joined session until the input ends and everything is delivered;
 * rejects with the session's error if it ends first (gave up reconnecting,
 * replaced by a new login...).
 */
export async function runPipeChat(session: ChatSession, options: PipeOptions): Promise<void> {
  const transfers = options.transfers ?? new FileTransfers();
  const ended = printEvents(session, options, session.you);
  const fed = feedInput(session, options, transfers).then(async () => {
    if (transfers.count === 0) return;
    options.diagnose(`waiting for ${transfers.count} file transfer(s) to finish...`);
    await transfers.settled();
  });
  fed.catch(() => {}); // if the session ends first, its error is the one reported
  // Whichever comes first: the input done (and its transfers), or the session over.
  const first = await Promise.race([fed.then(() => "input" as const), ended]);
  if (first !== "input") throw first ?? new Error("Cannot go on: the session ended");
  await session.drain();
  await session.leave();
  const error = await ended;
  if (error !== undefined) throw error;
}

/** Prints events until `ended`; resolves with its error (undefined after leave). */
async function printEvents(
  session: ChatSession,
  options: PipeOptions,
  you: string,
): Promise<Error | undefined> {
  for await (const event of session.events()) {
    if (event.type === "ended") return event.error;
    print(event, options, you);
  }
  return undefined;
}

function print(event: ChatEvent, options: PipeOptions, you: string): void {
  // Our own messages are not echoed (the writer has them), but `you` tells offers to us apart.
  const line = options.json ? formatEventJson(event) : formatEventLine(event, undefined, you);
  if (line !== null) options.print(line);
  if (options.json && (event.type === "error" || event.type === "fileError")) return; // on stdout
  const notice = formatNotice(event);
  if (notice !== null) options.diagnose(notice);
}

async function feedInput(
  session: ChatSession,
  options: PipeOptions,
  transfers: FileTransfers,
): Promise<void> {
  const feedback = {
    problem: (message: string) => options.diagnose(message),
    help: (lines: readonly string[]) => lines.forEach((line) => options.diagnose(line)),
    notice: (line: string) => options.diagnose(line),
  };
  for await (const line of readLines(options.input)) {
    if (await applyInput(session, parseInput(line), feedback, transfers) === "quit") return;
  }
}

/** The input's lines without their line endings; a last line without one counts too. */
export async function* readLines(input: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of input.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) yield line.replace(/\r$/, "");
  }
  if (pending !== "") yield pending;
}
