/**
 * RoomMessage (server -> client, type 0x84): a Say or Emote of another
 * member, stamped with its place in the room's one order and the server's
 * time of receipt.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { enumeration } from "../codec.ts";
import {
  type MessageId,
  messageIdField,
  nameField,
  type RoomSequence,
  roomSequenceField,
  textField,
  timestampField,
} from "../fields.ts";

/** Which frame a room message came from, with each kind's wire value. */
export const MessageKind = {
  /** A Say: shown as `ada: text`. */
  say: 0,
  /** An Emote: shown as `* ada text`. */
  emote: 1,
} as const;

/** A room message kind. */
export type MessageKind = keyof typeof MessageKind;

const kindField = enumeration<MessageKind>(MessageKind);

/** One message of the room, as every member but its sender receives it. */
export interface RoomMessage {
  /** Discriminant. */
  readonly type: "roomMessage";
  /** Its place in the room's order: 1, 2, 3... without gaps for a member present throughout. */
  readonly sequence: RoomSequence;
  /** The id its sender chose. */
  readonly messageId: MessageId;
  /** The sender's name. */
  readonly from: string;
  /** Say or Emote. */
  readonly kind: MessageKind;
  /** The text, 0 to 4096 bytes of UTF-8, as sent (strip control characters before showing it). */
  readonly text: string;
  /** When the server took it, in milliseconds since the Unix epoch. */
  readonly sentAt: number;
}

/** Writes a RoomMessage's fields (after the type byte). */
export function encodeRoomMessage(writer: Writer, frame: RoomMessage): void {
  roomSequenceField.encode(writer, frame.sequence, "sequence");
  messageIdField.encode(writer, frame.messageId, "messageId");
  nameField.encode(writer, frame.from, "from");
  kindField.encode(writer, frame.kind, "kind");
  textField.encode(writer, frame.text, "text");
  timestampField.encode(writer, frame.sentAt, "sentAt");
}

/** Reads a RoomMessage's fields (after the type byte). */
export function decodeRoomMessage(reader: Reader): RoomMessage {
  return {
    type: "roomMessage",
    sequence: roomSequenceField.decode(reader, "sequence"),
    messageId: messageIdField.decode(reader, "messageId"),
    from: nameField.decode(reader, "from"),
    kind: kindField.decode(reader, "kind"),
    text: textField.decode(reader, "text"),
    sentAt: timestampField.decode(reader, "sentAt"),
  };
}
