/**
 * Golden frames: each frame next to its bytes, written by hand from the
 * layouts in docs/protocol.md (not produced by the encoder), one field per
 * `|`. The golden test checks both directions; the hostile-input test cuts
 * and extends every one of them.
 */

import { type FileInfo, type Frame, roomSequence } from "../../src/protocol/mod.ts";
import { hex, idFrom, idOf } from "./_helpers.ts";

const ID_00_0F = "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f";
const ID_10_1F = "10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f";
/** 2026-11-01T12:00:00Z in milliseconds: 1793534400000. */
const NOVEMBER_FIRST = 1_793_534_400_000;
const NOVEMBER_FIRST_HEX = "00 00 01 a1 96 fb 16 00";
/** A day later: 1793620800000. */
const NOVEMBER_SECOND = 1_793_620_800_000;
const NOVEMBER_SECOND_HEX = "00 00 01 a1 9c 21 72 00";

/** A file id as the server makes them (10 characters of FILE_ID_ALPHABET), behind its length. */
export const FILE_ID = "7k2m9q4x1c";
/** FILE_ID as it travels: its u8 length, then its ASCII bytes. */
export const FILE_ID_HEX = "0a 37 6b 32 6d 39 71 34 78 31 63";
/** Another file id, and how it travels. */
export const OTHER_FILE_ID_HEX = "0a 30 31 32 33 34 35 36 37 38 39";
/** SHA-256 of "abc" (FIPS 180-2, appendix B.1). */
export const SHA256_ABC_HEX = `ba 78 16 bf 8f 01 cf ea 41 41 40 de 5d ae 22 23
  b0 03 61 a3 96 17 7a 9c b4 10 ff 61 f2 00 15 ad`;
const SHA256_ABC = hex(SHA256_ABC_HEX);

/** An upload still streaming from a pipe: no size, no hash, for the whole room. */
const STREAMING: FileInfo = {
  fileId: FILE_ID,
  name: "log.txt",
  stored: 65_536,
  complete: false,
  sender: "ada",
  offeredAt: NOVEMBER_FIRST,
  expiresAt: NOVEMBER_SECOND,
};
const STREAMING_HEX = `${FILE_ID_HEX} | 00 07 6c 6f 67 2e 74 78 74 | 00 |
  00 00 00 00 00 01 00 00 | 00 | 00 | 03 61 64 61 | 00 | ${NOVEMBER_FIRST_HEX} |
  ${NOVEMBER_SECOND_HEX}`;

/** A complete file for one member: every optional field present. */
const COMPLETE: FileInfo = {
  fileId: "0123456789",
  name: "a.txt",
  size: 3,
  stored: 3,
  complete: true,
  sha256: SHA256_ABC,
  sender: "bob",
  to: "ada",
  offeredAt: 1000,
  expiresAt: 2000,
};
const COMPLETE_HEX = `${OTHER_FILE_ID_HEX} | 00 05 61 2e 74 78 74 |
  01 00 00 00 00 00 00 00 03 | 00 00 00 00 00 00 00 03 | 01 | 01 ${SHA256_ABC_HEX} |
  03 62 6f 62 | 01 03 61 64 61 | 00 00 00 00 00 00 03 e8 | 00 00 00 00 00 00 07 d0`;

/** A frame and its encoding in hex. */
export interface Golden {
  readonly frame: Frame;
  readonly hex: string;
}

/** At least one golden per frame type, in type-byte order. */
export const GOLDENS: readonly Golden[] = [
  { frame: { type: "hello", protocolVersion: 1 }, hex: "01 | 00 01" },
  {
    frame: { type: "register", name: "ada", password: "pw" },
    hex: "02 | 03 61 64 61 | 00 02 70 77",
  },
  {
    frame: { type: "login", name: "bob", password: "hunter2" },
    hex: "03 | 03 62 6f 62 | 00 07 68 75 6e 74 65 72 32",
  },
  { frame: { type: "joinRoom", roomPassword: "s3cret" }, hex: "04 | 00 06 73 33 63 72 65 74" },
  {
    frame: { type: "say", messageId: idFrom(0x00), text: "hi" },
    hex: `05 | ${ID_00_0F} | 00 02 68 69`,
  },
  {
    frame: { type: "emote", messageId: idOf(0xaa), text: "waves" },
    hex: `06 | ${"aa ".repeat(16)} | 00 05 77 61 76 65 73`,
  },
  {
    frame: { type: "privateMessage", messageId: idFrom(0x10), to: "bob", text: "é" },
    hex: `07 | ${ID_10_1F} | 03 62 6f 62 | 00 02 c3 a9`,
  },
  { frame: { type: "whoRequest" }, hex: "08" },
  { frame: { type: "leave" }, hex: "09" },
  { frame: { type: "joinFiles", roomPassword: "s3cret" }, hex: "0a | 00 06 73 33 63 72 65 74" },
  {
    frame: {
      type: "uploadStart",
      requestId: 7,
      resumeKey: hex(ID_10_1F),
      name: "a.txt",
      size: 1000,
      to: "bob",
    },
    hex: `0b | 00 00 00 07 | 01 ${ID_10_1F} | 00 05 61 2e 74 78 74 |
      01 00 00 00 00 00 00 03 e8 | 01 03 62 6f 62`,
  },
  {
    frame: { type: "uploadStart", requestId: 0xffff_ffff, name: "-" },
    hex: "0b | ff ff ff ff | 00 | 00 01 2d | 00 | 00",
  },
  {
    frame: { type: "fileChunk", fileId: FILE_ID, offset: 65_536, data: Uint8Array.of(1, 2, 3) },
    hex: `0c | ${FILE_ID_HEX} | 00 00 00 00 00 01 00 00 | 00 00 00 03 01 02 03`,
  },
  {
    frame: { type: "fileChunk", fileId: "z", offset: 0, data: new Uint8Array() },
    hex: "0c | 01 7a | 00 00 00 00 00 00 00 00 | 00 00 00 00",
  },
  {
    frame: { type: "uploadEnd", fileId: FILE_ID, size: 3, sha256: SHA256_ABC },
    hex: `0d | ${FILE_ID_HEX} | 00 00 00 00 00 00 00 03 | ${SHA256_ABC_HEX}`,
  },
  { frame: { type: "fileListRequest" }, hex: "0e" },
  {
    frame: { type: "download", fileId: FILE_ID, offset: 0 },
    hex: `0f | ${FILE_ID_HEX} | 00 00 00 00 00 00 00 00`,
  },
  {
    frame: { type: "welcome", protocolVersion: 1, registrationOpen: true, serverName: "mochi" },
    hex: "81 | 00 01 | 01 | 01 05 6d 6f 63 68 69",
  },
  {
    frame: { type: "welcome", protocolVersion: 1, registrationOpen: false },
    hex: "81 | 00 01 | 00 | 00",
  },
  {
    frame: { type: "authResult", outcome: "rateLimited", retryAfterMs: 1500, message: "slow down" },
    hex: "82 | 05 | 00 00 05 dc | 00 09 73 6c 6f 77 20 64 6f 77 6e",
  },
  {
    frame: {
      type: "joinResult",
      outcome: "ok",
      retryAfterMs: 0,
      message: "",
      you: "ada",
      lastSequence: roomSequence(42),
    },
    hex: "83 | 00 | 00 00 00 00 | 00 00 | 03 61 64 61 | 00 00 00 00 00 00 00 2a",
  },
  {
    frame: {
      type: "roomMessage",
      sequence: roomSequence(7),
      messageId: idFrom(0x00),
      from: "ada",
      kind: "emote",
      text: "waves",
      sentAt: NOVEMBER_FIRST,
    },
    hex: `84 | 00 00 00 00 00 00 00 07 | ${ID_00_0F} | 03 61 64 61 | 01 |
      00 05 77 61 76 65 73 | ${NOVEMBER_FIRST_HEX}`,
  },
  {
    frame: {
      type: "privateDelivery",
      messageId: idFrom(0x10),
      from: "ada",
      to: "bob",
      text: "hi",
      sentAt: 1,
    },
    hex: `85 | ${ID_10_1F} | 03 61 64 61 | 03 62 6f 62 | 00 02 68 69 | 00 00 00 00 00 00 00 01`,
  },
  {
    frame: { type: "delivered", messageId: idOf(0xff), sequence: roomSequence(0) },
    hex: `86 | ${"ff ".repeat(16)} | 00 00 00 00 00 00 00 00`,
  },
  {
    frame: { type: "presence", kind: "joined", name: "日本", at: 0 },
    hex: "87 | 00 | 06 e6 97 a5 e6 9c ac | 00 00 00 00 00 00 00 00",
  },
  {
    frame: {
      type: "memberList",
      members: [
        { name: "ada", since: 1000, idleMs: 5 },
        { name: "bob", since: 2000, idleMs: 0 },
      ],
    },
    hex: `88 | 00 02 |
      03 61 64 61 | 00 00 00 00 00 00 03 e8 | 00 00 00 05 |
      03 62 6f 62 | 00 00 00 00 00 00 07 d0 | 00 00 00 00`,
  },
  { frame: { type: "memberList", members: [] }, hex: "88 | 00 00" },
  {
    frame: {
      type: "error",
      code: "noSuchMember",
      inReplyTo: idFrom(0x00),
      retryAfterMs: 0,
      message: "no bob",
    },
    hex: `89 | 03 | 01 ${ID_00_0F} | 00 00 00 00 | 00 06 6e 6f 20 62 6f 62`,
  },
  {
    frame: { type: "error", code: "malformed", retryAfterMs: 0, message: "" },
    hex: "89 | 04 | 00 | 00 00 00 00 | 00 00",
  },
  {
    frame: { type: "sessionEnded", reason: "serverStopping", message: "bye" },
    hex: "8a | 01 | 00 03 62 79 65",
  },
  {
    frame: { type: "uploadReady", requestId: 7, fileId: FILE_ID, offset: 131_072 },
    hex: `8b | 00 00 00 07 | ${FILE_ID_HEX} | 00 00 00 00 00 02 00 00`,
  },
  {
    frame: { type: "uploadProgress", fileId: FILE_ID, stored: 65_536 },
    hex: `8c | ${FILE_ID_HEX} | 00 00 00 00 00 01 00 00`,
  },
  {
    frame: { type: "uploadDone", fileId: FILE_ID, size: 3, sha256: SHA256_ABC },
    hex: `8d | ${FILE_ID_HEX} | 00 00 00 00 00 00 00 03 | ${SHA256_ABC_HEX}`,
  },
  {
    frame: { type: "fileError", fileId: FILE_ID, code: "integrity", message: "bad hash" },
    hex: `8e | 01 ${FILE_ID_HEX} | 00 | 05 | 00 08 62 61 64 20 68 61 73 68`,
  },
  {
    frame: { type: "fileError", requestId: 7, code: "noSuchMember", message: "" },
    hex: "8e | 00 | 01 00 00 00 07 | 07 | 00 00",
  },
  {
    frame: { type: "fileList", files: [STREAMING, COMPLETE] },
    hex: `8f | 00 02 | ${STREAMING_HEX} | ${COMPLETE_HEX}`,
  },
  { frame: { type: "fileList", files: [] }, hex: "8f | 00 00" },
  { frame: { type: "fileOffered", file: STREAMING }, hex: `90 | ${STREAMING_HEX}` },
  {
    frame: {
      type: "fileData",
      fileId: FILE_ID,
      offset: 0,
      data: Uint8Array.of(0x61, 0x62, 0x63),
    },
    hex: `91 | ${FILE_ID_HEX} | 00 00 00 00 00 00 00 00 | 00 00 00 03 61 62 63`,
  },
  { frame: { type: "downloadEnd", file: COMPLETE }, hex: `92 | ${COMPLETE_HEX}` },
];
