import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { MochiError, UsageError } from "../../src/errors.ts";
import { HASH_READ_BYTES, hashFilePrefix, sha256Hex } from "../../src/files/hashing.ts";

/** Deterministic bytes that differ from chunk to chunk, so a misplaced read would show. */
function content(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + (index >> 12)) & 0xff;
  return bytes;
}

Deno.test("hashFilePrefix equals hashing the prefix in one go, across chunk boundaries", async () => {
  const bytes = content(2 * HASH_READ_BYTES + 123);
  const path = await Deno.makeTempFile({ prefix: "mochi-hash-" });
  try {
    await Deno.writeFile(path, bytes);
    const lengths = [
      0,
      1,
      4096,
      HASH_READ_BYTES - 1,
      HASH_READ_BYTES,
      HASH_READ_BYTES + 1,
      2 * HASH_READ_BYTES,
      bytes.length,
    ];
    for (const length of lengths) {
      const expected = createHash("sha256").update(bytes.subarray(0, length)).digest("hex");
      const hash = await hashFilePrefix(path, length);
      assert.equal(hash.copy().digest("hex"), expected, `prefix of ${length}`);
      // Resuming: feeding the rest gives the hash of the whole file.
      hash.update(bytes.subarray(length));
      assert.equal(hash.digest("hex"), sha256Hex(bytes), `resumed at ${length}`);
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("hashFilePrefix refuses a file shorter than the prefix and a bad length", async () => {
  const path = await Deno.makeTempFile({ prefix: "mochi-hash-" });
  try {
    await Deno.writeFile(path, content(100));
    await assert.rejects(
      hashFilePrefix(path, 101),
      (error) =>
        error instanceof MochiError &&
        error.message === `Cannot hash the first 101 bytes of ${path}: it holds only 100`,
    );
    for (const length of [-1, 1.5, NaN, Infinity]) {
      await assert.rejects(hashFilePrefix(path, length), UsageError, String(length));
    }
    await assert.rejects(hashFilePrefix(`${path}.missing`, 1), Deno.errors.NotFound);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("sha256Hex gives the standard test vectors", () => {
  assert.equal(
    sha256Hex(new Uint8Array()),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
