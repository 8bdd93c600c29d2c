/**
 * Failed-attempt limits with a fake clock: the growing delays, what a
 * success resets, forgetting, and bounded memory under a flood of addresses.
 */

import assert from "node:assert/strict";
import {
  ACCOUNT_BACKOFF,
  ADDRESS_BACKOFF,
  backoffDelayMs,
  CredentialAttemptLimiter,
  FailureLimiter,
} from "../../src/server/rate_limits.ts";

Deno.test("after 3 failures the delay is 1 s, doubling to at most 5 min", () => {
  const delays = Array.from({ length: 14 }, (_, index) => backoffDelayMs(index, ACCOUNT_BACKOFF));
  assert.deepEqual(delays, [
    0,
    0,
    0,
    1_000,
    2_000,
    4_000,
    8_000,
    16_000,
    32_000,
    64_000,
    128_000,
    256_000,
    300_000,
    300_000,
  ]);
  assert.equal(backoffDelayMs(10_000, ACCOUNT_BACKOFF), 300_000);
});

Deno.test("a failure limiter enforces the delays on one key and not on others", () => {
  const limiter = new FailureLimiter();
  let now = 0;
  assert.equal(limiter.recordFailure("ada", now), 0);
  assert.equal(limiter.recordFailure("ada", now), 0);
  assert.equal(limiter.retryAfterMs("ada", now), 0);
  assert.equal(limiter.recordFailure("ada", now), 1_000);
  assert.equal(limiter.retryAfterMs("ada", now + 400), 600);
  assert.equal(limiter.retryAfterMs("bob", now), 0);
  now += 1_000;
  assert.equal(limiter.retryAfterMs("ada", now), 0);
  assert.equal(limiter.recordFailure("ada", now), 2_000);
  now += 2_000;
  assert.equal(limiter.recordFailure("ada", now), 4_000);
  // Keep failing as soon as allowed: the delay stops growing at 5 min.
  for (let failure = 0; failure < 20; failure++) now += limiter.recordFailure("ada", now);
  assert.equal(limiter.retryAfterMs("ada", now - 1), 1);
  assert.equal(limiter.recordFailure("ada", now), 300_000);
  limiter.recordSuccess("ada");
  assert.equal(limiter.retryAfterMs("ada", now), 0);
  assert.equal(limiter.recordFailure("ada", now), 0);
});

Deno.test("a key quiet for an hour is forgotten and starts again from no delay", () => {
  const limiter = new FailureLimiter();
  for (let failure = 0; failure < 5; failure++) limiter.recordFailure("ada", 0);
  assert.equal(limiter.retryAfterMs("ada", 0), 4_000);
  assert.equal(limiter.retryAfterMs("ada", ACCOUNT_BACKOFF.forgetAfterMs - 1), 0);
  assert.equal(limiter.size, 1);
  assert.equal(limiter.retryAfterMs("ada", ACCOUNT_BACKOFF.forgetAfterMs), 0);
  assert.equal(limiter.size, 0);
  assert.equal(limiter.recordFailure("ada", ACCOUNT_BACKOFF.forgetAfterMs), 0);
});

Deno.test("a clock going backwards never shortens a delay", () => {
  const limiter = new FailureLimiter({ failuresBeforeDelay: 1 });
  assert.equal(limiter.recordFailure("ada", 10_000), 1_000);
  assert.equal(limiter.recordFailure("ada", 5_000), 7_000);
  assert.equal(limiter.retryAfterMs("ada", 11_999), 1);
});

Deno.test("a flood from a million addresses is held in bounded memory", () => {
  const limiter = new CredentialAttemptLimiter();
  const started = performance.now();
  for (let index = 0; index < 1_000_000; index++) {
    const address = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}:${index}`;
    limiter.recordFailure({ account: "ada", address }, index);
  }
  assert.ok(limiter.addresses.size <= ADDRESS_BACKOFF.maxEntries);
  assert.ok(limiter.addresses.size >= ADDRESS_BACKOFF.maxEntries / 2);
  assert.equal(limiter.accounts.size, 1);
  // The account under attack is at the longest delay from its last failure, at 999,999.
  assert.equal(limiter.retryAfterMs({ account: "ada", address: "192.0.2.1" }, 1_000_000), 299_999);
  assert.ok(performance.now() - started < 10_000);
  // Hostile keys of any length take bounded space.
  const small = new FailureLimiter({ maxEntries: 3 });
  for (let index = 0; index < 10; index++) small.recordFailure(`${index}`.repeat(100_000), 0);
  assert.ok(small.size <= 3);
});

Deno.test("when full, the keys whose last failure is oldest go first", () => {
  // Two generations of 2 keys each.
  const limiter = new FailureLimiter({ maxEntries: 4, failuresBeforeDelay: 1 });
  limiter.recordFailure("a", 0);
  limiter.recordFailure("b", 1);
  limiter.recordFailure("c", 2); // current full: {a, b} become the previous generation
  limiter.recordFailure("a", 3); // a moves back to the current one: {c, a}
  assert.equal(limiter.size, 3);
  limiter.recordFailure("d", 4); // current full again: {c, a} previous, b dropped
  assert.equal(limiter.size, 3);
  assert.equal(limiter.retryAfterMs("b", 4), 0);
  for (const key of ["a", "c", "d"]) assert.ok(limiter.retryAfterMs(key, 4) > 0, key);
  for (let index = 0; index < 100; index++) limiter.recordFailure(`flood ${index}`, 5);
  assert.ok(limiter.size <= 4);
});

Deno.test("keys quiet for an hour are dropped within two hours, without lookups", () => {
  const limiter = new FailureLimiter();
  const hour = ACCOUNT_BACKOFF.forgetAfterMs;
  for (let index = 0; index < 100; index++) limiter.recordFailure(`old ${index}`, 0);
  limiter.recordFailure("mid", hour / 2);
  // An hour on, the generation holding them is an hour old and becomes the
  // previous one: still held, though the old keys are already forgotten...
  limiter.recordFailure("new 1", hour);
  assert.equal(limiter.size, 102);
  assert.equal(limiter.retryAfterMs("old 1", hour), 0);
  // ...and an hour after that they are dropped whole, with everything else
  // that is forgotten by then.
  limiter.recordFailure("new 2", 2 * hour);
  assert.equal(limiter.size, 1);
  assert.equal(limiter.recordFailure("new 2", 2 * hour), 0);
  // After a long silence, everything goes at once.
  limiter.recordFailure("new 3", 10 * hour);
  assert.equal(limiter.size, 1);
});

Deno.test("accounts and addresses are limited together; success resets only the account", () => {
  const limiter = new CredentialAttemptLimiter();
  const mallory = "198.51.100.7";
  // One address guessing at many accounts: each account sees one failure,
  // the address sees them all and is slowed after 10.
  for (let index = 0; index < 9; index++) {
    assert.equal(limiter.recordFailure({ account: `user${index}`, address: mallory }, 0), 0);
  }
  assert.equal(limiter.recordFailure({ account: "user9", address: mallory }, 0), 1_000);
  assert.equal(limiter.retryAfterMs({ account: "someone", address: mallory }, 0), 1_000);
  assert.equal(limiter.retryAfterMs({ account: "user1", address: "203.0.113.5" }, 0), 0);
  // Many addresses guessing at one account: slowed after 3.
  for (let index = 0; index < 3; index++) {
    limiter.recordFailure({ account: "ada", address: `203.0.113.${index}` }, 0);
  }
  assert.equal(limiter.retryAfterMs({ account: "ada", address: "203.0.113.99" }, 0), 1_000);
  // Mallory logs in to her own account: her account is cleared, her address is not.
  limiter.recordSuccess({ account: "mallory", address: mallory });
  assert.equal(limiter.retryAfterMs({ account: "mallory", address: mallory }, 0), 1_000);
  limiter.recordSuccess({ account: "ada", address: "203.0.113.0" });
  assert.equal(limiter.retryAfterMs({ account: "ada", address: "203.0.113.99" }, 0), 0);
});

Deno.test("bad limiter configurations are refused", () => {
  assert.throws(() => new FailureLimiter({ maxEntries: 1 }), /maxEntries/);
  assert.throws(
    () => new FailureLimiter({ forgetAfterMs: 1_000, maxDelayMs: 2_000 }),
    /forgetAfterMs/,
  );
});
