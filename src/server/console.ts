/**
 * The server console: one line per room event, as text for people or as
 * JSON for machines (`--log-format`). Every name and message is sanitised
 * before it reaches a terminal; private messages are logged without their
 * text.
 *
 * @module
 */

import { sanitizeForTerminal } from "../ui/sanitize.ts";
import type { RoomEvent } from "./chat_room.ts";
import type { FileEvent } from "./file_relay.ts";
import { formatBytes } from "../files/units.ts";

/** How the console prints. */
export type LogFormat = "text" | "json";

/** One console line for a room event. */
export function formatRoomEvent(event: RoomEvent, format: LogFormat): string {
  const time = new Date(event.at);
  if (format === "json") return JSON.stringify({ time: time.toISOString(), ...withoutAt(event) });
  const clock = time.toTimeString().slice(0, 8);
  switch (event.kind) {
    case "message": {
      const name = sanitizeForTerminal(event.name);
      const text = sanitizeForTerminal(event.text);
      return event.emote
        ? `${clock} #${event.sequence} * ${name} ${text}`
        : `${clock} #${event.sequence} ${name}: ${text}`;
    }
    case "private":
      return `${clock} ${sanitizeForTerminal(event.from)} -> ${
        sanitizeForTerminal(event.to)
      }: private message (${event.bytes} bytes)`;
    case "joined":
      return `${clock} ${sanitizeForTerminal(event.name)} joined from ${event.address}`;
    case "left":
      return `${clock} ${sanitizeForTerminal(event.name)} left`;
    case "replaced":
      return `${clock} ${sanitizeForTerminal(event.name)} logged in again from ${event.address}`;
  }
}

function withoutAt(event: { at: number; kind: string }): Record<string, unknown> {
  const { at: _at, kind, ...rest } = event;
  return { event: kind, ...rest };
}

/** One console line for a file event; file names are sanitised, contents never shown. */
export function formatFileEvent(event: FileEvent, format: LogFormat): string {
  const time = new Date(event.at);
  if (format === "json") {
    if (event.kind === "fileRefused") {
      return JSON.stringify({ time: time.toISOString(), ...withoutAt(event) });
    }
    const { file, at: _at, kind, ...rest } = event;
    return JSON.stringify({
      time: time.toISOString(),
      event: kind,
      id: file.fileId,
      name: file.name,
      size: file.size ?? null,
      from: file.sender,
      to: file.to ?? null,
      ...rest,
    });
  }
  const clock = time.toTimeString().slice(0, 8);
  if (event.kind === "fileRefused") {
    return `${clock} refused a file from ${sanitizeForTerminal(event.by)}: ${
      sanitizeForTerminal(event.reason)
    }`;
  }
  const file = event.file;
  const name = sanitizeForTerminal(file.name);
  const size = file.size === undefined ? "size unknown" : formatBytes(file.size);
  const to = file.to === undefined ? "" : ` to ${sanitizeForTerminal(file.to)}`;
  switch (event.kind) {
    case "fileOffered":
      return `${clock} ${
        sanitizeForTerminal(file.sender)
      } offers ${name} (${size})${to} as ${file.fileId}`;
    case "fileStored":
      return `${clock} stored ${name} (${size}) as ${file.fileId}, SHA-256 verified`;
    case "fileFetched":
      return `${clock} ${sanitizeForTerminal(event.by)} fetched ${name} (${file.fileId})`;
  }
}
