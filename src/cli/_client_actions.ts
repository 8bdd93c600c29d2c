/**
 * What `mochi client` does with one parsed input line, the same in a pipe and
 * in a terminal: send a message, ask who is here, show the help, or stop.
 *
 * @module
 */

import { HELP_LINES, type ParsedInput } from "../client/commands.ts";
import { MochiError } from "../errors.ts";

/** The part of a `ChatSession` that input lines use. */
export interface InputTarget {
  say(text: string): Promise<unknown>;
  emote(text: string): Promise<unknown>;
  privateMessage(to: string, text: string): Promise<unknown>;
  who(): Promise<void>;
}

/** Where the answers to the user go. */
export interface InputFeedback {
  /** A local problem (unknown command, not connected): shown, nothing sent. */
  problem(message: string): void;
  /** The `/help` lines. */
  help(lines: readonly string[]): void;
}

/**
 * Carries out one input; returns "quit" after `/quit`. A problem with one
 * line (bad command, `/who` while reconnecting) is reported, not thrown;
 * the session having ended is thrown (its error is the reason to stop).
 */
export async function applyInput(
  session: InputTarget,
  input: ParsedInput,
  feedback: InputFeedback,
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
    if (!(error instanceof MochiError) || input.kind !== "who") throw error;
    feedback.problem(error.message);
  }
  return "continue";
}
