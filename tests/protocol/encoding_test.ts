/**
 * The encoder refuses frames the wire cannot carry (our bug, a
 * FrameEncodingError), and the decoders of each direction refuse the other
 * direction's frames (the peer's fault, a FrameError).
 */

import assert from "node:assert/strict";
import { ProtocolViolation, UsageError } from "../../src/errors.ts";
import {
  decodeClientFrame,
  decodeServerFrame,
  encodeFrame,
  type FileInfo,
  type Frame,
  FrameEncodingError,
  FrameError,
  type MessageId,
  messageId,
  messageIdToHex,
  type RoomSequence,
  roomSequence,
} from "../../src/protocol/mod.ts";
import { assertFrameError, hex, idFrom } from "./_helpers.ts";

function assertRefused(frame: Frame, pattern: RegExp): void {
  assert.throws(() => encodeFrame(frame), (error: unknown) => {
    assert.ok(error instanceof FrameEncodingError, `expected FrameEncodingError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("frames that break a limit are not encoded", () => {
  const id = idFrom(0);
  assertRefused({ type: "hello", protocolVersion: 65536 }, /^Cannot encode Hello: protocolVersion/);
  assertRefused(
    { type: "login", name: "", password: "pw" },
    /^Cannot encode Login: name is 0 bytes/,
  );
  assertRefused({ type: "login", name: "a".repeat(33), password: "pw" }, /name has 33 characters/);
  assertRefused(
    { type: "register", name: "ada", password: "" },
    /^Cannot encode Register: password is 0 bytes/,
  );
  assertRefused(
    { type: "register", name: "ada", password: "x".repeat(1025) },
    /password is longer/,
  );
  assertRefused({ type: "joinRoom", roomPassword: "€".repeat(342) }, /roomPassword is 1026 bytes/);
  assertRefused(
    { type: "say", messageId: id, text: "€".repeat(1366) },
    /^Cannot encode Say: text is 4098 bytes/,
  );
  assertRefused(
    { type: "emote", messageId: id, text: "\uD83D" },
    /^Cannot encode Emote: text contains a lone surrogate$/,
  );
  assertRefused(
    { type: "say", messageId: new Uint8Array(15) as MessageId, text: "" },
    /messageId must be exactly 16 bytes/,
  );
  assertRefused(
    { type: "welcome", protocolVersion: 1, registrationOpen: true, serverName: "" },
    /^Cannot encode Welcome: serverName is 0 bytes/,
  );
  assertRefused(
    { type: "authResult", outcome: "ok", retryAfterMs: -1, message: "" },
    /retryAfterMs must be an integer/,
  );
  assertRefused(
    { type: "authResult", outcome: "nope" as "ok", retryAfterMs: 0, message: "" },
    /outcome has unknown value "nope"/,
  );
  assertRefused(
    { type: "delivered", messageId: id, sequence: 2 ** 53 as RoomSequence },
    /sequence must be an integer/,
  );
  assertRefused(
    { type: "presence", kind: "joined", name: "ada", at: 1.5 },
    /at must be an integer/,
  );
  assertRefused(
    { type: "memberList", members: Array(10_001).fill({ name: "a", since: 0, idleMs: 0 }) },
    /^Cannot encode MemberList: members has 10001 items, more than the limit of 10000$/,
  );
  assertRefused(
    { type: "memberList", members: [{ name: "a", since: 0, idleMs: 2 ** 32 }] },
    /members\[0\]\.idleMs must be an integer/,
  );
  assertRefused(
    { type: "bogus" } as unknown as Frame,
    /^Cannot encode frame: unknown type "bogus"$/,
  );
});

Deno.test("file frames that break a limit are not encoded", () => {
  const file: FileInfo = {
    fileId: "7k2m9q4x1c",
    name: "a.txt",
    size: 3,
    stored: 3,
    complete: true,
    sha256: new Uint8Array(32),
    sender: "ada",
    offeredAt: 0,
    expiresAt: 0,
  };
  for (const fileId of ["", "z".repeat(33)]) {
    assertRefused({ type: "download", fileId, offset: 0 }, /^Cannot encode Download: fileId is/);
  }
  for (const fileId of ["7K2M", "a-b", "a b", "../x", "é", "a\u0000"]) {
    assertRefused(
      { type: "uploadProgress", fileId, stored: 0 },
      /^Cannot encode UploadProgress: fileId has characters other than \[0-9a-z\]$/,
    );
  }
  assertRefused(
    { type: "uploadStart", requestId: 0, name: "" },
    /^Cannot encode UploadStart: name is 0 bytes, fewer than the minimum of 1$/,
  );
  assertRefused(
    { type: "uploadStart", requestId: 0, name: "é".repeat(128) },
    /name is 256 bytes, longer than the limit of 255$/,
  );
  assertRefused(
    { type: "uploadStart", requestId: 0, resumeKey: new Uint8Array(15), name: "a" },
    /resumeKey must be exactly 16 bytes/,
  );
  assertRefused({ type: "uploadStart", requestId: 2 ** 32, name: "a" }, /requestId must be/);
  assertRefused({ type: "uploadStart", requestId: 0, name: "a", size: -1 }, /size must be/);
  assertRefused({ type: "uploadStart", requestId: 0, name: "a", to: "" }, /to is 0 bytes/);
  for (const length of [31, 33]) {
    assertRefused(
      { type: "uploadEnd", fileId: "a", size: 0, sha256: new Uint8Array(length) },
      /^Cannot encode UploadEnd: sha256 must be exactly 32 bytes$/,
    );
  }
  assertRefused(
    { type: "fileChunk", fileId: "a", offset: 0, data: new Uint8Array(262_145) },
    /^Cannot encode FileChunk: data is 262145 bytes, longer than the limit of 262144$/,
  );
  assertRefused(
    { type: "fileData", fileId: "a", offset: 2 ** 53, data: new Uint8Array() },
    /^Cannot encode FileData: offset must be an integer/,
  );
  assertRefused(
    { type: "fileError", code: "nope" as "integrity", message: "" },
    /^Cannot encode FileErrorFrame: code has unknown value "nope"$/,
  );
  assertRefused(
    { type: "fileOffered", file: { ...file, complete: false } },
    /^Cannot encode FileOffered: file\.sha256 must be present exactly when file\.complete/,
  );
  const { sha256: _, ...withoutHash } = file;
  assertRefused({ type: "fileOffered", file: withoutHash }, /file\.sha256 must be present/);
  assertRefused(
    { type: "fileList", files: [file, { ...file, name: "" }] },
    /^Cannot encode FileList: files\[1\]\.name is 0 bytes/,
  );
  assertRefused(
    { type: "fileList", files: Array(1_001).fill(file) },
    /^Cannot encode FileList: files has 1001 items, more than the limit of 1000$/,
  );
  const { size: __, ...withoutSize } = file;
  assertRefused(
    { type: "downloadEnd", file: withoutSize },
    /^Cannot encode DownloadEnd: file must be complete/,
  );
  assertRefused(
    { type: "downloadEnd", file: { ...withoutHash, complete: false } },
    /^Cannot encode DownloadEnd: file must be complete/,
  );
});

Deno.test("each direction's decoder refuses the other direction's frames", () => {
  assert.equal(decodeClientFrame(hex("08")).type, "whoRequest");
  assert.equal(decodeServerFrame(hex("86" + "00".repeat(24))).type, "delivered");
  assertFrameError(
    () => decodeClientFrame(hex("81 00 01 00 00")),
    /^Cannot decode frame: Welcome \(0x81\) only travels to clients$/,
  );
  assertFrameError(
    () => decodeServerFrame(hex("09")),
    /^Cannot decode frame: Leave \(0x09\) only travels to the server$/,
  );
  // Refused by direction before any field is read: a truncated Welcome is still "only to clients".
  assertFrameError(() => decodeClientFrame(hex("81")), /only travels to clients/);
  assertFrameError(() => decodeClientFrame(hex("")), /the message is empty/);
  assertFrameError(() => decodeServerFrame(hex("7f")), /unknown frame type 0x7f/);
  assertFrameError(
    () => decodeClientFrame(hex("91")),
    /^Cannot decode frame: FileData \(0x91\) only travels to clients$/,
  );
  assertFrameError(
    () => decodeServerFrame(hex("0c")),
    /^Cannot decode frame: FileChunk \(0x0c\) only travels to the server$/,
  );
});

Deno.test("errors say whose fault they are", () => {
  assert.ok(new FrameError("x") instanceof ProtocolViolation);
  assert.ok(new FrameEncodingError("x") instanceof UsageError);
  assert.equal(new FrameError("x").name, "FrameError");
});

Deno.test("message ids and room sequences are checked when branded", () => {
  const source = Uint8Array.from({ length: 16 }, (_, index) => index);
  const id = messageId(source);
  source[0] = 0xff;
  assert.equal(messageIdToHex(id), "000102030405060708090a0b0c0d0e0f", "a copy is branded");
  assert.throws(() => messageId(new Uint8Array(17)), UsageError);
  assert.equal(roomSequence(0), 0);
  for (const bad of [-1, 0.5, 2 ** 53]) assert.throws(() => roomSequence(bad), UsageError);
});
