/**
 * WhoRequest (client -> server, type 0x08): asks who is in the room; the
 * server answers with a MemberList. No fields.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";

/** Asks for the member list. */
export interface WhoRequest {
  /** Discriminant. */
  readonly type: "whoRequest";
}

/** Writes a WhoRequest's fields: there are none. */
export function encodeWhoRequest(_writer: Writer, _frame: WhoRequest): void {}

/** Reads a WhoRequest's fields: there are none. */
export function decodeWhoRequest(_reader: Reader): WhoRequest {
  return { type: "whoRequest" };
}
