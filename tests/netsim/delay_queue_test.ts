import assert from "node:assert/strict";
import { type DelayQueue, FifoDelayQueue, HeapDelayQueue } from "../../src/netsim/delay_queue.ts";
import { Mulberry32 } from "../../src/netsim/prng.ts";

function drain<T>(queue: DelayQueue<T>): T[] {
  const values: T[] = [];
  while (queue.size > 0) values.push(queue.pop()!);
  return values;
}

Deno.test("an empty queue has no deadline and pops nothing", () => {
  for (const queue of [new FifoDelayQueue<number>(), new HeapDelayQueue<number>()]) {
    assert.equal(queue.peekDeadline(), Infinity);
    assert.equal(queue.pop(), undefined);
    assert.equal(queue.size, 0);
  }
});

Deno.test("the heap releases values in deadline order, oldest first on ties", () => {
  const random = new Mulberry32(5);
  const queue = new HeapDelayQueue<{ deadline: number; order: number }>();
  const pushed: { deadline: number; order: number }[] = [];
  for (let order = 0; order < 5000; order++) {
    // Few distinct deadlines, so ties are common.
    const deadline = Math.floor(random.nextFloat() * 50);
    const value = { deadline, order };
    pushed.push(value);
    queue.push(deadline, value);
  }
  const expected = [...pushed].sort((a, b) => a.deadline - b.deadline || a.order - b.order);
  assert.deepEqual(drain(queue), expected);
});

Deno.test("the heap's peekDeadline follows interleaved pushes and pops", () => {
  const queue = new HeapDelayQueue<string>();
  queue.push(10, "ten");
  queue.push(5, "five");
  assert.equal(queue.peekDeadline(), 5);
  assert.equal(queue.pop(), "five");
  queue.push(7, "seven");
  assert.equal(queue.peekDeadline(), 7);
  assert.deepEqual(drain(queue), ["seven", "ten"]);
});

Deno.test("the FIFO keeps insertion order and never lowers a deadline", () => {
  const queue = new FifoDelayQueue<number>();
  queue.push(1, 1);
  queue.push(3, 2);
  queue.push(2, 3); // out of order: raised to 3 rather than overtaking
  assert.equal(queue.pop(), 1);
  assert.equal(queue.peekDeadline(), 3);
  assert.equal(queue.pop(), 2);
  assert.equal(queue.peekDeadline(), 3);
  assert.equal(queue.pop(), 3);
});

Deno.test("the FIFO stays correct across its internal compaction", () => {
  const queue = new FifoDelayQueue<number>();
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let index = 0; index < 300; index++) queue.push(next, next++);
    for (let index = 0; index < 250; index++) assert.equal(queue.pop(), expected++);
  }
  assert.equal(queue.size, next - expected);
  assert.deepEqual(
    drain(queue),
    Array.from({ length: next - expected }, (_, index) => expected + index),
  );
});

Deno.test("clear empties both queues", () => {
  for (const queue of [new FifoDelayQueue<number>(), new HeapDelayQueue<number>()]) {
    queue.push(1, 1);
    queue.push(2, 2);
    queue.clear();
    assert.equal(queue.size, 0);
    assert.equal(queue.peekDeadline(), Infinity);
  }
});
