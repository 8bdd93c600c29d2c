/**
 * JoinFiles (client -> server, type 0x0a): opens a file session, after a
 * successful login, by proving the room password. Unlike JoinRoom the session
 * does not enter the room: no Presence, no member list entry, and the
 * account's chat session (if any) is left alone, so a transfer can run on a
 * connection of its own beside the chat. Answered by JoinResult.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { passwordField } from "../fields.ts";

/** Asks for a file session; answered by JoinResult. */
export interface JoinFiles {
  /** Discriminant. */
  readonly type: "joinFiles";
  /** The room password, 1 to 1024 bytes of UTF-8. */
  readonly roomPassword: string;
}

/** Writes a JoinFiles's fields (after the type byte). */
export function encodeJoinFiles(writer: Writer, frame: JoinFiles): void {
  passwordField.encode(writer, frame.roomPassword, "roomPassword");
}

/** Reads a JoinFiles's fields (after the type byte). */
export function decodeJoinFiles(reader: Reader): JoinFiles {
  return { type: "joinFiles", roomPassword: passwordField.decode(reader, "roomPassword") };
}
