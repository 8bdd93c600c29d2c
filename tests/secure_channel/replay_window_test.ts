/**
 * Unit tests of the anti-replay window and of packet-number expansion
 * (src/secure/replay_window.ts), including a model check of the window
 * against a plain set over a long seeded sequence.
 */

import assert from "node:assert/strict";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import {
  expandPacketNumber,
  REPLAY_WINDOW_SIZE,
  ReplayWindow,
} from "../../src/secure/replay_window.ts";

const SPAN = 2 ** 32;

function windowWith(...numbers: number[]): ReplayWindow {
  const window = new ReplayWindow();
  for (const number of numbers) {
    assert.ok(window.isFresh(number), `${number} fresh before recording`);
    window.record(number);
  }
  return window;
}

Deno.test("a fresh window accepts anything, then refuses duplicates", () => {
  const window = new ReplayWindow();
  assert.equal(window.highest, -1);
  assert.ok(window.isFresh(0));
  window.record(0);
  assert.equal(window.isFresh(0), false, "duplicate");
  assert.ok(window.isFresh(1));
  assert.equal(window.highest, 0);
});

Deno.test("reordered packets within the window are accepted once", () => {
  const window = windowWith(0, 1, 2, 10);
  for (const number of [3, 4, 9]) assert.ok(window.isFresh(number), `${number}`);
  window.record(9);
  window.record(3);
  assert.equal(window.isFresh(9), false);
  assert.equal(window.isFresh(3), false);
  assert.ok(window.isFresh(4));
  assert.equal(window.highest, 10, "an older packet does not move the highest");
});

Deno.test("the window's lower edge: the last remembered number, and the first too old", () => {
  const highest = 5_000;
  const window = windowWith(highest);
  assert.ok(window.isFresh(highest - (REPLAY_WINDOW_SIZE - 1)), "the oldest still remembered");
  assert.equal(window.isFresh(highest - REPLAY_WINDOW_SIZE), false, "too old");
  assert.equal(window.isFresh(0), false);
  window.record(highest - (REPLAY_WINDOW_SIZE - 1));
  assert.equal(window.isFresh(highest - (REPLAY_WINDOW_SIZE - 1)), false);
});

Deno.test("after a jump, skipped numbers are fresh while the window still covers them", () => {
  for (const jump of [1, 31, 32, 33, REPLAY_WINDOW_SIZE - 1, REPLAY_WINDOW_SIZE, 10_000]) {
    const start = 100;
    const window = windowWith(start - 1, start);
    window.record(start + jump);
    assert.equal(window.highest, start + jump);
    assert.equal(window.isFresh(start + jump), false, `jump ${jump}: the new highest is seen`);
    for (let number = start + 1; number < start + jump; number += Math.max(1, jump >> 6)) {
      const remembered = start + jump - number < REPLAY_WINDOW_SIZE;
      assert.equal(window.isFresh(number), remembered, `jump ${jump}: ${number} skipped`);
    }
    // The old highest: still remembered as seen, or now simply too old.
    assert.equal(window.isFresh(start), false, `jump ${jump}`);
    assert.equal(window.isFresh(start - 1), false, `jump ${jump}`);
  }
});

Deno.test("numbers beyond 2^32 work the same", () => {
  const base = 3 * SPAN + 17;
  const window = windowWith(base, base + 2);
  assert.ok(window.isFresh(base + 1));
  assert.equal(window.isFresh(base), false);
  assert.equal(window.isFresh(base + 2), false);
});

Deno.test("the window agrees with a plain set of everything seen (seeded model check)", () => {
  const random = new Mulberry32(81);
  const window = new ReplayWindow();
  const seen = new Set<number>();
  let highest = -1;
  for (let step = 0; step < 200_000; step++) {
    const roll = random.nextUint32() % 100;
    let number: number;
    if (roll < 2) number = highest + 1 + (random.nextUint32() % (2 * REPLAY_WINDOW_SIZE));
    else if (roll < 60) number = highest + 1 + (random.nextUint32() % 4);
    else number = Math.max(0, highest - (random.nextUint32() % (REPLAY_WINDOW_SIZE + 64)));
    const fresh = number > highest ||
      (highest - number < REPLAY_WINDOW_SIZE && !seen.has(number));
    assert.equal(window.isFresh(number), fresh, `step ${step}: ${number} (highest ${highest})`);
    if (fresh) {
      window.record(number);
      seen.add(number);
      highest = Math.max(highest, number);
    }
  }
});

Deno.test("expansion picks the candidate closest to the next expected number", () => {
  assert.equal(expandPacketNumber(0, -1), 0);
  assert.equal(expandPacketNumber(5, -1), 5);
  assert.equal(expandPacketNumber(SPAN - 1, -1), SPAN - 1, "never negative");
  // Across the wrap at 2^32, forwards and backwards.
  assert.equal(expandPacketNumber(3, SPAN - 10), SPAN + 3);
  assert.equal(expandPacketNumber(SPAN - 16, SPAN + 5), SPAN - 16);
  // A duplicate maps to itself.
  assert.equal(expandPacketNumber(100, 2 * SPAN + 100), 2 * SPAN + 100);
  // Half a span each way: just over it goes to the other candidate.
  const expected = SPAN + 100;
  assert.equal(expandPacketNumber(100 + SPAN / 2, expected - 1), expected + SPAN / 2);
  assert.equal(expandPacketNumber(101 + SPAN / 2, expected - 1), expected + SPAN / 2 + 1 - SPAN);
  const later = SPAN + SPAN / 2 + 100;
  assert.equal(expandPacketNumber(100, later - 1), 2 * SPAN + 100, "a tie goes forwards");
  assert.equal(expandPacketNumber(101, later - 1), SPAN + 101);
});

Deno.test("expansion recovers any number within half a span of the expected one", () => {
  const random = new Mulberry32(82);
  for (let trial = 0; trial < 20_000; trial++) {
    const highest = (random.nextUint32() * 256 + (random.nextUint32() & 0xff)) - 1;
    const offset = random.nextUint32() - SPAN / 2 + 1; // (-2^31, 2^31]
    const actual = highest + 1 + offset;
    if (actual < 0) continue;
    assert.equal(expandPacketNumber(actual % SPAN, highest), actual, `${actual} after ${highest}`);
  }
});
