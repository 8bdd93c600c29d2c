/** The pure core of a joined session: frames in, events out, outbox kept. */

import assert from "node:assert/strict";
import { RoomInbox } from "../../src/client/room_inbox.ts";
import {
  type FileInfo,
  messageId,
  roomSequence,
  type ServerFrame,
} from "../../src/protocol/mod.ts";

const id = (n: number) => messageId(new Uint8Array(16).fill(n));

function roomMessage(sequence: number, text: string): ServerFrame {
  return {
    type: "roomMessage",
    sequence: roomSequence(sequence),
    messageId: id(sequence),
    from: "bob",
    kind: "say",
    text,
    sentAt: 0,
  };
}

Deno.test("Delivered empties the outbox and reports the sequence, once", () => {
  const inbox = new RoomInbox();
  inbox.outbox.add({ type: "say", messageId: id(1), text: "hi" });
  const delivered: ServerFrame = { type: "delivered", messageId: id(1), sequence: roomSequence(4) };
  assert.deepEqual(inbox.handleFrame(delivered, 0, 1234), {
    type: "delivered",
    frame: { type: "say", messageId: id(1), text: "hi" },
    sequence: 4,
    at: 1234,
  });
  assert.equal(inbox.handleFrame(delivered, 0, 1234), null, "a repeated Delivered is ignored");
  assert.equal(inbox.outbox.size, 0);
});

Deno.test("room messages are shown once, across a rejoin", () => {
  const inbox = new RoomInbox();
  assert.equal(inbox.handleFrame(roomMessage(1, "a"), 0, 0)?.type, "message");
  inbox.handleJoined(1);
  assert.equal(inbox.handleFrame(roomMessage(1, "a"), 0, 0), null);
  assert.equal(inbox.handleFrame(roomMessage(2, "b"), 0, 0)?.type, "message");
});

Deno.test("refusals: rate limits keep the message silently, others drop it with an error", () => {
  const inbox = new RoomInbox();
  inbox.outbox.add({ type: "say", messageId: id(1), text: "fast" });
  inbox.outbox.add({ type: "privateMessage", messageId: id(2), to: "zed", text: "hi" });
  inbox.outbox.pollTransmit(0);
  inbox.outbox.pollTransmit(0);
  const limited: ServerFrame = {
    type: "error",
    code: "rateLimited",
    inReplyTo: id(1),
    retryAfterMs: 100,
    message: "",
  };
  assert.equal(inbox.handleFrame(limited, 0, 0), null);
  assert.equal(inbox.outbox.size, 2);
  const noSuchMember: ServerFrame = {
    type: "error",
    code: "noSuchMember",
    inReplyTo: id(2),
    retryAfterMs: 0,
    message: "no zed",
  };
  assert.deepEqual(inbox.handleFrame(noSuchMember, 0, 0), {
    type: "error",
    code: "noSuchMember",
    message: "no zed",
    retryAfterMs: 0,
    refused: { type: "privateMessage", messageId: id(2), to: "zed", text: "hi" },
  });
  assert.equal(inbox.outbox.size, 1);
  const general: ServerFrame = {
    type: "error",
    code: "internalError",
    retryAfterMs: 0,
    message: "",
  };
  assert.deepEqual(inbox.handleFrame(general, 0, 0), {
    type: "error",
    code: "internalError",
    message: "",
    retryAfterMs: 0,
  });
});

Deno.test("presence and member lists pass through; out-of-turn frames are ignored", () => {
  const inbox = new RoomInbox();
  const presence: ServerFrame = { type: "presence", kind: "left", name: "bob", at: 5 };
  assert.deepEqual(inbox.handleFrame(presence, 0, 0), { type: "presence", presence });
  assert.deepEqual(inbox.handleFrame({ type: "memberList", members: [] }, 0, 0), {
    type: "members",
    members: [],
  });
  const welcome: ServerFrame = { type: "welcome", protocolVersion: 1, registrationOpen: true };
  assert.equal(inbox.handleFrame(welcome, 0, 0), null);
});

Deno.test("file frames: offers, listings and file errors become events; transfer frames do not", () => {
  const inbox = new RoomInbox();
  const file: FileInfo = {
    fileId: "k3j4h5m7q2",
    name: "notes.pdf",
    size: 1_258_291,
    stored: 0,
    complete: false,
    sender: "ada",
    to: "bob",
    offeredAt: 5,
    expiresAt: 10,
  };
  assert.deepEqual(inbox.handleFrame({ type: "fileOffered", file }, 0, 0), {
    type: "fileOffered",
    file,
  });
  assert.deepEqual(inbox.handleFrame({ type: "fileList", files: [file] }, 0, 0), {
    type: "files",
    files: [file],
  });
  assert.deepEqual(
    inbox.handleFrame(
      { type: "fileError", fileId: "k3j4h5m7q2", code: "noSuchFile", message: "gone" },
      0,
      0,
    ),
    { type: "fileError", code: "noSuchFile", message: "gone", fileId: "k3j4h5m7q2" },
  );
  assert.deepEqual(
    inbox.handleFrame({ type: "fileError", requestId: 7, code: "storageFull", message: "" }, 0, 0),
    { type: "fileError", code: "storageFull", message: "" },
  );
  const sha256 = new Uint8Array(32);
  const transferFrames: ServerFrame[] = [
    { type: "uploadReady", requestId: 1, fileId: "a", offset: 0 },
    { type: "uploadProgress", fileId: "a", stored: 10 },
    { type: "uploadDone", fileId: "a", size: 10, sha256 },
    { type: "fileData", fileId: "a", offset: 0, data: new Uint8Array(3) },
    { type: "downloadEnd", file: { ...file, complete: true, sha256 } },
  ];
  for (const frame of transferFrames) {
    assert.equal(inbox.handleFrame(frame, 0, 0), null, frame.type);
  }
});
