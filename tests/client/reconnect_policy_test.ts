/** Reconnect backoff: doubling from 250 ms to 8 s, with +/- 25 % jitter. */

import assert from "node:assert/strict";
import { DEFAULT_RECONNECT_POLICY, reconnectDelay } from "../../src/client/reconnect_policy.ts";

Deno.test("the delay doubles up to the cap; jitter spans +/- 25 %", () => {
  const middle = () => 0.5;
  const delays = Array.from(
    { length: 8 },
    (_, n) => reconnectDelay(n, DEFAULT_RECONNECT_POLICY, middle),
  );
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
  assert.equal(reconnectDelay(0, DEFAULT_RECONNECT_POLICY, () => 0), 188);
  assert.equal(reconnectDelay(0, DEFAULT_RECONNECT_POLICY, () => 0.999999), 312);
  assert.equal(reconnectDelay(1000, DEFAULT_RECONNECT_POLICY, middle), 8000, "no overflow");
  assert.equal(DEFAULT_RECONNECT_POLICY.giveUpAfterMs, 120_000);
});
