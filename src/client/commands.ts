/**
 * What a line typed into the client means: a message, or one of the
 * commands `/who`, `/msg NAME TEXT`, `/me TEXT`, `/send [@NAME] PATH`,
 * `/get ID [PATH]`, `/files`, `/quit`, `/help`. A line starting with `//`
 * is a message that starts with `/` (`//shrug` sends `/shrug`). Pure: the
 * same parser serves the terminal and the pipe.
 *
 * Rules: an empty or blank line means nothing (it is not sent); command
 * names are case-insensitive; the text of a message or command is kept as
 * typed (inner and trailing spaces included), only the one space run after
 * the command word (and after the name of `/msg`) is taken off. A text over
 * {@link MAX_TEXT_BYTES} or a name over {@link MAX_NAME_CHARACTERS} is a
 * local error, so it never reaches the wire.
 *
 * File commands: a PATH is the rest of the line, trimmed, so it may hold
 * spaces and needs no quoting (quotes are part of the path). `/send @bob
 * PATH` sends to bob only; a path that itself starts with `@` is written
 * `./@name`. An ID is what `/files` and offers show: 1 to 32 characters of
 * `0-9a-z`, checked here so a typo never reaches the server.
 *
 * @example
 * ```ts
 * import { parseInput } from "./commands.ts";
 * const input = parseInput("/msg bob see you at 5");
 * if (input.kind !== "private" || input.to !== "bob") throw new Error("unexpected");
 * ```
 *
 * @module
 */

import {
  isFileIdText,
  MAX_FILE_ID_CHARACTERS,
  MAX_NAME_CHARACTERS,
  MAX_TEXT_BYTES,
} from "../protocol/mod.ts";

/** What one input line asks for. */
export type ParsedInput =
  /** A message to the room. */
  | { readonly kind: "say"; readonly text: string }
  /** An action (`/me waves` is shown as `* ada waves`). */
  | { readonly kind: "emote"; readonly text: string }
  /** A private message to one member. */
  | { readonly kind: "private"; readonly to: string; readonly text: string }
  /** Ask who is in the room. */
  | { readonly kind: "who" }
  /** Send a file (`path` as typed, not resolved yet) to the room, or to the member `to`. */
  | { readonly kind: "sendFile"; readonly path: string; readonly to?: string }
  /** Fetch a file by id, into `path` (as typed; a directory or a file) or the working directory. */
  | { readonly kind: "getFile"; readonly fileId: string; readonly path?: string }
  /** Ask which files the server holds for us. */
  | { readonly kind: "files" }
  /** Leave the room (after the server has acknowledged everything sent). */
  | { readonly kind: "quit" }
  /** Show the commands. */
  | { readonly kind: "help" }
  /** An empty or blank line: nothing to do. */
  | { readonly kind: "empty" }
  /** The line cannot be used; `message` says why, for the user. Nothing is sent. */
  | { readonly kind: "error"; readonly message: string };

/** One line per command, for `/help`. */
export const HELP_LINES: readonly string[] = [
  "/who              who is in the room",
  "/msg NAME TEXT    a private message to NAME",
  "/me TEXT          an action: /me waves shows as * you waves",
  "/send PATH        send a file to the room",
  "/send @NAME PATH  send a file to NAME only",
  "/get ID [PATH]    fetch a file (into PATH; default: the current directory)",
  "/files            the files the server holds for you",
  "/quit             leave (after the server has everything you sent)",
  "/help             this list",
  "//TEXT            a message that starts with /",
];

const encoder = new TextEncoder();

/** Parses one line of input (without its line ending). */
export function parseInput(line: string): ParsedInput {
  if (line.trim() === "") return { kind: "empty" };
  if (line.startsWith("//")) return message("say", line.slice(1));
  if (!line.startsWith("/")) return message("say", line);
  const match = line.match(/^\/(\S*)(?:\s+([\s\S]*))?$/)!;
  const command = match[1]!.toLowerCase();
  const rest = match[2] ?? "";
  switch (command) {
    case "me":
      return rest === "" ? usage("/me TEXT") : message("emote", rest);
    case "msg":
      return privateMessage(rest);
    case "send":
      return sendFile(rest.trim());
    case "get":
      return getFile(rest.trim());
    case "who":
    case "files":
    case "quit":
    case "help":
      return rest.trim() === ""
        ? { kind: command }
        : { kind: "error", message: `/${command} takes no arguments` };
    default:
      return {
        kind: "error",
        message: `Unknown command /${match[1]} (type /help for the list; ` +
          `start a line with // to send it as a message)`,
      };
  }
}

function privateMessage(rest: string): ParsedInput {
  const match = rest.match(/^(\S+)(?:\s+([\s\S]*))?$/);
  const to = match?.[1];
  const text = match?.[2] ?? "";
  if (to === undefined || text === "") return usage("/msg NAME TEXT");
  const problem = nameProblem(to);
  if (problem !== undefined) return { kind: "error", message: problem };
  const checked = message("say", text);
  return checked.kind === "error" ? checked : { kind: "private", to: to.normalize("NFC"), text };
}

function sendFile(rest: string): ParsedInput {
  if (!rest.startsWith("@")) {
    return rest === "" ? usage("/send [@NAME] PATH") : { kind: "sendFile", path: rest };
  }
  const match = rest.match(/^@(\S+)\s+([\s\S]+)$/);
  const to = match?.[1];
  const path = match?.[2];
  if (to === undefined || path === undefined) return usage("/send @NAME PATH");
  const problem = nameProblem(to);
  if (problem !== undefined) return { kind: "error", message: problem };
  return { kind: "sendFile", path, to: to.normalize("NFC") };
}

function getFile(rest: string): ParsedInput {
  const match = rest.match(/^(\S+)(?:\s+([\s\S]+))?$/);
  const fileId = match?.[1];
  if (fileId === undefined) return usage("/get ID [PATH]");
  if (!isFileIdText(fileId)) {
    return {
      kind: "error",
      message: `Cannot fetch ${fileId}: a file id is 1 to ${MAX_FILE_ID_CHARACTERS} characters ` +
        "of 0-9 and a-z (/files lists them)",
    };
  }
  const path = match?.[2];
  return path === undefined ? { kind: "getFile", fileId } : { kind: "getFile", fileId, path };
}

function nameProblem(name: string): string | undefined {
  return [...name].length > MAX_NAME_CHARACTERS
    ? `Cannot send to ${name}: a name has at most ${MAX_NAME_CHARACTERS} characters`
    : undefined;
}

function message(kind: "say" | "emote", text: string): ParsedInput {
  const bytes = encoder.encode(text).length;
  if (bytes > MAX_TEXT_BYTES) {
    return {
      kind: "error",
      message: `Cannot send: the message is ${bytes} bytes long, at most ${MAX_TEXT_BYTES} fit`,
    };
  }
  return { kind, text };
}

function usage(form: string): ParsedInput {
  return { kind: "error", message: `Usage: ${form}` };
}
