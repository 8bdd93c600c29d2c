/**
 * The message token bucket's exact arithmetic, with a fake clock.
 */

import assert from "node:assert/strict";
import { MESSAGE_RATE, TokenBucket } from "../../src/server/token_bucket.ts";

const ALLOWED = { allowed: true };
const wait = (retryAfterMs: number) => ({ allowed: false, retryAfterMs });

Deno.test("a member may send a burst of 10, then one message per 500 ms", () => {
  assert.deepEqual(MESSAGE_RATE, { capacity: 10, refillTokens: 10, refillIntervalMs: 5_000 });
  const bucket = new TokenBucket(1_000);
  for (let message = 0; message < 10; message++) assert.deepEqual(bucket.take(1_000), ALLOWED);
  assert.deepEqual(bucket.take(1_000), wait(500));
  assert.deepEqual(bucket.take(1_001), wait(499));
  assert.deepEqual(bucket.take(1_499), wait(1));
  assert.deepEqual(bucket.take(1_500), ALLOWED);
  assert.deepEqual(bucket.take(1_500), wait(500));
  assert.equal(bucket.tokens(1_750), 0.5);
  // After a long silence the bucket is full, never fuller.
  assert.equal(bucket.tokens(1_000_000), 10);
  for (let message = 0; message < 10; message++) assert.deepEqual(bucket.take(1_000_000), ALLOWED);
  assert.deepEqual(bucket.take(1_000_000), wait(500));
});

Deno.test("over a minute, a flooding member gets the burst plus 2 messages a second", () => {
  const bucket = new TokenBucket(0);
  let allowed = 0;
  for (let now = 0; now < 60_000; now += 10) if (bucket.take(now).allowed) allowed++;
  // 10 at once, then one each 500 ms: at 500, 1000, ..., 59,500.
  assert.equal(allowed, 10 + 119);
});

Deno.test("time going backwards refills nothing; oversized takes are a bug", () => {
  const bucket = new TokenBucket(10_000, { capacity: 2, refillTokens: 1, refillIntervalMs: 1_000 });
  assert.deepEqual(bucket.take(10_000, 2), ALLOWED);
  assert.deepEqual(bucket.take(5_000), wait(1_000));
  assert.deepEqual(bucket.take(10_999), wait(1));
  assert.deepEqual(bucket.take(11_000), ALLOWED);
  assert.throws(() => bucket.take(11_000, 3), /more than the bucket holds/);
  assert.throws(() => new TokenBucket(0, { capacity: 0, refillTokens: 1, refillIntervalMs: 1 }));
  assert.throws(() => new TokenBucket(0, { capacity: 1, refillTokens: 1, refillIntervalMs: 0 }));
});
