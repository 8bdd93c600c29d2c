/**
 * Golden frames: each frame next to its bytes, written by hand from the
 * layouts in docs/protocol.md (not produced by the encoder), one field per
 * `|`. The golden test checks both directions; the hostile-input test cuts
 * and extends every one of them.
 */

import { type Frame, roomSequence } from "../../src/protocol/mod.ts";
import { idFrom, idOf } from "./_helpers.ts";

const ID_00_0F = "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f";
const ID_10_1F = "10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f";
/** 2026-11-01T12:00:00Z in milliseconds: 1793534400000. */
const NOVEMBER_FIRST = 1_793_534_400_000;
const NOVEMBER_FIRST_HEX = "00 00 01 a1 96 fb 16 00";

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
];
