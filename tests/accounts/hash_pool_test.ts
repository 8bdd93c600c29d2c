/**
 * The hashing pool: at most `concurrency` tasks at once, a bounded FIFO
 * queue, "busy" beyond it; and real PBKDF2 hashes through it leave the event
 * loop free (WebCrypto derives off the main thread).
 */

import assert from "node:assert/strict";
import { defaultHashConcurrency, HashPool, HashPoolBusy } from "../../src/server/hash_pool.ts";
import { hashPassword } from "../../src/server/password_hash.ts";

/** A task that runs until the test releases it. */
function gate(): {
  task: () => Promise<string>;
  started: boolean;
  release: (value: string) => void;
} {
  let release!: (value: string) => void;
  const promise = new Promise<string>((resolve) => release = resolve);
  const control = {
    started: false,
    release,
    task: () => {
      control.started = true;
      return promise;
    },
  };
  return control;
}

/** Lets queued promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("at most `concurrency` tasks run; a bounded queue waits; the rest are refused", async () => {
  const pool = new HashPool({ concurrency: 2, maxQueued: 3 });
  const gates = Array.from({ length: 5 }, gate);
  const results = gates.map((control) => pool.run(control.task));
  await settle();
  assert.deepEqual(gates.map((control) => control.started), [true, true, false, false, false]);
  assert.equal(pool.running, 2);
  assert.equal(pool.queued, 3);
  await assert.rejects(pool.run(() => Promise.resolve("late")), (error) => {
    assert.ok(error instanceof HashPoolBusy);
    assert.equal(error.message, "Cannot check the password now: busy, retry later");
    return true;
  });
  assert.equal(pool.refused, 1);
  // Finishing the second lets the third (the oldest waiting) start, and only it.
  gates[1]!.release("b");
  assert.equal(await results[1], "b");
  await settle();
  assert.deepEqual(gates.map((control) => control.started), [true, true, true, false, false]);
  assert.equal(pool.running, 2);
  assert.equal(pool.queued, 2);
  for (const [index, control] of gates.entries()) control.release(`task ${index}`);
  assert.deepEqual(await Promise.all(results), ["task 0", "b", "task 2", "task 3", "task 4"]);
  assert.equal(pool.running, 0);
  assert.equal(pool.queued, 0);
});

Deno.test("a failing task frees its slot", async () => {
  const pool = new HashPool({ concurrency: 1, maxQueued: 1 });
  const failing = pool.run(() => Promise.reject(new Error("boom")));
  const next = pool.run(() => Promise.resolve("next"));
  await assert.rejects(failing, /boom/);
  assert.equal(await next, "next");
  const throwsAtOnce = pool.run(() => {
    throw new Error("sync boom");
  });
  await assert.rejects(throwsAtOnce, /sync boom/);
  assert.equal(pool.running, 0);
});

Deno.test("a pool with no queue refuses whatever finds every slot taken", async () => {
  const pool = new HashPool({ concurrency: 1, maxQueued: 0 });
  const first = gate();
  const running = pool.run(first.task);
  await assert.rejects(pool.run(() => Promise.resolve(1)), HashPoolBusy);
  first.release("done");
  assert.equal(await running, "done");
  assert.equal(await pool.run(() => Promise.resolve(2)), 2);
});

Deno.test("bad sizes are refused; the default concurrency is one per core, 1 to 4", () => {
  assert.throws(() => new HashPool({ concurrency: 0 }), /concurrency/);
  assert.throws(() => new HashPool({ concurrency: 1.5 }), /concurrency/);
  assert.throws(() => new HashPool({ maxQueued: -1 }), /maxQueued/);
  const concurrency = defaultHashConcurrency();
  assert.ok(concurrency >= 1 && concurrency <= 4);
  assert.equal(concurrency, Math.max(1, Math.min(4, navigator.hardwareConcurrency)));
});

Deno.test("real 600,000-iteration hashes through the pool leave the event loop free", async () => {
  const pool = new HashPool({ concurrency: 2, maxQueued: 16 });
  let longestGapMs = 0;
  let ticks = 0;
  let hashing = true;
  let last = performance.now();
  const ticker = (async () => {
    while (hashing) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      ticks++;
    }
  })();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 6 }, (_, index) => pool.run(() => hashPassword(`password ${index}`))),
  );
  const elapsedMs = performance.now() - started;
  hashing = false;
  await ticker;
  // Six hashes of ~80 ms, two at a time: a quarter second or more of work,
  // during which 1 ms timers kept firing. Were the hashing on the event
  // loop, the longest gap would be a whole hash (~80 ms or more).
  assert.ok(elapsedMs > 150, `hashing took ${elapsedMs} ms`);
  assert.ok(longestGapMs < 50, `the event loop stalled for ${longestGapMs} ms`);
  assert.ok(ticks > elapsedMs / 10, `${ticks} timer ticks in ${elapsedMs} ms`);
});
