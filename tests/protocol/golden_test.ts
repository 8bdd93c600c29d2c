/**
 * Golden bytes: the encoder produces exactly the bytes docs/protocol.md
 * specifies, and the decoder reads them back to the same frames.
 */

import assert from "node:assert/strict";
import { decodeFrame, encodeFrame, FrameType } from "../../src/protocol/mod.ts";
import { GOLDENS } from "./_golden.ts";
import { hex } from "./_helpers.ts";

Deno.test("every golden frame encodes to its hand-written bytes", () => {
  for (const { frame, hex: expected } of GOLDENS) {
    assert.deepEqual(encodeFrame(frame), hex(expected), `encoding ${frame.type}`);
  }
});

Deno.test("every golden byte string decodes to its frame", () => {
  for (const { frame, hex: bytes } of GOLDENS) {
    assert.deepEqual(decodeFrame(hex(bytes)), frame, `decoding ${frame.type}`);
  }
});

Deno.test("there is a golden for every frame type", () => {
  const covered = new Set(GOLDENS.map(({ frame }) => frame.type));
  assert.deepEqual([...covered].sort(), Object.keys(FrameType).sort());
});

Deno.test("the examples in docs/protocol.md are goldens", async () => {
  const document = await Deno.readTextFile(new URL("../../docs/protocol.md", import.meta.url));
  const examples = [...document.matchAll(/^ {2}([0-9a-f]{2}(?: +[0-9a-f]{2})*)$/gm)]
    .map((match) => hex(match[1]!));
  assert.ok(examples.length >= 4, "the examples section lists at least four frames");
  const goldens = GOLDENS.map(({ hex: bytes }) => hex(bytes));
  for (const example of examples) {
    assert.ok(goldens.some((golden) => golden.join() === example.join()), `${example}`);
  }
});

Deno.test("decoding reads a view at any offset of a larger buffer", () => {
  const say = hex(GOLDENS.find(({ frame }) => frame.type === "say")!.hex);
  const buffer = new Uint8Array(say.length + 7);
  buffer.set(say, 3);
  assert.deepEqual(decodeFrame(buffer.subarray(3, 3 + say.length)), decodeFrame(say));
});
