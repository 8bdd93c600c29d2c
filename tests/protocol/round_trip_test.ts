/**
 * Every frame type survives encoding and decoding unchanged, with typical
 * values and at the edges: empty where allowed, the longest allowed, every
 * enum value, the largest integers, and non-ASCII text.
 */

import assert from "node:assert/strict";
import {
  AuthOutcome,
  encodeFrame,
  ErrorCode,
  FILE_CHUNK_BYTES,
  FILE_ID_ALPHABET,
  FileErrorCode,
  type FileInfo,
  JoinOutcome,
  MAX_CHUNK_BYTES,
  MAX_EXPLANATION_BYTES,
  MAX_FILE_ID_CHARACTERS,
  MAX_FILE_NAME_BYTES,
  MAX_FILES,
  MAX_MEMBERS,
  MAX_NAME_CHARACTERS,
  MAX_PASSWORD_BYTES,
  MAX_SERVER_NAME_BYTES,
  MAX_TEXT_BYTES,
  type MemberEntry,
  MessageKind,
  PresenceKind,
  PROTOCOL_VERSION,
  roomSequence,
  SessionEndReason,
} from "../../src/protocol/mod.ts";
import { assertRoundTrip, idFrom, idOf } from "./_helpers.ts";
import { FILE_ID } from "./_golden.ts";

const MAX_U32 = 0xffff_ffff;
const MAX_U53 = Number.MAX_SAFE_INTEGER;
/** 32 characters of 4 bytes each: the longest name in bytes. */
const LONGEST_NAME = "😀".repeat(MAX_NAME_CHARACTERS);
const LONGEST_TEXT = "🍡".repeat(MAX_TEXT_BYTES / 4);
const LONGEST_EXPLANATION = "é".repeat(MAX_EXPLANATION_BYTES / 2);
const NAMES = ["a", "ada", "Zoë", "日本語", "x".repeat(MAX_NAME_CHARACTERS), LONGEST_NAME];
const TEXTS = [
  "",
  "hello, room",
  "\uFEFFstarts with a byte-order mark",
  "e\u0301 combining, 👩‍👩‍👧 joined, RTL \u05e9\u05dc\u05d5\u05dd",
  "\u0000 NUL and \u001b[31m escapes travel as sent; terminals strip them",
  "a".repeat(MAX_TEXT_BYTES),
  LONGEST_TEXT,
];
const FILE_IDS = ["0", FILE_ID, FILE_ID_ALPHABET, "z".repeat(MAX_FILE_ID_CHARACTERS)];
/** 63 characters of 4 bytes and 3 of 1: the longest file name, in bytes, of many characters. */
const LONGEST_FILE_NAME = "😀".repeat(63) + "abc";
const FILE_NAMES = [
  "a",
  "résumé.pdf",
  "日本語.txt",
  ".hidden",
  "x".repeat(MAX_FILE_NAME_BYTES),
  LONGEST_FILE_NAME,
];
const BYTE_COUNTS = [0, 1, FILE_CHUNK_BYTES, 2 ** 32, MAX_U53];
const CHUNKS = [0, 1, FILE_CHUNK_BYTES - 1, FILE_CHUNK_BYTES, MAX_CHUNK_BYTES].map((length) =>
  Uint8Array.from({ length }, (_, index) => (index * 7) & 0xff)
);
const SHA256 = Uint8Array.from({ length: 32 }, (_, index) => 255 - index);

Deno.test("client frames round-trip", () => {
  for (const protocolVersion of [0, PROTOCOL_VERSION, 0xffff]) {
    assertRoundTrip({ type: "hello", protocolVersion });
  }
  for (const name of NAMES) {
    for (const password of ["p", "correct horse", "ß".repeat(MAX_PASSWORD_BYTES / 2)]) {
      assertRoundTrip({ type: "register", name, password });
      assertRoundTrip({ type: "login", name, password });
    }
    assertRoundTrip({ type: "privateMessage", messageId: idFrom(3), to: name, text: "psst" });
  }
  for (const roomPassword of ["x", "s3cret", "€".repeat(341), "x".repeat(MAX_PASSWORD_BYTES)]) {
    assertRoundTrip({ type: "joinRoom", roomPassword });
  }
  for (const text of TEXTS) {
    assertRoundTrip({ type: "say", messageId: idFrom(0), text });
    assertRoundTrip({ type: "emote", messageId: idOf(0xff), text });
    assertRoundTrip({ type: "privateMessage", messageId: idOf(0), to: LONGEST_NAME, text });
  }
  assertRoundTrip({ type: "whoRequest" });
  assertRoundTrip({ type: "leave" });
});

Deno.test("handshake and result frames round-trip", () => {
  for (const serverName of [undefined, "m", "mochi at the hackathon", "ñ".repeat(64)]) {
    for (const registrationOpen of [true, false]) {
      const welcome = { type: "welcome", protocolVersion: 1, registrationOpen } as const;
      assertRoundTrip(serverName === undefined ? welcome : { ...welcome, serverName });
    }
  }
  assertRoundTrip({
    type: "welcome",
    protocolVersion: 0xffff,
    registrationOpen: true,
    serverName: "x".repeat(MAX_SERVER_NAME_BYTES),
  });
  for (const outcome of Object.keys(AuthOutcome) as AuthOutcome[]) {
    for (const [retryAfterMs, message] of [[0, ""], [MAX_U32, LONGEST_EXPLANATION]] as const) {
      assertRoundTrip({ type: "authResult", outcome, retryAfterMs, message });
    }
  }
  for (const outcome of Object.keys(JoinOutcome) as JoinOutcome[]) {
    for (const lastSequence of [0, 1, MAX_U53].map(roomSequence)) {
      assertRoundTrip({
        type: "joinResult",
        outcome,
        retryAfterMs: outcome === "rateLimited" ? 30_000 : 0,
        message: outcome === "ok" ? "" : "Cannot join room: try later",
        you: "Zoë",
        lastSequence,
      });
    }
  }
  for (const reason of Object.keys(SessionEndReason) as SessionEndReason[]) {
    assertRoundTrip({ type: "sessionEnded", reason, message: "" });
    assertRoundTrip({ type: "sessionEnded", reason, message: LONGEST_EXPLANATION });
  }
});

Deno.test("room frames round-trip", () => {
  for (const kind of Object.keys(MessageKind) as MessageKind[]) {
    for (const text of TEXTS) {
      for (const [sequence, sentAt] of [[1, 1_793_534_400_000], [MAX_U53, MAX_U53], [0, 0]]) {
        assertRoundTrip({
          type: "roomMessage",
          sequence: roomSequence(sequence!),
          messageId: idFrom(sequence! & 0xff),
          from: NAMES[sequence! % NAMES.length]!,
          kind,
          text,
          sentAt: sentAt!,
        });
      }
    }
  }
  for (const text of TEXTS) {
    assertRoundTrip({
      type: "privateDelivery",
      messageId: idFrom(9),
      from: LONGEST_NAME,
      to: "日本語",
      text,
      sentAt: MAX_U53,
    });
  }
  for (const sequence of [0, 1, 2 ** 32, MAX_U53].map(roomSequence)) {
    assertRoundTrip({ type: "delivered", messageId: idFrom(200), sequence });
  }
  for (const kind of Object.keys(PresenceKind) as PresenceKind[]) {
    for (const name of NAMES) assertRoundTrip({ type: "presence", kind, name, at: 12_345 });
  }
});

Deno.test("member lists round-trip, up to the limit", () => {
  assertRoundTrip({ type: "memberList", members: [] });
  assertRoundTrip({ type: "memberList", members: [{ name: "ada", since: 0, idleMs: 0 }] });
  const members: MemberEntry[] = Array.from({ length: MAX_MEMBERS }, (_, index) => ({
    name: `member-${index}`,
    since: MAX_U53 - index,
    idleMs: index === 0 ? MAX_U32 : index,
  }));
  const bytes = assertRoundTrip({ type: "memberList", members });
  assert.equal(bytes.length, 3 + members.reduce((sum, { name }) => sum + 1 + name.length + 12, 0));
});

Deno.test("error frames round-trip with and without inReplyTo", () => {
  for (const code of Object.keys(ErrorCode) as ErrorCode[]) {
    assertRoundTrip({ type: "error", code, retryAfterMs: 0, message: "" });
    assertRoundTrip({
      type: "error",
      code,
      inReplyTo: idFrom(0xf8),
      retryAfterMs: MAX_U32,
      message: LONGEST_EXPLANATION,
    });
  }
});
Deno.test("file session and upload frames round-trip, with and without optional fields", () => {
  for (const roomPassword of ["x", "€".repeat(341), "x".repeat(MAX_PASSWORD_BYTES)]) {
    assertRoundTrip({ type: "joinFiles", roomPassword });
  }
  const resumeKeys = [undefined, new Uint8Array(16), Uint8Array.from(idFrom(0xf0))];
  for (const name of FILE_NAMES) {
    for (const resumeKey of resumeKeys) {
      for (const size of [undefined, ...BYTE_COUNTS]) {
        for (const to of [undefined, "bob", LONGEST_NAME]) {
          assertRoundTrip({
            type: "uploadStart",
            requestId: name.length,
            ...(resumeKey === undefined ? {} : { resumeKey }),
            name,
            ...(size === undefined ? {} : { size }),
            ...(to === undefined ? {} : { to }),
          });
        }
      }
    }
  }
  assertRoundTrip({ type: "uploadStart", requestId: MAX_U32, name: LONGEST_FILE_NAME });
  for (const fileId of FILE_IDS) {
    for (const offset of BYTE_COUNTS) {
      for (const data of CHUNKS) {
        assertRoundTrip({ type: "fileChunk", fileId, offset, data });
        assertRoundTrip({ type: "fileData", fileId, offset, data });
      }
      assertRoundTrip({ type: "uploadEnd", fileId, size: offset, sha256: SHA256 });
      assertRoundTrip({ type: "download", fileId, offset });
    }
  }
  assertRoundTrip({ type: "fileListRequest" });
});

Deno.test("upload answers and file errors round-trip, with and without optional fields", () => {
  for (const fileId of FILE_IDS) {
    for (const count of BYTE_COUNTS) {
      assertRoundTrip({ type: "uploadReady", requestId: count % 2 ** 32, fileId, offset: count });
      assertRoundTrip({ type: "uploadProgress", fileId, stored: count });
      assertRoundTrip({ type: "uploadDone", fileId, size: count, sha256: new Uint8Array(32) });
    }
  }
  for (const code of Object.keys(FileErrorCode) as FileErrorCode[]) {
    for (const fileId of [undefined, FILE_ID]) {
      for (const requestId of [undefined, 0, MAX_U32]) {
        for (const message of ["", "Cannot upload: the disk is full", LONGEST_EXPLANATION]) {
          assertRoundTrip({
            type: "fileError",
            ...(fileId === undefined ? {} : { fileId }),
            ...(requestId === undefined ? {} : { requestId }),
            code,
            message,
          });
        }
      }
    }
  }
});

/** Every combination of FileInfo's optional fields, complete or still streaming. */
function fileInfos(): FileInfo[] {
  const infos: FileInfo[] = [];
  for (const complete of [false, true]) {
    for (const size of [undefined, 0, 1_000_000, MAX_U53]) {
      for (const to of [undefined, "日本語", LONGEST_NAME]) {
        infos.push({
          fileId: FILE_IDS[infos.length % FILE_IDS.length]!,
          name: FILE_NAMES[infos.length % FILE_NAMES.length]!,
          ...(size === undefined ? {} : { size }),
          stored: complete ? size ?? 0 : 65_536,
          complete,
          ...(complete ? { sha256: SHA256 } : {}),
          sender: NAMES[infos.length % NAMES.length]!,
          ...(to === undefined ? {} : { to }),
          offeredAt: 1_793_534_400_000,
          expiresAt: complete ? MAX_U53 : 0,
        });
      }
    }
  }
  return infos;
}

Deno.test("file infos round-trip in FileList, FileOffered and DownloadEnd", () => {
  const infos = fileInfos();
  for (const file of infos) {
    assertRoundTrip({ type: "fileOffered", file });
    assertRoundTrip({ type: "fileList", files: [file] });
    if (file.complete && file.size !== undefined) assertRoundTrip({ type: "downloadEnd", file });
  }
  assertRoundTrip({ type: "fileList", files: [] });
  assertRoundTrip({ type: "fileList", files: infos });
  const many = Array.from({ length: MAX_FILES }, (_, index) => infos[index % infos.length]!);
  assert.ok(assertRoundTrip({ type: "fileList", files: many }).length > MAX_FILES * 35);
});

Deno.test("the largest frames have the sizes docs/protocol.md lists", () => {
  const id = idOf(1);
  const member = { name: LONGEST_NAME, since: MAX_U53, idleMs: MAX_U32 };
  const largestFile: FileInfo = {
    fileId: FILE_IDS[3]!,
    name: LONGEST_FILE_NAME,
    size: MAX_U53,
    stored: MAX_U53,
    complete: true,
    sha256: SHA256,
    sender: LONGEST_NAME,
    to: LONGEST_NAME,
    offeredAt: MAX_U53,
    expiresAt: MAX_U53,
  };
  const sizes = {
    register: encodeFrame({ type: "register", name: LONGEST_NAME, password: "x".repeat(1024) }),
    say: encodeFrame({ type: "say", messageId: id, text: LONGEST_TEXT }),
    privateMessage: encodeFrame({
      type: "privateMessage",
      messageId: id,
      to: LONGEST_NAME,
      text: LONGEST_TEXT,
    }),
    roomMessage: encodeFrame({
      type: "roomMessage",
      sequence: roomSequence(MAX_U53),
      messageId: id,
      from: LONGEST_NAME,
      kind: "say",
      text: LONGEST_TEXT,
      sentAt: MAX_U53,
    }),
    privateDelivery: encodeFrame({
      type: "privateDelivery",
      messageId: id,
      from: LONGEST_NAME,
      to: LONGEST_NAME,
      text: LONGEST_TEXT,
      sentAt: MAX_U53,
    }),
    memberList: encodeFrame({ type: "memberList", members: Array(MAX_MEMBERS).fill(member) }),
    error: encodeFrame({
      type: "error",
      code: "internalError",
      inReplyTo: id,
      retryAfterMs: MAX_U32,
      message: LONGEST_EXPLANATION,
    }),
    uploadStart: encodeFrame({
      type: "uploadStart",
      requestId: MAX_U32,
      resumeKey: id,
      name: LONGEST_FILE_NAME,
      size: MAX_U53,
      to: LONGEST_NAME,
    }),
    fileChunk: encodeFrame({
      type: "fileChunk",
      fileId: FILE_IDS[3]!,
      offset: MAX_U53,
      data: new Uint8Array(MAX_CHUNK_BYTES),
    }),
    fileError: encodeFrame({
      type: "fileError",
      fileId: FILE_IDS[3]!,
      requestId: MAX_U32,
      code: "internalError",
      message: LONGEST_EXPLANATION,
    }),
    fileOffered: encodeFrame({ type: "fileOffered", file: largestFile }),
    downloadEnd: encodeFrame({ type: "downloadEnd", file: largestFile }),
    fileList: encodeFrame({ type: "fileList", files: Array(MAX_FILES).fill(largestFile) }),
  };
  const lengths = Object.fromEntries(Object.entries(sizes).map(([k, bytes]) => [k, bytes.length]));
  assert.deepEqual(lengths, {
    register: 1156,
    say: 4115,
    privateMessage: 4244,
    roomMessage: 4261,
    privateDelivery: 4381,
    memberList: 1_410_003,
    error: 1049,
    uploadStart: 418,
    fileChunk: 262_190,
    fileError: 1067,
    fileOffered: 617,
    downloadEnd: 617,
    fileList: 616_003,
  });
});
