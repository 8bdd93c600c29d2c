/**
 * Leave (client -> server, type 0x09): the member leaves the room on purpose
 * (others see Presence `left`), then the client closes the connection. No
 * fields.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";

/** Leaves the room. */
export interface Leave {
  /** Discriminant. */
  readonly type: "leave";
}

/** Writes a Leave's fields: there are none. */
export function encodeLeave(_writer: Writer, _frame: Leave): void {}

/** Reads a Leave's fields: there are none. */
export function decodeLeave(_reader: Reader): Leave {
  return { type: "leave" };
}
