/**
 * Reading a file link's frames: the answer a transfer waits for, skipping
 * what it does not care about (offers and progress of other files).
 *
 * @module
 */

import { ConnectionLost } from "../errors.ts";
import type { ServerFrame } from "../protocol/mod.ts";
import type { SessionLink } from "./session_link.ts";

/** The next frame that `wanted` accepts; a closed link or an ended session is `ConnectionLost`. */
export async function nextAnswer(
  link: SessionLink,
  wanted: (frame: ServerFrame) => boolean,
): Promise<ServerFrame> {
  for (;;) {
    const frame = await link.next();
    if (frame === null) throw new ConnectionLost("Lost the connection to the server");
    if (wanted(frame)) return frame;
    if (frame.type === "sessionEnded") {
      throw new ConnectionLost(`The server ended the session: ${frame.message}`);
    }
  }
}
