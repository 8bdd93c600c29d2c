/** The outbox's rules: order, Delivered, refusals, resend after a new link, pacing. */

import assert from "node:assert/strict";
import { Outbox, type OutgoingFrame } from "../../src/client/outbox.ts";
import { UsageError } from "../../src/errors.ts";
import { messageId } from "../../src/protocol/mod.ts";

function say(n: number): OutgoingFrame {
  return { type: "say", messageId: messageId(new Uint8Array(16).fill(n)), text: `m${n}` };
}

function drainTransmit(outbox: Outbox, now: number): string[] {
  const sent: string[] = [];
  for (let entry = outbox.pollTransmit(now); entry; entry = outbox.pollTransmit(now)) {
    sent.push(entry.frame.text);
  }
  return sent;
}

Deno.test("entries are sent once, in order, and leave on Delivered", () => {
  const outbox = new Outbox();
  const frames = [say(1), say(2), say(3)];
  for (const frame of frames) outbox.add(frame);
  assert.deepEqual(drainTransmit(outbox, 0), ["m1", "m2", "m3"]);
  assert.deepEqual(drainTransmit(outbox, 0), [], "nothing twice on one link");
  assert.equal(outbox.handleDelivered(frames[1]!.messageId)?.frame.text, "m2");
  assert.equal(outbox.handleDelivered(frames[1]!.messageId), undefined, "a repeat is unknown");
  assert.deepEqual(outbox.entries().map((entry) => entry.frame.text), ["m1", "m3"]);
});

Deno.test("a new link sends every unacknowledged entry again, same ids, in order", () => {
  const outbox = new Outbox();
  const frames = [say(1), say(2), say(3)];
  for (const frame of frames) outbox.add(frame);
  drainTransmit(outbox, 0);
  outbox.handleDelivered(frames[0]!.messageId);
  outbox.handleNewLink();
  const again: OutgoingFrame[] = [];
  for (let entry = outbox.pollTransmit(0); entry; entry = outbox.pollTransmit(0)) {
    again.push(entry.frame);
  }
  assert.deepEqual(again, [frames[1], frames[2]]);
});

Deno.test("a refusal drops the entry; a rate limit keeps it and paces the outbox", () => {
  const outbox = new Outbox();
  const frames = [say(1), say(2), say(3), say(4)];
  for (const frame of frames) outbox.add(frame);
  drainTransmit(outbox, 0);
  assert.equal(outbox.handleRefused(frames[3]!.messageId)?.frame.text, "m4");
  assert.equal(outbox.handleRateLimited(frames[0]!.messageId, 500, 100), true);
  assert.equal(outbox.isPaced, true);
  // m2 and m3 are still in flight: nothing goes before their answers.
  assert.equal(outbox.pollTransmit(1000), null);
  assert.equal(outbox.pollTimeout(), null);
  outbox.handleRateLimited(frames[1]!.messageId, 500, 110);
  outbox.handleDelivered(frames[2]!.messageId); // m3 got through
  assert.equal(outbox.pollTimeout(), 610, "the latest retry-after wins");
  assert.equal(outbox.pollTransmit(600), null, "held until the server allows");
  assert.equal(outbox.pollTransmit(610)?.frame.text, "m1");
  assert.equal(outbox.pollTransmit(610), null, "paced: one in flight at a time");
  outbox.handleDelivered(frames[0]!.messageId);
  assert.equal(outbox.pollTransmit(611)?.frame.text, "m2");
  outbox.handleDelivered(frames[1]!.messageId);
  assert.equal(outbox.isPaced, false, "an empty outbox stops pacing");
  assert.equal(outbox.handleRateLimited(frames[0]!.messageId, 1, 0), false, "unknown id");
});

Deno.test("capacity is the de-duplication window; ids are unique", () => {
  const outbox = new Outbox(2);
  outbox.add(say(1));
  assert.throws(() => outbox.add(say(1)), UsageError);
  outbox.add(say(2));
  assert.equal(outbox.isFull, true);
  assert.throws(() => outbox.add(say(3)), UsageError);
  assert.equal(new Outbox().capacity, 1024);
});
