/**
 * PBKDF2-HMAC-SHA256 password records: a known-answer vector, salts, the
 * stored format and its validation, and the real default of 600,000
 * iterations once.
 */

import assert from "node:assert/strict";
import {
  constantTimeEqual,
  DEFAULT_ITERATIONS,
  hashPassword,
  MAX_PASSWORD_BYTES,
  parsePasswordRecord,
  PASSWORD_ALGORITHM,
  type PasswordRecord,
  PasswordRecordCorrupt,
  pbkdf2Sha256,
  UnacceptablePassword,
  verifyPassword,
} from "../../src/server/password_hash.ts";
import { FAST } from "./_temporary.ts";

function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.test("pbkdf2Sha256 matches RFC 7914's PBKDF2-HMAC-SHA256 vector", async () => {
  const derived = await pbkdf2Sha256("passwd", new TextEncoder().encode("salt"), 1);
  assert.equal(hex(derived), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
});

Deno.test("a record verifies its own password and no other", async () => {
  const record = await hashPassword("correct horse battery staple", FAST);
  assert.equal(record.algorithm, PASSWORD_ALGORITHM);
  assert.equal(record.iterations, FAST.iterations);
  assert.equal(record.salt.length, 16);
  assert.equal(record.hash.length, 32);
  assert.equal(await verifyPassword("correct horse battery staple", record), true);
  assert.equal(await verifyPassword("correct horse battery stapl", record), false);
  assert.equal(await verifyPassword("Correct horse battery staple", record), false);
  assert.equal(await verifyPassword("", record), false);
});

Deno.test("every record gets its own random salt", async () => {
  const [first, second] = await Promise.all([
    hashPassword("same", FAST),
    hashPassword("same", FAST),
  ]);
  assert.notDeepEqual(first!.salt, second!.salt);
  assert.notDeepEqual(first!.hash, second!.hash);
  // With the salt injected, the hash is determined.
  const salt = () => new Uint8Array(16).fill(7);
  const a = await hashPassword("same", { ...FAST, randomBytes: salt });
  const b = await hashPassword("same", { ...FAST, randomBytes: salt });
  assert.deepEqual(a.hash, b.hash);
});

Deno.test("passwords are compared in NFC, so composed and decomposed accents match", async () => {
  const record = await hashPassword("caf\u00e9", FAST);
  assert.equal(await verifyPassword("cafe\u0301", record), true);
});

Deno.test("empty and oversized passwords are refused", async () => {
  await assert.rejects(hashPassword("", FAST), UnacceptablePassword);
  await assert.rejects(
    hashPassword("x".repeat(MAX_PASSWORD_BYTES + 1), FAST),
    /longer than 1024 bytes/,
  );
  await hashPassword("x".repeat(MAX_PASSWORD_BYTES), FAST);
  // 512 two-byte characters are 1024 bytes; one more is too many.
  await assert.rejects(hashPassword("é".repeat(513), FAST), UnacceptablePassword);
  const record = await hashPassword("pw", FAST);
  assert.equal(await verifyPassword("x".repeat(1_000_000), record), false);
});

Deno.test("bad iteration counts and salt sources are refused before hashing", async () => {
  for (const iterations of [0, -1, 1.5, Number.NaN, 20_000_000]) {
    await assert.rejects(hashPassword("pw", { iterations }), /iterations/);
  }
  await assert.rejects(
    hashPassword("pw", { ...FAST, randomBytes: () => new Uint8Array(4) }),
    /random source gave 4 bytes/,
  );
});

Deno.test("stored records are validated when read", async () => {
  const record = await hashPassword("pw", FAST);
  // Through a KV round trip, as the server reads them.
  const kv = await Deno.openKv(":memory:");
  try {
    await kv.set(["r"], record);
    const read = parsePasswordRecord((await kv.get(["r"])).value);
    assert.deepEqual(read, record);
    assert.equal(await verifyPassword("pw", read), true);
  } finally {
    kv.close();
  }
  assert.deepEqual(parsePasswordRecord({ ...record, extra: 1 }), record);
  const broken: Array<[unknown, RegExp]> = [
    [null, /not a record/],
    [[record], /not a record/],
    ["pbkdf2-sha256$600000$...", /not a record/],
    [{ ...record, algorithm: "md5" }, /algorithm/],
    [{ ...record, iterations: 0 }, /iteration count/],
    [{ ...record, iterations: 1.5 }, /iteration count/],
    [{ ...record, iterations: "600000" }, /iteration count/],
    [{ ...record, iterations: 1e12 }, /iteration count/],
    [{ ...record, salt: new Uint8Array(8) }, /salt/],
    [{ ...record, salt: [...record.salt] }, /salt/],
    [{ ...record, hash: record.hash.subarray(0, 31) }, /hash is not 32 bytes/],
    [{ ...record, hash: undefined }, /hash/],
  ];
  for (const [value, reason] of broken) {
    assert.throws(() => parsePasswordRecord(value, "the test record"), (error) => {
      assert.ok(error instanceof PasswordRecordCorrupt);
      assert.match(error.message, /^Cannot use the test record: /);
      assert.match(error.message, reason);
      return true;
    });
  }
});

Deno.test("constantTimeEqual compares whole arrays", () => {
  assert.equal(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])), true);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])), false);
  assert.equal(constantTimeEqual(new Uint8Array([0, 2, 3]), new Uint8Array([1, 2, 3])), false);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3])), false);
  assert.equal(constantTimeEqual(new Uint8Array(), new Uint8Array()), true);
});

Deno.test("the default is 600,000 iterations, and it works", async () => {
  const record: PasswordRecord = await hashPassword("the real thing");
  assert.equal(record.iterations, DEFAULT_ITERATIONS);
  assert.equal(DEFAULT_ITERATIONS, 600_000);
  assert.equal(await verifyPassword("the real thing", record), true);
  assert.equal(await verifyPassword("the real thinG", record), false);
});
