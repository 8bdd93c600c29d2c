/**
 * Emote (client -> server, type 0x06): an action line, `/me waves`, shown
 * as `* ada waves`. Same layout and handling as Say; the RoomMessage it
 * becomes has kind `emote`.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { type MessageId, messageIdField, textField } from "../fields.ts";

/** An action line for the room. */
export interface Emote {
  /** Discriminant. */
  readonly type: "emote";
  /** Chosen at random by the client; the same id when the line is sent again. */
  readonly messageId: MessageId;
  /** The action without the `/me ` prefix, 0 to 4096 bytes of UTF-8. */
  readonly text: string;
}

/** Writes an Emote's fields (after the type byte). */
export function encodeEmote(writer: Writer, frame: Emote): void {
  messageIdField.encode(writer, frame.messageId, "messageId");
  textField.encode(writer, frame.text, "text");
}

/** Reads an Emote's fields (after the type byte). */
export function decodeEmote(reader: Reader): Emote {
  return {
    type: "emote",
    messageId: messageIdField.decode(reader, "messageId"),
    text: textField.decode(reader, "text"),
  };
}
