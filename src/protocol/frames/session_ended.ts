/**
 * SessionEnded (server -> client, type 0x8a): the server is ending this
 * session and will close the connection; the client should not reconnect
 * on its own after `replacedByNewLogin` or `kicked`.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { enumeration } from "../codec.ts";
import { explanationField } from "../fields.ts";

/** Why the session ends, with each reason's wire value. */
export const SessionEndReason = {
  /** The same account logged in from another session. */
  replacedByNewLogin: 0,
  /** The server is shutting down (reconnecting later may work). */
  serverStopping: 1,
  /** The operator removed this member. */
  kicked: 2,
} as const;

/** A reason for ending a session. */
export type SessionEndReason = keyof typeof SessionEndReason;

const reasonField = enumeration<SessionEndReason>(SessionEndReason);

/** The last frame of a session. */
export interface SessionEnded {
  /** Discriminant. */
  readonly type: "sessionEnded";
  /** Why. */
  readonly reason: SessionEndReason;
  /** A human-readable explanation, 0 to 1024 bytes of UTF-8 (may be empty). */
  readonly message: string;
}

/** Writes a SessionEnded's fields (after the type byte). */
export function encodeSessionEnded(writer: Writer, frame: SessionEnded): void {
  reasonField.encode(writer, frame.reason, "reason");
  explanationField.encode(writer, frame.message, "message");
}

/** Reads a SessionEnded's fields (after the type byte). */
export function decodeSessionEnded(reader: Reader): SessionEnded {
  return {
    type: "sessionEnded",
    reason: reasonField.decode(reader, "reason"),
    message: explanationField.decode(reader, "message"),
  };
}
