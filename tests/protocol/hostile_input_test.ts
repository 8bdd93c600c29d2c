/**
 * Every received message is hostile until decoded: truncations, extensions,
 * random bytes, absurd lengths, invalid UTF-8 and out-of-range values either
 * decode to a valid frame or throw FrameError, and nothing else.
 */

import assert from "node:assert/strict";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameError,
  FrameType,
} from "../../src/protocol/mod.ts";
import { FILE_ID_HEX, GOLDENS, OTHER_FILE_ID_HEX } from "./_golden.ts";
import { assertFrameError, hex } from "./_helpers.ts";

const GOLDEN_BYTES = GOLDENS.map(({ hex: text }) => hex(text));
const TYPE_BYTES: number[] = Object.values(FrameType);

/** Decodes `bytes`; a frame must re-encode to exactly `bytes`, any failure must be a FrameError. */
function decodeOrFrameError(bytes: Uint8Array): Frame | FrameError {
  let frame: Frame;
  try {
    frame = decodeFrame(bytes);
  } catch (error) {
    if (error instanceof FrameError) return error;
    throw new Error(`decoding ${Array.from(bytes)} threw ${error}`);
  }
  assert.deepEqual(encodeFrame(frame), bytes, "an accepted message is the canonical encoding");
  return frame;
}

Deno.test("every truncation of every golden frame is refused", () => {
  for (const bytes of GOLDEN_BYTES) {
    for (let length = 0; length < bytes.length; length++) {
      assertFrameError(() => decodeFrame(bytes.subarray(0, length)), /empty|truncated in/);
    }
  }
});

Deno.test("every golden frame with one more byte is refused", () => {
  for (const bytes of GOLDEN_BYTES) {
    const extended = new Uint8Array(bytes.length + 1);
    extended.set(bytes);
    for (let byte = 0; byte < 256; byte++) {
      extended[bytes.length] = byte;
      assertFrameError(() => decodeFrame(extended), /: 1 trailing bytes after the last field$/);
    }
  }
});

Deno.test("50,000 seeded random messages decode to a frame or throw FrameError", () => {
  const random = new Mulberry32(20261101);
  const below = (limit: number) => random.nextUint32() % limit;
  const randomBytes = (length: number) => Uint8Array.from({ length }, () => below(256));
  const strategies: (() => Uint8Array)[] = [
    () => randomBytes(below(48)),
    () => Uint8Array.of(TYPE_BYTES[below(TYPE_BYTES.length)]!, ...randomBytes(below(96))),
    () => Uint8Array.of(TYPE_BYTES[below(TYPE_BYTES.length)]!, ...new Uint8Array(below(48))),
    () => {
      const bytes = GOLDEN_BYTES[below(GOLDEN_BYTES.length)]!.slice();
      for (let flips = 1 + below(3); flips > 0; flips--) bytes[below(bytes.length)] = below(256);
      return bytes;
    },
    () => {
      const golden = GOLDEN_BYTES[below(GOLDEN_BYTES.length)]!;
      const cut = below(golden.length + 1);
      return Uint8Array.of(...golden.subarray(0, cut), ...randomBytes(below(4)));
    },
  ];
  const accepted = new Map<string, number>();
  let refused = 0;
  for (let index = 0; index < 50_000; index++) {
    const outcome = decodeOrFrameError(strategies[index % strategies.length]!());
    if (outcome instanceof FrameError) refused++;
    else accepted.set(outcome.type, (accepted.get(outcome.type) ?? 0) + 1);
  }
  assert.ok(refused > 25_000, `${refused} refused`);
  // The mix reaches every frame type, so every decoder meets hostile bytes.
  assert.equal(accepted.size, TYPE_BYTES.length, `accepted only ${[...accepted.keys()]}`);
});

Deno.test("oversize lengths and counts are refused before anything behind them is read", () => {
  const cases: [string, RegExp][] = [
    [
      `05 ${"00".repeat(16)} ff ff`,
      /^Cannot decode Say: text is 65535 bytes, longer than the limit of 4096$/,
    ],
    ["02 ff", /^Cannot decode Register: name is 255 bytes, longer than the limit of 128$/],
    [
      "03 01 61 04 01",
      /^Cannot decode Login: password is 1025 bytes, longer than the limit of 1024$/,
    ],
    ["04 ff ff", /^Cannot decode JoinRoom: roomPassword is 65535 bytes, longer than/],
    ["04 00 00", /^Cannot decode JoinRoom: roomPassword is 0 bytes, fewer than the minimum of 1$/],
    ["81 00 01 01 01 81", /^Cannot decode Welcome: serverName is 129 bytes, longer than/],
    ["82 00 00 00 00 00 04 01", /^Cannot decode AuthResult: message is 1025 bytes, longer than/],
    [
      "88 ff ff",
      /^Cannot decode MemberList: members has 65535 items, more than the limit of 10000$/,
    ],
    ["88 27 11", /^Cannot decode MemberList: members has 10001 items, more than the limit/],
    ["88 27 10 01 61", /^Cannot decode MemberList: truncated in members\[0\]\.since \(needs 8/],
    ["88 00 02 01 61 00 00 00 00 00 00 00 00 00 00 00 00 ff", /members\[1\]\.name is 255 bytes/],
    [
      `0c ${FILE_ID_HEX} ${"00".repeat(8)} 00 04 00 01`,
      /^Cannot decode FileChunk: data is 262145 bytes, longer than the limit of 262144$/,
    ],
    [
      `91 ${FILE_ID_HEX} ${"00".repeat(8)} ff ff ff ff`,
      /^Cannot decode FileData: data is 4294967295 bytes, longer than the limit of 262144$/,
    ],
    [
      `0c ${FILE_ID_HEX} ${"00".repeat(8)} 00 04 00 00 01 02 03`,
      /^Cannot decode FileChunk: truncated in data \(needs 262144 bytes, 3 left\)$/,
    ],
    ["0b 00 00 00 00 00 01 00", /^Cannot decode UploadStart: name is 256 bytes, longer than/],
    ["0b 00 00 00 00 00 00 00", /^Cannot decode UploadStart: name is 0 bytes, fewer than/],
    ["0a 04 01", /^Cannot decode JoinFiles: roomPassword is 1025 bytes, longer than/],
    ["0f 21", /^Cannot decode Download: fileId is 33 bytes, longer than the limit of 32$/],
    ["8c 00", /^Cannot decode UploadProgress: fileId is 0 bytes, fewer than the minimum of 1$/],
    ["8e 00 00 00 04 01", /^Cannot decode FileErrorFrame: message is 1025 bytes, longer/],
    ["8f 03 e9", /^Cannot decode FileList: files has 1001 items, more than the limit of 1000$/],
    ["8f 00 01 01 61 01 00", /^Cannot decode FileList: files\[0\]\.name is 256 bytes/],
    ["90 01 61 00 01 61 00 00 00 00 00 00 00 00 00 00 00 ff", /file\.sender is 255 bytes/],
  ];
  for (const [bytes, pattern] of cases) assertFrameError(() => decodeFrame(hex(bytes)), pattern);
});

Deno.test("a hostile length in a large message costs no more than the message", () => {
  // A MemberList claiming 10,000 members of which 1 MiB of zeros holds none:
  // the first entry's empty name is refused at once, whatever follows.
  const message = new Uint8Array(1 << 20);
  message.set([0x88, 0x27, 0x10]);
  assertFrameError(
    () => decodeFrame(message),
    /members\[0\]\.name is 0 bytes, fewer than the minimum of 1/,
  ); // The same for a FileList claiming 1,000 files.
  message.set([0x8f, 0x03, 0xe8]);
  assertFrameError(
    () => decodeFrame(message),
    /files\[0\]\.fileId is 0 bytes, fewer than the minimum of 1/,
  );
  // A chunk of the largest size is read only once all of it is there.
  message.set(hex(`0c 01 61 ${"00".repeat(8)} 00 04 00 00`));
  const chunk = decodeFrame(message.subarray(0, 15 + 262_144));
  assert.equal(chunk.type === "fileChunk" && chunk.data.length, 262_144);
  assertFrameError(() => decodeFrame(message.subarray(0, 15 + 262_143)), /truncated in data/);
});

Deno.test("file ids are 1 to 32 characters of [0-9a-z] wherever they appear", () => {
  const toHex = (text: string) =>
    Array.from(new TextEncoder().encode(text), (byte) => byte.toString(16).padStart(2, "0"));
  // Same length as the goldens' ids (10 bytes), so only the characters are wrong.
  const badIds = ["7k2m9q4x1C", "7k2m9q4x1-", "../../etc/", "7k2m9q4x1 ", "7k2m9q4x\u00e9", "a\0"];
  const cases: [string, RegExp][] = [
    ...badIds.map((id): [string, RegExp] => [
      `${toHex(id).length.toString(16).padStart(2, "0")} ${toHex(id).join(" ")}`,
      /fileId has characters other than \[0-9a-z\]$/,
    ]),
    ["0a 37 6b 32 6d 39 71 34 78 31 ff", /fileId is not valid UTF-8$/],
    ["00", /fileId is 0 bytes, fewer than the minimum of 1$/],
    [`21 ${"61 ".repeat(33)}`, /fileId is 33 bytes, longer than the limit of 32$/],
  ];
  const covered = new Set<string>();
  for (const { frame, hex: text } of GOLDENS) {
    for (const idHex of [FILE_ID_HEX, OTHER_FILE_ID_HEX]) {
      if (!text.includes(idHex)) continue;
      covered.add(frame.type);
      for (const [badHex, pattern] of cases) {
        assertFrameError(() => decodeFrame(hex(text.replace(idHex, badHex))), pattern);
      }
      const longest = decodeFrame(hex(text.replace(idHex, `20 ${"7a ".repeat(32)}`)));
      assert.ok(JSON.stringify(longest).includes(`"${"z".repeat(32)}"`));
    }
  }
  // Every frame type that carries a file id, FileInfo's included.
  assert.equal(covered.size, 11, `${[...covered]}`);
});

Deno.test("SHA-256 hashes are exactly 32 bytes and present exactly when a file is complete", () => {
  const sha256 = "ab ".repeat(32);
  for (const type of ["0d", "8d"]) {
    const frame = `${type} ${FILE_ID_HEX} 00 00 00 00 00 00 00 03`;
    assert.ok(decodeFrame(hex(`${frame} ${sha256}`)));
    assertFrameError(
      () => decodeFrame(hex(`${frame} ${"ab ".repeat(31)}`)),
      /: truncated in sha256 \(needs 32 bytes, 31 left\)$/,
    );
    assertFrameError(() => decodeFrame(hex(`${frame} ${sha256} ab`)), /1 trailing bytes/);
  }
  const info = (complete: string, hash: string) =>
    `01 61 | 00 01 61 | 00 | ${"00 ".repeat(8)} | ${complete} | ${hash} | 01 61 | 00 |
    ${"00 ".repeat(16)}`;
  assert.ok(decodeFrame(hex(`90 ${info("01", `01 ${sha256}`)}`)));
  assert.ok(decodeFrame(hex(`90 ${info("00", "00")}`)));
  assertFrameError(
    () => decodeFrame(hex(`90 ${info("01", "00")}`)),
    /^Cannot decode FileOffered: file\.sha256 must be present exactly when file\.complete is true$/,
  );
  assertFrameError(
    () => decodeFrame(hex(`8f 00 01 ${info("00", `01 ${sha256}`)}`)),
    /^Cannot decode FileList: files\[0\]\.sha256 must be present exactly when/,
  );
  // A hash one byte short shifts every later field: the message is refused, never misread.
  assertFrameError(() => decodeFrame(hex(`90 ${info("01", `01 ${"ab ".repeat(31)}`)}`)), /./);
  // DownloadEnd describes a complete file: its receiver checks what it wrote against it.
  assertFrameError(
    () => decodeFrame(hex(`92 ${info("00", "00")}`)),
    /^Cannot decode DownloadEnd: file must be complete, with its size and sha256$/,
  );
  assertFrameError(
    () => decodeFrame(hex(`92 ${info("01", `01 ${sha256}`)}`)),
    /^Cannot decode DownloadEnd: file must be complete/,
  );
});

Deno.test("invalid UTF-8 is refused in every kind of string field", () => {
  const invalid = [
    "c0 80",
    "ed a0 80",
    "f4 90 80 80",
    "ff",
    "80",
    "e2 82",
    "61 c3",
    "f8 88 80 80 80",
  ];
  for (const sequence of invalid) {
    const length = hex(sequence).length.toString(16).padStart(2, "0");
    assertFrameError(
      () => decodeFrame(hex(`05 ${"00".repeat(16)} 00 ${length} ${sequence}`)),
      /^Cannot decode Say: text is not valid UTF-8$/,
    );
    assertFrameError(
      () => decodeFrame(hex(`02 ${length} ${sequence} 00 01 70`)),
      /name is not valid UTF-8/,
    );
    assertFrameError(
      () => decodeFrame(hex(`03 01 61 00 ${length} ${sequence}`)),
      /password is not valid/,
    );
    assertFrameError(
      () => decodeFrame(hex(`8a 00 00 ${length} ${sequence}`)),
      /message is not valid UTF-8/,
    );
    assertFrameError(
      () => decodeFrame(hex(`81 00 01 00 01 ${length} ${sequence}`)),
      /serverName is not valid/,
    );
    assertFrameError(
      () => decodeFrame(hex(`0b 00 00 00 00 00 00 ${length} ${sequence} 00 00`)),
      /^Cannot decode UploadStart: name is not valid UTF-8$/,
    );
    assertFrameError(
      () => decodeFrame(hex(`8f 00 01 01 61 00 ${length} ${sequence}`)),
      /^Cannot decode FileList: files\[0\]\.name is not valid UTF-8$/,
    );
  }
});

Deno.test("names are 1 to 32 characters, whatever their length in bytes", () => {
  assertFrameError(
    () => decodeFrame(hex("02 00 00 01 70")),
    /name is 0 bytes, fewer than the minimum of 1$/,
  );
  const thirtyThree = Array(33).fill("61").join(" ");
  assertFrameError(
    () => decodeFrame(hex(`03 21 ${thirtyThree} 00 01 70`)),
    /name has 33 characters, not 1 to 32$/,
  );
  const emoji = Array(32).fill("f0 9f 98 80").join(" ");
  assert.equal(
    (decodeFrame(hex(`03 80 ${emoji} 00 01 70`)) as { name: string }).name,
    "😀".repeat(32),
  );
});

Deno.test("enum, boolean and presence values out of range are refused", () => {
  const cases: [string, RegExp][] = [
    ["82 06 00 00 00 00 00 00", /^Cannot decode AuthResult: outcome has unknown value 6$/],
    [
      "83 04 00 00 00 00 00 00 01 61 00 00 00 00 00 00 00 00",
      /JoinResult: outcome has unknown value 4/,
    ],
    [
      `84 ${"00".repeat(8)} ${"00".repeat(16)} 01 61 02 00 00 ${"00".repeat(8)}`,
      /RoomMessage: kind has unknown value 2/,
    ],
    ["87 03 01 61 00 00 00 00 00 00 00 00", /^Cannot decode Presence: kind has unknown value 3$/],
    ["89 09 00 00 00 00 00 00 00", /^Cannot decode ErrorFrame: code has unknown value 9$/],
    ["8a 03 00 00", /^Cannot decode SessionEnded: reason has unknown value 3$/],
    ["8a ff 00 00", /reason has unknown value 255/],
    ["81 00 01 02 00", /^Cannot decode Welcome: registrationOpen is 2, not 0 or 1$/],
    ["81 00 01 01 02", /^Cannot decode Welcome: serverName is 2, not 0 or 1$/],
    ["89 00 ff 00 00 00 00 00 00", /^Cannot decode ErrorFrame: inReplyTo is 255, not 0 or 1$/],
    [
      `86 ${"00".repeat(16)} 00 20 00 00 00 00 00 00`,
      /^Cannot decode Delivered: sequence is larger than 2\^53 - 1$/,
    ],
    ["87 00 01 61 ff ff ff ff ff ff ff ff", /Presence: at is larger than 2\^53 - 1/],
    ["8e 00 00 0b 00 00", /^Cannot decode FileErrorFrame: code has unknown value 11$/],
    ["8e 02", /^Cannot decode FileErrorFrame: fileId is 2, not 0 or 1$/],
    ["8e 00 02", /^Cannot decode FileErrorFrame: requestId is 2, not 0 or 1$/],
    ["0b 00 00 00 00 02", /^Cannot decode UploadStart: resumeKey is 2, not 0 or 1$/],
    ["0b 00 00 00 00 00 00 01 61 ff", /^Cannot decode UploadStart: size is 255, not 0 or 1$/],
    ["0b 00 00 00 00 00 00 01 61 00 80", /^Cannot decode UploadStart: to is 128, not 0 or 1$/],
    [
      `0b 00 00 00 00 00 00 01 61 01 00 20 ${"00 ".repeat(6)} 00`,
      /^Cannot decode UploadStart: size is larger than 2\^53 - 1$/,
    ],
    [`8c 01 61 ff ${"00 ".repeat(7)}`, /^Cannot decode UploadProgress: stored is larger than/],
    [
      `90 01 61 00 01 61 00 ${"00 ".repeat(8)} 02`,
      /^Cannot decode FileOffered: file\.complete is 2, not 0 or 1$/,
    ],
  ];
  for (const [bytes, pattern] of cases) assertFrameError(() => decodeFrame(hex(bytes)), pattern);
});

Deno.test("empty messages and unknown frame types are refused", () => {
  assertFrameError(
    () => decodeFrame(new Uint8Array()),
    /^Cannot decode frame: the message is empty$/,
  );
  const known = new Set(TYPE_BYTES);
  for (let byte = 0; byte < 256; byte++) {
    if (known.has(byte)) continue;
    const name = byte.toString(16).padStart(2, "0");
    for (const bytes of [Uint8Array.of(byte), Uint8Array.of(byte, 0, 1, 2, 3)]) {
      assertFrameError(
        () => decodeFrame(bytes),
        new RegExp(`^Cannot decode frame: unknown frame type 0x${name}$`),
      );
    }
  }
});
