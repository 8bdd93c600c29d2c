/** What was shown is never shown again: room sequences and private ids. */

import assert from "node:assert/strict";
import { ShownMessages } from "../../src/client/shown_messages.ts";
import { messageId } from "../../src/protocol/mod.ts";

Deno.test("room messages at or below the highest shown sequence are hidden", () => {
  const shown = new ShownMessages();
  assert.equal(shown.acceptRoomMessage(1), true);
  assert.equal(shown.acceptRoomMessage(2), true);
  assert.equal(shown.acceptRoomMessage(2), false);
  assert.equal(shown.acceptRoomMessage(1), false);
  assert.equal(shown.acceptRoomMessage(5), true, "a gap (messages missed while away) is fine");
  assert.equal(shown.highestSequence, 5);
});

Deno.test("a rejoin keeps the filter, unless the room's numbering started again", () => {
  const shown = new ShownMessages();
  shown.acceptRoomMessage(7);
  shown.handleJoined(9);
  assert.equal(shown.acceptRoomMessage(7), false);
  shown.handleJoined(0); // a server that lost its state
  assert.equal(shown.acceptRoomMessage(1), true);
});

Deno.test("private ids are remembered, the oldest forgotten first", () => {
  const shown = new ShownMessages(2);
  const id = (n: number) => messageId(new Uint8Array(16).fill(n));
  assert.equal(shown.acceptPrivate(id(1)), true);
  assert.equal(shown.acceptPrivate(id(1)), false);
  shown.acceptPrivate(id(2));
  shown.acceptPrivate(id(3));
  assert.equal(shown.acceptPrivate(id(2)), false);
  assert.equal(shown.acceptPrivate(id(1)), true, "forgotten after two newer ones");
});
