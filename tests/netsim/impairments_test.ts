import assert from "node:assert/strict";
import {
  type DatagramFate,
  delaysAreMonotone,
  flipBit,
  ImpairmentDecider,
  ImpairmentError,
  type Impairments,
  NO_IMPAIRMENTS,
  reorderHoldMs,
  validateImpairments,
} from "../../src/netsim/impairments.ts";

const DRAWS = 100_000;

function fates(
  impairments: Impairments,
  seed: number,
  count: number,
  length = 1200,
): DatagramFate[] {
  const decider = new ImpairmentDecider(impairments, seed);
  return Array.from({ length: count }, () => decider.decide(length));
}

/** Binomial standard deviations allowed: 5 sigma keeps a fixed-seed test meaningful, never flaky. */
function assertRate(observed: number, percent: number, draws: number, label: string): void {
  const probability = percent / 100;
  const expected = probability * draws;
  const sigma = Math.sqrt(draws * probability * (1 - probability));
  assert.ok(
    Math.abs(observed - expected) <= 5 * sigma + 1,
    `${label}: ${observed} of ${draws}, expected ${expected} +/- ${5 * sigma}`,
  );
}

Deno.test("loss, duplicate, corrupt and reorder rates match their percentages over 100k draws", () => {
  const impairments = {
    ...NO_IMPAIRMENTS,
    lossPercent: 5,
    duplicatePercent: 1,
    corruptPercent: 0.5,
    reorderPercent: 1,
  };
  const all = fates(impairments, 7, DRAWS);
  assertRate(all.filter((fate) => fate.drop).length, 5, DRAWS, "loss");
  assertRate(all.filter((fate) => fate.duplicate).length, 1, DRAWS, "duplicate");
  assertRate(all.filter((fate) => fate.corruptBitIndex >= 0).length, 0.5, DRAWS, "corrupt");
  assertRate(all.filter((fate) => fate.reorder).length, 1, DRAWS, "reorder");
});

Deno.test("the same seed gives the same fates; another seed gives others", () => {
  const impairments = { ...NO_IMPAIRMENTS, lossPercent: 20, jitterMs: 3, delayMs: 5 };
  assert.deepEqual(fates(impairments, 7, 1000), fates(impairments, 7, 1000));
  assert.notDeepEqual(fates(impairments, 7, 1000), fates(impairments, 8, 1000));
});

Deno.test("a datagram's loss does not depend on the other settings (fixed draws per datagram)", () => {
  const lossOnly = fates({ ...NO_IMPAIRMENTS, lossPercent: 10 }, 3, 5000);
  const everything = fates(
    { ...NO_IMPAIRMENTS, lossPercent: 10, duplicatePercent: 50, corruptPercent: 50, jitterMs: 4 },
    3,
    5000,
  );
  assert.deepEqual(lossOnly.map((fate) => fate.drop), everything.map((fate) => fate.drop));
});

Deno.test("no impairment: nothing dropped, duplicated, corrupted or delayed", () => {
  for (const fate of fates(NO_IMPAIRMENTS, 1, 10_000)) {
    assert.deepEqual(fate, {
      drop: false,
      duplicate: false,
      corruptBitIndex: -1,
      reorder: false,
      delayMs: 0,
    });
  }
});

Deno.test("100% loss drops every datagram", () => {
  assert.ok(fates({ ...NO_IMPAIRMENTS, lossPercent: 100 }, 5, 10_000).every((fate) => fate.drop));
});

Deno.test("jitter stays within +/- jitter of the delay, averages the delay, clamps at zero", () => {
  const delays = fates({ ...NO_IMPAIRMENTS, delayMs: 10, jitterMs: 2 }, 11, DRAWS).map((fate) =>
    fate.delayMs
  );
  assert.ok(delays.every((delay) => delay >= 8 && delay <= 12));
  const mean = delays.reduce((sum, delay) => sum + delay, 0) / delays.length;
  assert.ok(Math.abs(mean - 10) < 0.05, `mean ${mean}`);
  const clamped = fates({ ...NO_IMPAIRMENTS, delayMs: 1, jitterMs: 5 }, 11, 10_000);
  assert.ok(clamped.every((fate) => fate.delayMs >= 0));
  assert.ok(clamped.some((fate) => fate.delayMs === 0));
});

Deno.test("a reordered datagram is held back by max(1, delay) + 2 x jitter", () => {
  const impairments = { ...NO_IMPAIRMENTS, delayMs: 5, jitterMs: 1, reorderPercent: 50 };
  assert.equal(reorderHoldMs(impairments), 7);
  for (const fate of fates(impairments, 9, 10_000)) {
    if (fate.reorder) assert.ok(fate.delayMs >= 4 + 7 && fate.delayMs <= 6 + 7);
    else assert.ok(fate.delayMs >= 4 && fate.delayMs <= 6);
  }
  assert.equal(reorderHoldMs({ ...NO_IMPAIRMENTS, reorderPercent: 1 }), 1);
});

Deno.test("corruption picks bits uniformly over the whole datagram, and never in an empty one", () => {
  const length = 4;
  const hits = new Array<number>(length * 8).fill(0);
  for (const fate of fates({ ...NO_IMPAIRMENTS, corruptPercent: 100 }, 13, 32_000, length)) {
    assert.ok(fate.corruptBitIndex >= 0 && fate.corruptBitIndex < length * 8);
    hits[fate.corruptBitIndex]!++;
  }
  assert.ok(hits.every((count) => count > 800 && count < 1200), `uneven bits: ${hits}`);
  assert.ok(
    fates({ ...NO_IMPAIRMENTS, corruptPercent: 100 }, 13, 100, 0).every((fate) =>
      fate.corruptBitIndex === -1
    ),
  );
});

Deno.test("flipBit flips exactly the bit asked for", () => {
  const bytes = new Uint8Array([0b0000_0000, 0b1111_1111]);
  flipBit(bytes, 0);
  flipBit(bytes, 15);
  assert.deepEqual([...bytes], [0b0000_0001, 0b0111_1111]);
  assert.throws(() => flipBit(bytes, 16), RangeError);
});

Deno.test("validateImpairments rejects out-of-range settings", () => {
  assert.throws(
    () => validateImpairments({ ...NO_IMPAIRMENTS, lossPercent: 101 }),
    ImpairmentError,
  );
  assert.throws(
    () => validateImpairments({ ...NO_IMPAIRMENTS, corruptPercent: -1 }),
    ImpairmentError,
  );
  assert.throws(() => validateImpairments({ ...NO_IMPAIRMENTS, delayMs: NaN }), ImpairmentError);
  assert.throws(() => validateImpairments({ ...NO_IMPAIRMENTS, jitterMs: -2 }), ImpairmentError);
  assert.throws(() => validateImpairments({ ...NO_IMPAIRMENTS, seed: 1.5 }), ImpairmentError);
  assert.doesNotThrow(() => validateImpairments({ ...NO_IMPAIRMENTS, lossPercent: 100 }));
});

Deno.test("delays are monotone only without jitter and reordering", () => {
  assert.ok(
    delaysAreMonotone({ ...NO_IMPAIRMENTS, delayMs: 5, lossPercent: 3, duplicatePercent: 2 }),
  );
  assert.ok(!delaysAreMonotone({ ...NO_IMPAIRMENTS, jitterMs: 1 }));
  assert.ok(!delaysAreMonotone({ ...NO_IMPAIRMENTS, reorderPercent: 1 }));
});
