/**
 * Field types that several frames share: names, passwords, chat text,
 * explanations, message ids, room sequence numbers and times. Each is a codec
 * built from `codec.ts` with its limit from `limits.ts`, so a name is checked
 * the same way in Login, RoomMessage and MemberList.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { type Codec, fixedBytes, u32, u64AsNumber, utf8 } from "./codec.ts";
import {
  MAX_EXPLANATION_BYTES,
  MAX_NAME_BYTES,
  MAX_NAME_CHARACTERS,
  MAX_PASSWORD_BYTES,
  MAX_SERVER_NAME_BYTES,
  MAX_TEXT_BYTES,
  MESSAGE_ID_BYTES,
} from "./limits.ts";

/**
 * 16 random bytes a client gives each message it sends, kept by the server to
 * recognise a message sent again after a reconnect. Branded so any other
 * byte string cannot be passed for one.
 */
export type MessageId = Uint8Array & { readonly __brand: "MessageId" };

/**
 * A position in the room's one order of messages: 1 for the first message,
 * 0 for "none" (a private message, an empty room). Branded so a transport
 * sequence number or a count cannot be passed for one.
 */
export type RoomSequence = number & { readonly __brand: "RoomSequence" };

/**
 * Brands 16 bytes (a copy) as a message id; the caller supplies the
 * randomness, since the protocol code draws none.
 *
 * @example
 * ```ts
 * import { messageId, messageIdToHex } from "./fields.ts";
 * const id = messageId(new Uint8Array(16).fill(0xab));
 * if (messageIdToHex(id) !== "ab".repeat(16)) throw new Error("unexpected hex");
 * ```
 */
export function messageId(bytes: Uint8Array): MessageId {
  if (bytes.length !== MESSAGE_ID_BYTES) {
    throw new UsageError(
      `Cannot make a message id: ${bytes.length} bytes, not ${MESSAGE_ID_BYTES}`,
    );
  }
  return bytes.slice() as MessageId;
}

/** A message id as 32 lower-case hex digits: a key for maps and a form for logs. */
export function messageIdToHex(id: MessageId): string {
  return Array.from(id, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Brands a non-negative safe integer as a room sequence number. */
export function roomSequence(value: number): RoomSequence {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`Cannot make a room sequence number: ${value} is not a safe integer >= 0`);
  }
  return value as RoomSequence;
}

/** A member's name: 1 to 32 code points (the server normalises and checks it further). */
export const nameField: Codec<string> = utf8({
  lengthBytes: 1,
  minBytes: 1,
  maxBytes: MAX_NAME_BYTES,
  minCharacters: 1,
  maxCharacters: MAX_NAME_CHARACTERS,
});

/** An account password or the room password: 1 to 1024 bytes of UTF-8. */
export const passwordField: Codec<string> = utf8({
  lengthBytes: 2,
  minBytes: 1,
  maxBytes: MAX_PASSWORD_BYTES,
});

/** Chat text: 0 to 4096 bytes of UTF-8, sent as typed (terminals strip control characters). */
export const textField: Codec<string> = utf8({ lengthBytes: 2, maxBytes: MAX_TEXT_BYTES });

/** A human-readable explanation in a server frame: 0 to 1024 bytes of UTF-8. */
export const explanationField: Codec<string> = utf8({
  lengthBytes: 2,
  maxBytes: MAX_EXPLANATION_BYTES,
});

/** A server's display name: 1 to 128 bytes of UTF-8. */
export const serverNameField: Codec<string> = utf8({
  lengthBytes: 1,
  minBytes: 1,
  maxBytes: MAX_SERVER_NAME_BYTES,
});

const sixteenBytes = fixedBytes(MESSAGE_ID_BYTES);

/** A message id: exactly 16 bytes, no prefix. */
export const messageIdField: Codec<MessageId> = {
  encode: (writer, value, field) => sixteenBytes.encode(writer, value, field),
  decode: (reader, field) => sixteenBytes.decode(reader, field) as MessageId,
};

/** A room sequence number: u64 on the wire, at most 2^53 - 1. */
export const roomSequenceField: Codec<RoomSequence> = {
  encode: (writer, value, field) => u64AsNumber.encode(writer, value, field),
  decode: (reader, field) => u64AsNumber.decode(reader, field) as RoomSequence,
};

/** A moment: milliseconds since the Unix epoch (UTC), u64 on the wire, at most 2^53 - 1. */
export const timestampField: Codec<number> = u64AsNumber;

/** A delay in milliseconds (how long to wait before retrying; 0 for "no need"), u32. */
export const millisecondsField: Codec<number> = u32;
