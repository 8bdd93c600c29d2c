/**
 * How `mochi client` shows room events: one text line each
 * (`[12:01:02] ada: hi`), or one JSON object per line with `--json`. Pure.
 * Every string from the network goes through `sanitizeForTerminal` in text
 * lines; JSON lines escape control and bidirectional characters instead, so
 * a bot gets the exact text and a terminal shows nothing active either way.
 *
 * Text lines:
 * - `[12:01:02] ada: hi`, `[12:01:02] * ada waves` (an emote)
 * - `[12:01:02] ada -> you (private): hi`
 * - `[12:01:02] * ada joined`, `left`, `reconnected` (a new session of ada)
 * - `[12:01:02] * 2 in the room: ada, bob`
 * - our own messages (only in the terminal, once the server took them):
 *   `[12:01:02] ada: hi`, `[12:01:02] ada -> bob (private): hi`
 * - `[12:01:02] * ada offers notes.pdf (1.2 MiB) — /get k3j4h5m7q2`
 *   (`size unknown` while streaming from a pipe; `to you` or `to bob` for a
 *   private offer)
 * - the answer to `/files`: a heading and a table (id, name, size, from,
 *   state), several lines in one string
 *
 * JSON lines: `{"type":"message","sequence":12,"from":"ada","text":"hi","time":"2026-...Z"}`
 * and the types `emote`, `private`, `presence`, `members`, `error`, `sent`
 * (our message, once the server took it, with its room sequence),
 * `fileOffered` (`id`, `name`, `size`, `from`, `to`, `time`; null for an
 * unknown size or a file for the room), `files` (a list of file objects)
 * and `fileError`.
 *
 * @example
 * ```ts
 * import { formatEventJson } from "./_client_format.ts";
 * const line = formatEventJson({
 *   type: "presence",
 *   presence: { type: "presence", kind: "joined", name: "ada", at: 0 },
 * });
 * if (line !== '{"type":"presence","kind":"joined","name":"ada","time":"1970-01-01T00:00:00.000Z"}') {
 *   throw new Error(line ?? "none");
 * }
 * ```
 *
 * @module
 */

import type { ChatEvent } from "../client/chat_events.ts";
import type { OutgoingFrame } from "../client/outbox.ts";
import { formatBytes } from "../files/units.ts";
import type { FileInfo, MemberEntry } from "../protocol/mod.ts";
import { sameAccountName } from "../server/names.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import { fileAsJson } from "./_file_json.ts";

/** `HH:MM:SS` of a moment (milliseconds since the epoch), in the local time zone. */
export function clockTime(at: number): string {
  const time = new Date(at);
  const two = (value: number) => String(value).padStart(2, "0");
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}`;
}

/**
 * The text line for an event, or null when it has none. With `ownName`, our
 * own messages are shown too, under that name, once the server took them
 * (the terminal erases what was typed; a pipe's writer has it already).
 * `you` is our name, to say `to you` for a private offer to us and `to bob`
 * for ours to bob (default `ownName`; without either, `to NAME` always).
 */
export function formatEventLine(
  event: ChatEvent,
  ownName?: string,
  you: string | undefined = ownName,
): string | null {
  const clean = sanitizeForTerminal;
  switch (event.type) {
    case "message": {
      const { from, text, kind, sentAt } = event.message;
      const body = kind === "emote"
        ? `* ${clean(from)} ${clean(text)}`
        : `${clean(from)}: ${clean(text)}`;
      return `[${clockTime(sentAt)}] ${body}`;
    }
    case "private": {
      const { from, text, sentAt } = event.message;
      return `[${clockTime(sentAt)}] ${clean(from)} -> you (private): ${clean(text)}`;
    }
    case "presence": {
      const { kind, name, at } = event.presence;
      const what = kind === "replaced" ? "reconnected" : kind;
      return `[${clockTime(at)}] * ${clean(name)} ${what}`;
    }
    case "members":
      return `[${clockTime(Date.now())}] * ${memberSummary(event.members)}`;
    case "delivered":
      return ownName === undefined
        ? null
        : `[${clockTime(event.at)}] ${ownLine(event.frame, sanitizeForTerminal(ownName))}`;
    case "fileOffered":
      return `[${clockTime(event.file.offeredAt)}] * ${offerLine(event.file, you)}`;
    case "files":
      return `[${clockTime(Date.now())}] * ${fileTable(event.files)}`;
    default:
      return null;
  }
}

/** The JSON line for an event, or null when it has none (connection diagnostics). */
export function formatEventJson(event: ChatEvent): string | null {
  switch (event.type) {
    case "message": {
      const { sequence, from, text, kind, sentAt } = event.message;
      const type = kind === "emote" ? "emote" : "message";
      return jsonLine({ type, sequence, from, text, time: isoTime(sentAt) });
    }
    case "private": {
      const { from, to, text, sentAt } = event.message;
      return jsonLine({ type: "private", from, to, text, time: isoTime(sentAt) });
    }
    case "presence": {
      const { kind, name, at } = event.presence;
      return jsonLine({ type: "presence", kind, name, time: isoTime(at) });
    }
    case "members":
      return jsonLine({
        type: "members",
        members: event.members.map(({ name, since, idleMs }) => ({
          name,
          since: isoTime(since),
          idleMs,
        })),
      });
    case "delivered":
      return jsonLine({
        type: "sent",
        sequence: event.sequence,
        ...describeOwn(event.frame),
        time: isoTime(event.at),
      });
    case "fileOffered": {
      const { fileId, name, size, sender, to, offeredAt } = event.file;
      return jsonLine({
        type: "fileOffered",
        id: fileId,
        name,
        size: size ?? null,
        from: sender,
        to: to ?? null,
        time: isoTime(offeredAt),
      });
    }
    case "files":
      return jsonLine({ type: "files", files: event.files.map(fileAsJson) });
    case "fileError":
      return jsonLine({
        type: "fileError",
        code: event.code,
        message: event.message,
        ...(event.fileId === undefined ? {} : { id: event.fileId }),
      });
    case "error":
      return jsonLine({
        type: "error",
        code: event.code,
        message: event.message,
        retryAfterMs: event.retryAfterMs,
        ...(event.refused === undefined ? {} : { refused: describeOwn(event.refused) }),
      });
    default:
      return null;
  }
}

/** The one-line reason for a refusal, for stderr or the terminal (sanitised). */
export function formatRefusal(event: Extract<ChatEvent, { type: "error" }>): string {
  // The server's explanation, without its own "Cannot send:" (ours says what failed).
  const given = event.message.trim().replace(/^Cannot [^:]*:\s*/, "");
  const reason = given === "" ? event.code : given;
  const about = event.refused === undefined
    ? "The server refused"
    : event.refused.type === "privateMessage"
    ? `Cannot send to ${event.refused.to}`
    : "Cannot send";
  const wait = event.retryAfterMs > 0
    ? ` (try again in ${Math.ceil(event.retryAfterMs / 1000)} s)`
    : "";
  return sanitizeForTerminal(`${about}: ${reason}${wait}`);
}

/**
 * `JSON.stringify`, with the characters it leaves raw but a terminal would
 * act on (DEL, C1 controls, line and paragraph separators, bidirectional
 * overrides) written as `\uXXXX` escapes: the same JSON value, inert.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function isoTime(at: number): string {
  return new Date(at).toISOString();
}

function memberSummary(members: readonly MemberEntry[]): string {
  const names = members.map((member) => sanitizeForTerminal(member.name)).join(", ");
  return `${members.length} in the room${members.length === 0 ? "" : `: ${names}`}`;
}

function ownLine(frame: OutgoingFrame, name: string): string {
  const text = sanitizeForTerminal(frame.text);
  if (frame.type === "privateMessage") {
    return `${name} -> ${sanitizeForTerminal(frame.to)} (private): ${text}`;
  }
  return frame.type === "emote" ? `* ${name} ${text}` : `${name}: ${text}`;
}

function describeOwn(frame: OutgoingFrame): { kind: string; to?: string; text: string } {
  if (frame.type === "privateMessage") return { kind: "private", to: frame.to, text: frame.text };
  return { kind: frame.type, text: frame.text };
}

function offerLine(file: FileInfo, you: string | undefined): string {
  const clean = sanitizeForTerminal;
  const size = file.size === undefined ? "size unknown" : formatBytes(file.size);
  const to = file.to === undefined
    ? ""
    : you !== undefined && sameAccountName(file.to, you)
    ? " to you"
    : ` to ${clean(file.to)}`;
  return `${clean(file.sender)} offers ${clean(file.name)} (${size})${to} — /get ${
    clean(file.fileId)
  }`;
}

/** Longest name shown in the table; longer ones end in "…" (the id is what /get needs). */
const TABLE_NAME_CHARACTERS = 40;

function fileTable(files: readonly FileInfo[]): string {
  if (files.length === 0) return "no files on the server for you";
  const clean = sanitizeForTerminal;
  const rows = files.map((file) => [
    clean(file.fileId),
    shorten(clean(file.name), TABLE_NAME_CHARACTERS),
    file.size === undefined ? "?" : formatBytes(file.size),
    file.to === undefined ? clean(file.sender) : `${clean(file.sender)} -> ${clean(file.to)}`,
    fileState(file),
  ]);
  const header = ["ID", "NAME", "SIZE", "FROM", "STATE"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => [...row[column]!].length))
  );
  const lines = [header, ...rows].map((row) =>
    "  " +
    row.map((cell, column) =>
      column === row.length - 1 ? cell : cell + " ".repeat(widths[column]! - [...cell].length)
    ).join("  ")
  );
  const count = files.length === 1 ? "1 file" : `${files.length} files`;
  return [`${count} on the server for you:`, ...lines].join("\n");
}

function fileState(file: FileInfo): string {
  if (file.complete) return "complete";
  const progress = file.size === undefined || file.size === 0
    ? formatBytes(file.stored)
    : `${Math.floor((file.stored * 100) / file.size)} %`;
  return `being sent (${progress})`;
}

function shorten(text: string, characters: number): string {
  const all = [...text];
  return all.length <= characters ? text : `${all.slice(0, characters - 1).join("")}…`;
}

/**
 * A sentence about the connection or a refusal, for stderr (pipes) or the
 * terminal, or null for room events. Sanitised.
 */
export function formatNotice(event: ChatEvent): string | null {
  switch (event.type) {
    case "reconnecting": {
      const seconds = (event.delayMs / 1000).toFixed(1);
      const what = event.attempt === 1 ? "Connection lost" : "Reconnecting failed";
      return sanitizeForTerminal(
        `${what} (${event.reason}); reconnecting in ${seconds} s (attempt ${event.attempt})`,
      );
    }
    case "reconnected":
      return sanitizeForTerminal(
        `Reconnected as ${event.you}` +
          (event.resent === 0 ? "" : `; sending ${event.resent} unacknowledged message(s) again`),
      );
    case "error":
      return formatRefusal(event);
    case "fileError": {
      const reason = event.message.trim().replace(/^Cannot [^:]*:\s*/, "");
      const about = event.fileId === undefined ? "" : ` about ${event.fileId}`;
      return sanitizeForTerminal(
        `The server refused a file request${about}: ${reason || event.code}`,
      );
    }
    default:
      return null;
  }
}
