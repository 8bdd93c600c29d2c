/**
 * Presence (server -> client, type 0x87): a member entered or left the room,
 * or its session was replaced by a new login of the same account.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { enumeration } from "../codec.ts";
import { nameField, timestampField } from "../fields.ts";

/** What happened to the member, with each kind's wire value. */
export const PresenceKind = {
  /** Entered the room (JoinResult ok). */
  joined: 0,
  /** Left: Leave, a closed or lost connection, or a kick. */
  left: 1,
  /** Logged in again from a new session (often a reconnect): still in the room. */
  replaced: 2,
} as const;

/** A presence change. */
export type PresenceKind = keyof typeof PresenceKind;

const kindField = enumeration<PresenceKind>(PresenceKind);

/** A change in who is in the room. */
export interface Presence {
  /** Discriminant. */
  readonly type: "presence";
  /** What happened. */
  readonly kind: PresenceKind;
  /** The member's name. */
  readonly name: string;
  /** When, in milliseconds since the Unix epoch. */
  readonly at: number;
}

/** Writes a Presence's fields (after the type byte). */
export function encodePresence(writer: Writer, frame: Presence): void {
  kindField.encode(writer, frame.kind, "kind");
  nameField.encode(writer, frame.name, "name");
  timestampField.encode(writer, frame.at, "at");
}

/** Reads a Presence's fields (after the type byte). */
export function decodePresence(reader: Reader): Presence {
  return {
    type: "presence",
    kind: kindField.decode(reader, "kind"),
    name: nameField.decode(reader, "name"),
    at: timestampField.decode(reader, "at"),
  };
}
