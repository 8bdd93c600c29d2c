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

function withoutAt(event: RoomEvent): Record<string, unknown> {
  const { at: _at, kind, ...rest } = event;
  return { event: kind, ...rest };
}
