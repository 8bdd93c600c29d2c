/**
 * Field types that several frames share: names, passwords, chat text,
 * explanations, message ids, room sequence numbers, times, and the fields of
 * file transfer (file ids and names, hashes, content, FileInfo). Each is a codec
 * built from `codec.ts` with its limit from `limits.ts`, so a name is checked
 * the same way in Login, RoomMessage and MemberList.
 *
 * @module
 */

import { bytesToHex } from "../bytes.ts";
import { UsageError } from "../errors.ts";
import {
  bool,
  byteString,
  type Codec,
  fixedBytes,
  optional,
  u32,
  u64AsNumber,
  utf8,
} from "./codec.ts";
import {
  MAX_CHUNK_BYTES,
  MAX_EXPLANATION_BYTES,
  MAX_FILE_ID_CHARACTERS,
  MAX_FILE_NAME_BYTES,
  MAX_NAME_BYTES,
  MAX_NAME_CHARACTERS,
  MAX_PASSWORD_BYTES,
  MAX_SERVER_NAME_BYTES,
  MAX_TEXT_BYTES,
  MESSAGE_ID_BYTES,
  SHA256_BYTES,
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
  return bytesToHex(id);
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

const fileIdCharacters = utf8({ lengthBytes: 1, minBytes: 1, maxBytes: MAX_FILE_ID_CHARACTERS });
const FILE_ID_PATTERN = /^[0-9a-z]*$/;

/**
 * Whether `text` can be a file id: 1 to 32 characters of `[0-9a-z]`. Ids
 * name files on disk and are typed in commands, so everything that takes
 * one checks it with this.
 */
export function isFileIdText(text: string): boolean {
  return text.length >= 1 && text.length <= MAX_FILE_ID_CHARACTERS && FILE_ID_PATTERN.test(text);
}

/**
 * A file id: 1 to 32 characters of `[0-9a-z]`, behind a u8 length. The
 * server generates 10 characters of `FILE_ID_ALPHABET`; the wire accepts the
 * wider set so that ids are checked for safety (they name files on disk and
 * appear in commands) without fixing their format.
 */
export const fileIdField: Codec<string> = {
  encode(writer, value, field) {
    fileIdCharacters.encode(writer, value, field);
    if (!FILE_ID_PATTERN.test(value)) writer.fail(`${field} has characters other than [0-9a-z]`);
  },
  decode(reader, field) {
    const value = fileIdCharacters.decode(reader, field);
    return FILE_ID_PATTERN.test(value)
      ? value
      : reader.fail(`${field} has characters other than [0-9a-z]`);
  },
};

/** A file's name as its sender gave it: 1 to 255 bytes of UTF-8 (receivers sanitise it). */
export const fileNameField: Codec<string> = utf8({
  lengthBytes: 2,
  minBytes: 1,
  maxBytes: MAX_FILE_NAME_BYTES,
});

/** A SHA-256 hash: exactly 32 raw bytes, no prefix. */
export const sha256Field: Codec<Uint8Array> = fixedBytes(SHA256_BYTES);

/** File content in a FileChunk or FileData: 0 to 262,144 bytes behind a u32 length. */
export const chunkDataField: Codec<Uint8Array> = byteString({
  lengthBytes: 4,
  maxBytes: MAX_CHUNK_BYTES,
});

/** A file size or a position in a file, in bytes: u64 on the wire, at most 2^53 - 1. */
export const byteCountField: Codec<number> = u64AsNumber;

/**
 * A file the server holds, as FileList, FileOffered and DownloadEnd describe
 * it. An upload is visible while it is still streaming (`complete: false`,
 * `stored` growing), so downloads can follow it.
 */
export interface FileInfo {
  /** The server's id for the file. */
  readonly fileId: string;
  /** The name its sender gave, 1 to 255 bytes of UTF-8 (sanitise before using it as a path). */
  readonly name: string;
  /** Its size in bytes; absent while unknown (an upload from a pipe, not finished yet). */
  readonly size?: number;
  /** How many bytes the server has written to disk so far. */
  readonly stored: number;
  /** Whether the upload has ended and its size and hash were verified. */
  readonly complete: boolean;
  /** The verified SHA-256 of the content: present exactly when `complete`. */
  readonly sha256?: Uint8Array;
  /** The uploading member's name. */
  readonly sender: string;
  /** The one member the file is for; absent when it is for the whole room. */
  readonly to?: string;
  /** When the upload started, in milliseconds since the Unix epoch. */
  readonly offeredAt: number;
  /** When the server will delete it, in milliseconds since the Unix epoch. */
  readonly expiresAt: number;
}

const optionalByteCount = optional(byteCountField);
const optionalSha256 = optional(sha256Field);
const optionalName = optional(nameField);

/**
 * A FileInfo: fileId `fileId`, name `fileName`, size `optional<u64>`, stored
 * `u64`, complete `bool`, sha256 `optional<sha256>`, sender `name`, to
 * `optional<name>`, offeredAt `u64`, expiresAt `u64`. Both directions refuse
 * a hash without `complete` or `complete` without a hash, so a client never
 * has to decide which of the two to believe.
 */
export const fileInfoField: Codec<FileInfo> = {
  encode(writer, value, field) {
    if (value.complete !== (value.sha256 !== undefined)) {
      writer.fail(`${field}.sha256 must be present exactly when ${field}.complete is true`);
    }
    fileIdField.encode(writer, value.fileId, `${field}.fileId`);
    fileNameField.encode(writer, value.name, `${field}.name`);
    optionalByteCount.encode(writer, value.size, `${field}.size`);
    byteCountField.encode(writer, value.stored, `${field}.stored`);
    bool.encode(writer, value.complete, `${field}.complete`);
    optionalSha256.encode(writer, value.sha256, `${field}.sha256`);
    nameField.encode(writer, value.sender, `${field}.sender`);
    optionalName.encode(writer, value.to, `${field}.to`);
    timestampField.encode(writer, value.offeredAt, `${field}.offeredAt`);
    timestampField.encode(writer, value.expiresAt, `${field}.expiresAt`);
  },
  decode(reader, field) {
    const fileId = fileIdField.decode(reader, `${field}.fileId`);
    const name = fileNameField.decode(reader, `${field}.name`);
    const size = optionalByteCount.decode(reader, `${field}.size`);
    const stored = byteCountField.decode(reader, `${field}.stored`);
    const complete = bool.decode(reader, `${field}.complete`);
    const sha256 = optionalSha256.decode(reader, `${field}.sha256`);
    if (complete !== (sha256 !== undefined)) {
      reader.fail(`${field}.sha256 must be present exactly when ${field}.complete is true`);
    }
    const sender = nameField.decode(reader, `${field}.sender`);
    const to = optionalName.decode(reader, `${field}.to`);
    const offeredAt = timestampField.decode(reader, `${field}.offeredAt`);
    const expiresAt = timestampField.decode(reader, `${field}.expiresAt`);
    // Absent optional fields are left out, not set to undefined, so a decoded
    // FileInfo equals the one that was encoded.
    return {
      fileId,
      name,
      ...(size === undefined ? {} : { size }),
      stored,
      complete,
      ...(sha256 === undefined ? {} : { sha256 }),
      sender,
      ...(to === undefined ? {} : { to }),
      offeredAt,
      expiresAt,
    };
  },
};
