/**
 * Delivered (server -> client, type 0x86): the server has taken a Say, Emote
 * or PrivateMessage and will not lose it; the sender may forget it. A message
 * sent again with the same id gets the same Delivered again (see
 * docs/protocol.md, "De-duplication").
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { type MessageId, messageIdField, type RoomSequence, roomSequenceField } from "../fields.ts";

/** Acknowledges one message to its sender. */
export interface Delivered {
  /** Discriminant. */
  readonly type: "delivered";
  /** The id the sender chose. */
  readonly messageId: MessageId;
  /** Its place in the room's order; 0 for a private message. */
  readonly sequence: RoomSequence;
}

/** Writes a Delivered's fields (after the type byte). */
export function encodeDelivered(writer: Writer, frame: Delivered): void {
  messageIdField.encode(writer, frame.messageId, "messageId");
  roomSequenceField.encode(writer, frame.sequence, "sequence");
}

/** Reads a Delivered's fields (after the type byte). */
export function decodeDelivered(reader: Reader): Delivered {
  return {
    type: "delivered",
    messageId: messageIdField.decode(reader, "messageId"),
    sequence: roomSequenceField.decode(reader, "sequence"),
  };
}
