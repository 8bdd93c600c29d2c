/**
 * JoinRoom (client -> server, type 0x04): enters the room, after a
 * successful login, by proving the room password.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { passwordField } from "../fields.ts";

/** Asks to join the room; answered by JoinResult. */
export interface JoinRoom {
  /** Discriminant. */
  readonly type: "joinRoom";
  /** The room password, 1 to 1024 bytes of UTF-8 (a room without one is closed). */
  readonly roomPassword: string;
}

/** Writes a JoinRoom's fields (after the type byte). */
export function encodeJoinRoom(writer: Writer, frame: JoinRoom): void {
  passwordField.encode(writer, frame.roomPassword, "roomPassword");
}

/** Reads a JoinRoom's fields (after the type byte). */
export function decodeJoinRoom(reader: Reader): JoinRoom {
  return { type: "joinRoom", roomPassword: passwordField.decode(reader, "roomPassword") };
}
