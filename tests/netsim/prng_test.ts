import assert from "node:assert/strict";
import { deriveSeed, Mulberry32 } from "../../src/netsim/prng.ts";

Deno.test("Mulberry32 replays the same sequence for the same seed", () => {
  const first = new Mulberry32(7);
  const second = new Mulberry32(7);
  for (let index = 0; index < 1000; index++) assert.equal(first.nextUint32(), second.nextUint32());
});

Deno.test("Mulberry32 gives different sequences for different seeds", () => {
  const first = new Mulberry32(1);
  const second = new Mulberry32(2);
  const same = Array.from({ length: 100 }, () => first.nextUint32() === second.nextUint32());
  assert.ok(same.filter(Boolean).length < 3);
});

Deno.test("Mulberry32 floats are in [0, 1) with a mean near 0.5", () => {
  const random = new Mulberry32(42);
  let sum = 0;
  const draws = 100_000;
  for (let index = 0; index < draws; index++) {
    const value = random.nextFloat();
    assert.ok(value >= 0 && value < 1, `out of range: ${value}`);
    sum += value;
  }
  assert.ok(Math.abs(sum / draws - 0.5) < 0.005, `mean ${sum / draws}`);
});

Deno.test("Mulberry32 pins its first outputs (a change would break replayed runs)", () => {
  const random = new Mulberry32(7);
  const firstThree = [random.nextUint32(), random.nextUint32(), random.nextUint32()];
  assert.deepEqual(firstThree, GOLDEN_SEED_7);
});

// The reference mulberry32 (Tommy Ettinger) gives these; runs recorded with --seed 7 rely on them.
const GOLDEN_SEED_7 = [50271532, 266108690, 4195786334];

Deno.test("deriveSeed separates flows and directions, deterministically", () => {
  const seeds = new Set<number>();
  for (let flow = 0; flow < 100; flow++) {
    for (let direction = 0; direction < 2; direction++) seeds.add(deriveSeed(7, flow, direction));
  }
  assert.equal(seeds.size, 200);
  assert.equal(deriveSeed(7, 3, 1), deriveSeed(7, 3, 1));
  assert.notEqual(deriveSeed(7, 3, 1), deriveSeed(8, 3, 1));
});
