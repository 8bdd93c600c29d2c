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
  JoinOutcome,
  MAX_EXPLANATION_BYTES,
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

Deno.test("the largest frames have the sizes docs/protocol.md lists", () => {
  const id = idOf(1);
  const member = { name: LONGEST_NAME, since: MAX_U53, idleMs: MAX_U32 };
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
  });
});
