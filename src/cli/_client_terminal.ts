/**
 * `mochi client` in a terminal, once joined: a raw-mode input line
 * (`ada> `) that arriving messages never garble, the commands of
 * `src/client/commands.ts`, our own messages shown once the server took
 * them, and connection notices in the flow. `/send` and `/get` run in the
 * background and report in the flow too. `/quit`, Ctrl-D on an empty line
 * or Ctrl-C leave, after the file transfers still running have finished
 * (a Ctrl-C while waiting abandons them: the terminal is back in normal
 * mode; a rerun resumes them) and the server has acknowledged everything
 * sent.
 *
 * @module
 */

import type { ChatEvent } from "../client/chat_events.ts";
import type { ChatSession } from "../client/chat_session.ts";
import { parseInput } from "../client/commands.ts";
import { TerminalLineEditor } from "../ui/line_editor.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import { applyInput } from "./_client_actions.ts";
import { FileTransfers } from "./_client_files.ts";
import { formatEventLine, formatNotice } from "./_client_format.ts";

/**
 * Runs the interactive chat until the user leaves; rejects with the
 * session's error if it ends on its own (the terminal is restored first).
 */
export async function runTerminalChat(
  session: ChatSession,
  transfers: FileTransfers = new FileTransfers(),
): Promise<void> {
  const you = sanitizeForTerminal(session.you);
  const editor = new TerminalLineEditor(`${you}> `);
  const server = session.welcome.serverName;
  editor.print(
    `* You are in the room as ${you}` +
      (server === undefined ? "" : ` on ${sanitizeForTerminal(server)}`) +
      ". Type /help for the commands.",
  );
  const ended = showEvents(session, editor, you);
  const typed = readInput(session, editor, transfers).then(async () => {
    if (transfers.count === 0) return;
    editor.print(
      `* Waiting for ${transfers.count} file transfer(s) to finish (Ctrl-C abandons them)...`,
    );
    await transfers.settled();
  });
  typed.catch(() => {}); // if the session ends first, its error is the one reported
  const first = await Promise.race([typed.then(() => "input" as const), ended]);
  if (first !== "input") {
    restoreTerminal();
    throw first ?? new Error("Cannot go on: the session ended");
  }
  if (session.pendingCount > 0) {
    editor.print(`* Waiting for the server to take ${session.pendingCount} message(s)...`);
  }
  await session.drain();
  await session.leave();
  const error = await ended;
  if (error !== undefined) throw error;
}

async function showEvents(
  session: ChatSession,
  editor: TerminalLineEditor,
  you: string,
): Promise<Error | undefined> {
  for await (const event of session.events()) {
    if (event.type === "ended") return event.error;
    const line = lineFor(event, you);
    if (line !== null) editor.print(line);
  }
  return undefined;
}

function lineFor(event: ChatEvent, you: string): string | null {
  const notice = formatNotice(event);
  return notice === null ? formatEventLine(event, you) : `* ${notice}`;
}

async function readInput(
  session: ChatSession,
  editor: TerminalLineEditor,
  transfers: FileTransfers,
): Promise<void> {
  const feedback = {
    problem: (message: string) => editor.print(`* ${sanitizeForTerminal(message)}`),
    help: (lines: readonly string[]) => lines.forEach((line) => editor.print(`  ${line}`)),
    notice: (line: string) => editor.print(`* ${sanitizeForTerminal(line)}`),
  };
  for await (const line of editor.lines()) {
    if (await applyInput(session, parseInput(line), feedback, transfers) === "quit") return;
  }
}

/** Leaves raw mode and clears the input line, when the editor cannot (its read is pending). */
function restoreTerminal(): void {
  try {
    Deno.stdout.writeSync(new TextEncoder().encode("\r\u001b[K"));
    Deno.stdin.setRaw(false);
  } catch { /* not a terminal any more: nothing to restore */ }
}
