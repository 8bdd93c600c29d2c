/**
 * Unit tests of the address-validation tokens (src/secure/retry_token.ts):
 * valid only for the address and client id they were issued to, within
 * their lifetime, under the current or the previous secret, and never once
 * altered.
 */

import assert from "node:assert/strict";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import { RetryTokens, TOKEN_LENGTH, TOKEN_LIFETIME_MS } from "../../src/secure/retry_token.ts";
import { flipped, utf8 } from "./_session.ts";

const ADDRESS = "10.0.0.1|40000";
const CLIENT_ID = 0x1234_5678;

/** Seeded secrets, with a record of each one handed out. */
function secrets(seed: number) {
  const random = new Mulberry32(seed);
  const issued: Uint8Array[] = [];
  const randomBytes = (length: number) => {
    const bytes = Uint8Array.from({ length }, () => random.nextUint32() & 0xff);
    issued.push(bytes);
    return bytes;
  };
  return { randomBytes, issued };
}

Deno.test("a token is valid for its address and client id, and only those", () => {
  const tokens = new RetryTokens(secrets(91).randomBytes, 0);
  const token = tokens.issue(ADDRESS, CLIENT_ID, 1_000);
  assert.equal(token.length, TOKEN_LENGTH);
  assert.ok(tokens.check(token, ADDRESS, CLIENT_ID, 1_000));
  assert.ok(tokens.check(token, ADDRESS, CLIENT_ID, 5_000), "more than once, within the lifetime");
  assert.equal(tokens.check(token, "10.0.0.1|40001", CLIENT_ID, 1_000), false, "another port");
  assert.equal(tokens.check(token, "10.0.0.2|40000", CLIENT_ID, 1_000), false, "another host");
  assert.equal(tokens.check(token, ADDRESS, CLIENT_ID + 1, 1_000), false, "another client id");
  const other = new RetryTokens(secrets(92).randomBytes, 0);
  assert.equal(other.check(token, ADDRESS, CLIENT_ID, 1_000), false, "another server's secret");
});

Deno.test("a token expires after its lifetime, counted from the second it was issued in", () => {
  const tokens = new RetryTokens(secrets(93).randomBytes, 0);
  for (const issuedAt of [0, 500, 999]) {
    const token = tokens.issue(ADDRESS, CLIENT_ID, issuedAt);
    assert.ok(tokens.check(token, ADDRESS, CLIENT_ID, issuedAt + TOKEN_LIFETIME_MS - 1));
    assert.ok(tokens.check(token, ADDRESS, CLIENT_ID, TOKEN_LIFETIME_MS + 999), "10 s 999 ms");
    assert.equal(tokens.check(token, ADDRESS, CLIENT_ID, TOKEN_LIFETIME_MS + 1_000), false);
    assert.equal(tokens.check(token, ADDRESS, CLIENT_ID, 60_000), false);
  }
  const fromTheFuture = tokens.issue(ADDRESS, CLIENT_ID, 5_000);
  assert.equal(tokens.check(fromTheFuture, ADDRESS, CLIENT_ID, 3_000), false, "issued later");
});

Deno.test("rotating the secret keeps the previous one valid, and only that one", () => {
  const { randomBytes, issued } = secrets(94);
  const tokens = new RetryTokens(randomBytes, 0);
  const beforeRotation = tokens.issue(ADDRESS, CLIENT_ID, 19_500);
  assert.equal(issued.length, 1);
  const afterRotation = tokens.issue(ADDRESS, CLIENT_ID, 2 * TOKEN_LIFETIME_MS + 100);
  assert.equal(issued.length, 2, "a new secret every two lifetimes");
  assert.ok(tokens.check(beforeRotation, ADDRESS, CLIENT_ID, 21_000), "the previous secret");
  assert.ok(tokens.check(afterRotation, ADDRESS, CLIENT_ID, 21_000));

  // A token made under the first secret with a fresh time (as the module
  // documents: u32 seconds, then 16 bytes of HMAC-SHA256 over time, address
  // and id): accepted while that secret is current or previous, refused after
  // the second rotation.
  const forge = (secret: Uint8Array, seconds: number) => {
    const token = new Uint8Array(TOKEN_LENGTH);
    new DataView(token.buffer).setUint32(0, seconds);
    token.set(hmac(sha256, secret, utf8(`${seconds}|${ADDRESS}|${CLIENT_ID}`)).subarray(0, 16), 4);
    return token;
  };
  assert.ok(tokens.check(forge(issued[0]!, 39), ADDRESS, CLIENT_ID, 39_000), "model matches");
  tokens.issue(ADDRESS, CLIENT_ID, 4 * TOKEN_LIFETIME_MS + 200);
  assert.equal(issued.length, 3);
  assert.ok(tokens.check(forge(issued[1]!, 40), ADDRESS, CLIENT_ID, 40_500), "previous secret");
  assert.equal(tokens.check(forge(issued[0]!, 40), ADDRESS, CLIENT_ID, 40_500), false, "erased");
});

Deno.test("any altered, truncated or extended token is refused", () => {
  const tokens = new RetryTokens(secrets(95).randomBytes, 0);
  const token = tokens.issue(ADDRESS, CLIENT_ID, 2_000);
  for (let bit = 0; bit < TOKEN_LENGTH * 8; bit++) {
    assert.equal(tokens.check(flipped(token, bit), ADDRESS, CLIENT_ID, 2_000), false, `bit ${bit}`);
  }
  assert.equal(tokens.check(token.subarray(0, TOKEN_LENGTH - 1), ADDRESS, CLIENT_ID, 2_000), false);
  const extended = new Uint8Array(TOKEN_LENGTH + 1);
  extended.set(token);
  assert.equal(tokens.check(extended, ADDRESS, CLIENT_ID, 2_000), false);
  assert.equal(tokens.check(new Uint8Array(0), ADDRESS, CLIENT_ID, 2_000), false);
  assert.equal(tokens.check(new Uint8Array(TOKEN_LENGTH), ADDRESS, CLIENT_ID, 2_000), false);
  assert.ok(tokens.check(token, ADDRESS, CLIENT_ID, 2_000), "the original still is");
});
