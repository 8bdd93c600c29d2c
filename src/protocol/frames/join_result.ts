/**
 * JoinResult (server -> client, type 0x83): the answer to JoinRoom.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { enumeration } from "../codec.ts";
import {
  explanationField,
  millisecondsField,
  nameField,
  type RoomSequence,
  roomSequenceField,
} from "../fields.ts";

/** How a join ended, with each outcome's wire value. */
export const JoinOutcome = {
  /** In the room: RoomMessage, Presence and PrivateDelivery frames follow. */
  ok: 0,
  /** The room password did not match. */
  wrongRoomPassword: 1,
  /** The room has as many members as it allows. */
  roomFull: 2,
  /** Too many attempts: wait `retryAfterMs`. */
  rateLimited: 3,
} as const;

/** A join outcome. */
export type JoinOutcome = keyof typeof JoinOutcome;

const outcomeField = enumeration<JoinOutcome>(JoinOutcome);

/** Whether the client is now in the room, and where the room stands. */
export interface JoinResult {
  /** Discriminant. */
  readonly type: "joinResult";
  /** What happened. */
  readonly outcome: JoinOutcome;
  /** With `rateLimited`: how long to wait before trying again; otherwise 0. */
  readonly retryAfterMs: number;
  /** A human-readable explanation, 0 to 1024 bytes of UTF-8 (may be empty). */
  readonly message: string;
  /** The member's name as the server normalised it: how others see this member. */
  readonly you: string;
  /** The sequence of the room's latest message (0: none yet, or the join failed). */
  readonly lastSequence: RoomSequence;
}

/** Writes a JoinResult's fields (after the type byte). */
export function encodeJoinResult(writer: Writer, frame: JoinResult): void {
  outcomeField.encode(writer, frame.outcome, "outcome");
  millisecondsField.encode(writer, frame.retryAfterMs, "retryAfterMs");
  explanationField.encode(writer, frame.message, "message");
  nameField.encode(writer, frame.you, "you");
  roomSequenceField.encode(writer, frame.lastSequence, "lastSequence");
}

/** Reads a JoinResult's fields (after the type byte). */
export function decodeJoinResult(reader: Reader): JoinResult {
  return {
    type: "joinResult",
    outcome: outcomeField.decode(reader, "outcome"),
    retryAfterMs: millisecondsField.decode(reader, "retryAfterMs"),
    message: explanationField.decode(reader, "message"),
    you: nameField.decode(reader, "you"),
    lastSequence: roomSequenceField.decode(reader, "lastSequence"),
  };
}
