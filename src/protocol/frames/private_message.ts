/**
 * PrivateMessage (client -> server, type 0x07): a line for one member only.
 * The server answers the sender with Delivered (sequence 0) and the
 * recipient gets a PrivateDelivery; an absent recipient gets the sender an
 * ErrorFrame `noSuchMember`.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { type MessageId, messageIdField, nameField, textField } from "../fields.ts";

/** A chat line for one member. */
export interface PrivateMessage {
  /** Discriminant. */
  readonly type: "privateMessage";
  /** Chosen at random by the client; the same id when the line is sent again. */
  readonly messageId: MessageId;
  /** The recipient's name. */
  readonly to: string;
  /** The line, 0 to 4096 bytes of UTF-8. */
  readonly text: string;
}

/** Writes a PrivateMessage's fields (after the type byte). */
export function encodePrivateMessage(writer: Writer, frame: PrivateMessage): void {
  messageIdField.encode(writer, frame.messageId, "messageId");
  nameField.encode(writer, frame.to, "to");
  textField.encode(writer, frame.text, "text");
}

/** Reads a PrivateMessage's fields (after the type byte). */
export function decodePrivateMessage(reader: Reader): PrivateMessage {
  return {
    type: "privateMessage",
    messageId: messageIdField.decode(reader, "messageId"),
    to: nameField.decode(reader, "to"),
    text: textField.decode(reader, "text"),
  };
}
