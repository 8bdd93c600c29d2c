/**
 * What `mochi client` does with one parsed input line, the same in a pipe and
 * in a terminal: send a message, ask who is here or which files there are,
 * start a file transfer, show the help, or stop.
 *
 * `/send` and `/get` return as soon as the transfer has started: it runs in
 * the background (src/cli/_client_files.ts) and reports through
 * {@link InputFeedback.notice}. The caller keeps the {@link FileTransfers}
 * registry and waits on its `settled()` after `/quit` or the end of input,
 * before leaving.
 *
 * @module
 */

import { HELP_LINES, type ParsedInput } from "../client/commands.ts";
import type { FileLink } from "../client/file_link.ts";
import { MochiError } from "../errors.ts";
import type { FileTransfers } from "./_client_files.ts";

/** The part of a `ChatSession` that input lines use. */
export interface InputTarget {
  say(text: string): Promise<unknown>;
  emote(text: string): Promise<unknown>;
  privateMessage(to: string, text: string): Promise<unknown>;
  who(): Promise<void>;
  listFiles(): Promise<void>;
  fileLinkConnector(): () => Promise<FileLink>;
}

/** Where the answers to the user go. */
export interface InputFeedback {
  /** A local problem (unknown command, not connected): shown, nothing sent. */
  problem(message: string): void;
  /** The `/help` lines. */
  help(lines: readonly string[]): void;
  /** A line about a file transfer in the background (started, progress, done or failed). */
  notice(line: string): void;
}

/**
 * Carries out one input; returns "quit" after `/quit`. A problem with one
 * line (bad command, `/who` while reconnecting) is reported, not thrown;
 * the session having ended is thrown (its error is the reason to stop).
 * Transfers are started in `transfers` and not waited for.
 */
export async function applyInput(
  session: InputTarget,
  input: ParsedInput,
  feedback: InputFeedback,
  transfers: FileTransfers,
): Promise<"quit" | "continue"> {
  try {
    switch (input.kind) {
      case "say":
        await session.say(input.text);
        break;
      case "emote":
        await session.emote(input.text);
        break;
      case "private":
        await session.privateMessage(input.to, input.text);
        break;
      case "who":
        await session.who();
        break;
      case "files":
        await session.listFiles();
        break;
      case "sendFile": {
        const problem = transfers.send(
          input,
          session.fileLinkConnector(),
          (line) => feedback.notice(line),
        );
        if (problem !== undefined) feedback.problem(problem);
        break;
      }
      case "getFile": {
        const problem = transfers.get(
          input,
          session.fileLinkConnector(),
          (line) => feedback.notice(line),
        );
        if (problem !== undefined) feedback.problem(problem);
        break;
      }
      case "help":
        feedback.help(HELP_LINES);
        break;
      case "error":
        feedback.problem(input.message);
        break;
      case "quit":
        return "quit";
      case "empty":
        break;
    }
  } catch (error) {
    if (!(error instanceof MochiError) || !REPORTED.has(input.kind)) throw error;
    feedback.problem(error.message);
  }
  return "continue";
}

/** Commands whose failure (not connected, not joined yet) is a line, not the end. */
const REPORTED: ReadonlySet<ParsedInput["kind"]> = new Set(["who", "files", "sendFile", "getFile"]);
