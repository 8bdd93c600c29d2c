/**
 * ErrorFrame (server -> client, type 0x89): the server refused a frame. The
 * session goes on unless the server closes the connection after it (it does
 * after `malformed`, `unsupportedVersion` and `unexpectedFrame` before login).
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { enumeration, optional } from "../codec.ts";
import { explanationField, type MessageId, messageIdField, millisecondsField } from "../fields.ts";

/** Why a frame was refused, with each code's wire value. */
export const ErrorCode = {
  /** The text is longer than the server accepts (it may allow less than 4096 bytes). */
  messageTooLong: 0,
  /** Too many messages: wait `retryAfterMs`; the refused message was not taken. */
  rateLimited: 1,
  /** Say, Emote, PrivateMessage or WhoRequest before a successful JoinRoom. */
  notJoined: 2,
  /** PrivateMessage: no member of that name is in the room. */
  noSuchMember: 3,
  /** The bytes were not a frame (the FrameError's message explains). */
  malformed: 4,
  /** The text is not acceptable (the server's rules, such as control characters). */
  invalidText: 5,
  /** Hello named a protocol version the server does not speak. */
  unsupportedVersion: 6,
  /** A valid frame at the wrong time: a second Hello, Login after login, Say before login. */
  unexpectedFrame: 7,
  /** The server failed (storage error, bug); trying again later may work. */
  internalError: 8,
} as const;

/** An error code. */
export type ErrorCode = keyof typeof ErrorCode;

const codeField = enumeration<ErrorCode>(ErrorCode);
const optionalMessageId = optional(messageIdField);

/** A refusal, with the message it concerns when there is one. */
export interface ErrorFrame {
  /** Discriminant. */
  readonly type: "error";
  /** Why. */
  readonly code: ErrorCode;
  /** The id of the refused Say, Emote or PrivateMessage, when the refusal concerns one. */
  readonly inReplyTo?: MessageId;
  /** With `rateLimited`: how long to wait before trying again; otherwise 0. */
  readonly retryAfterMs: number;
  /** A human-readable explanation, 0 to 1024 bytes of UTF-8 (may be empty). */
  readonly message: string;
}

/** Writes an ErrorFrame's fields (after the type byte). */
export function encodeErrorFrame(writer: Writer, frame: ErrorFrame): void {
  codeField.encode(writer, frame.code, "code");
  optionalMessageId.encode(writer, frame.inReplyTo, "inReplyTo");
  millisecondsField.encode(writer, frame.retryAfterMs, "retryAfterMs");
  explanationField.encode(writer, frame.message, "message");
}

/** Reads an ErrorFrame's fields (after the type byte). */
export function decodeErrorFrame(reader: Reader): ErrorFrame {
  const code = codeField.decode(reader, "code");
  const inReplyTo = optionalMessageId.decode(reader, "inReplyTo");
  const retryAfterMs = millisecondsField.decode(reader, "retryAfterMs");
  const message = explanationField.decode(reader, "message");
  return inReplyTo === undefined
    ? { type: "error", code, retryAfterMs, message }
    : { type: "error", code, inReplyTo, retryAfterMs, message };
}
