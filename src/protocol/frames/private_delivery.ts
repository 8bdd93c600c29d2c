/**
 * PrivateDelivery (server -> client, type 0x85): a PrivateMessage, delivered
 * to its recipient.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { type MessageId, messageIdField, nameField, textField, timestampField } from "../fields.ts";

/** A private message as its recipient receives it. */
export interface PrivateDelivery {
  /** Discriminant. */
  readonly type: "privateDelivery";
  /** The id its sender chose. */
  readonly messageId: MessageId;
  /** The sender's name. */
  readonly from: string;
  /** The recipient's name (the receiving member's own). */
  readonly to: string;
  /** The text, 0 to 4096 bytes of UTF-8, as sent (strip control characters before showing it). */
  readonly text: string;
  /** When the server took it, in milliseconds since the Unix epoch. */
  readonly sentAt: number;
}

/** Writes a PrivateDelivery's fields (after the type byte). */
export function encodePrivateDelivery(writer: Writer, frame: PrivateDelivery): void {
  messageIdField.encode(writer, frame.messageId, "messageId");
  nameField.encode(writer, frame.from, "from");
  nameField.encode(writer, frame.to, "to");
  textField.encode(writer, frame.text, "text");
  timestampField.encode(writer, frame.sentAt, "sentAt");
}

/** Reads a PrivateDelivery's fields (after the type byte). */
export function decodePrivateDelivery(reader: Reader): PrivateDelivery {
  return {
    type: "privateDelivery",
    messageId: messageIdField.decode(reader, "messageId"),
    from: nameField.decode(reader, "from"),
    to: nameField.decode(reader, "to"),
    text: textField.decode(reader, "text"),
    sentAt: timestampField.decode(reader, "sentAt"),
  };
}
