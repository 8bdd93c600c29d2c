/**
 * Say (client -> server, type 0x05): a line of chat for the whole room. The
 * server answers the sender with Delivered and sends everyone else a
 * RoomMessage of kind `say`.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { type MessageId, messageIdField, textField } from "../fields.ts";

/** A chat line for the room. */
export interface Say {
  /** Discriminant. */
  readonly type: "say";
  /** Chosen at random by the client; the same id when the line is sent again. */
  readonly messageId: MessageId;
  /** The line, 0 to 4096 bytes of UTF-8. */
  readonly text: string;
}

/** Writes a Say's fields (after the type byte). */
export function encodeSay(writer: Writer, frame: Say): void {
  messageIdField.encode(writer, frame.messageId, "messageId");
  textField.encode(writer, frame.text, "text");
}

/** Reads a Say's fields (after the type byte). */
export function decodeSay(reader: Reader): Say {
  return {
    type: "say",
    messageId: messageIdField.decode(reader, "messageId"),
    text: textField.decode(reader, "text"),
  };
}
