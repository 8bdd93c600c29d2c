/**
 * MemberList (server -> client, type 0x88): the answer to WhoRequest: every
 * member in the room, at most 10,000.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { type Codec, list } from "../codec.ts";
import { millisecondsField, nameField, timestampField } from "../fields.ts";
import { MAX_MEMBERS } from "../limits.ts";

/** One member of a MemberList. */
export interface MemberEntry {
  /** The member's name. */
  readonly name: string;
  /** When it joined the room, in milliseconds since the Unix epoch. */
  readonly since: number;
  /** How long since its last message, in milliseconds (saturates at 2^32 - 1). */
  readonly idleMs: number;
}

const memberEntryField: Codec<MemberEntry> = {
  encode(writer, value, field) {
    nameField.encode(writer, value.name, `${field}.name`);
    timestampField.encode(writer, value.since, `${field}.since`);
    millisecondsField.encode(writer, value.idleMs, `${field}.idleMs`);
  },
  decode: (reader, field) => ({
    name: nameField.decode(reader, `${field}.name`),
    since: timestampField.decode(reader, `${field}.since`),
    idleMs: millisecondsField.decode(reader, `${field}.idleMs`),
  }),
};

const membersField = list(memberEntryField, { maxCount: MAX_MEMBERS });

/** Who is in the room. */
export interface MemberList {
  /** Discriminant. */
  readonly type: "memberList";
  /** The members, in the server's order (by name). */
  readonly members: readonly MemberEntry[];
}

/** Writes a MemberList's fields (after the type byte). */
export function encodeMemberList(writer: Writer, frame: MemberList): void {
  membersField.encode(writer, frame.members, "members");
}

/** Reads a MemberList's fields (after the type byte). */
export function decodeMemberList(reader: Reader): MemberList {
  return { type: "memberList", members: membersField.decode(reader, "members") };
}
