/**
 * Uploads read back byte for byte: empty, one byte, exactly one chunk, one
 * byte over, and a few random mebibytes; known and unknown sizes; downloads
 * from an offset; what lands on disk and in KV.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileKey, MAX_READ_BYTES } from "../../src/server/files/mod.ts";
import {
  CHUNK,
  LIMITS,
  listDirectory,
  MiB,
  randomBytes,
  readAll,
  request,
  sha256,
  uploadAll,
  withFileStore,
} from "./_store.ts";

for (const length of [0, 1, CHUNK, CHUNK + 1, 3 * MiB + 12_345]) {
  Deno.test(`${length} bytes go up and come back identical`, async () => {
    await withFileStore(async ({ store, directory, clock, kv }) => {
      const data = randomBytes(length);
      const info = await uploadAll(store, request("data.bin", { size: length }), data);
      assert.equal(info.complete, true);
      assert.equal(info.size, length);
      assert.equal(info.stored, length);
      assert.deepEqual(info.sha256, await sha256(data));
      assert.equal(info.expiresAt, clock.time + LIMITS.ttlMs);
      assert.equal(store.usedBytes, length);
      assert.deepEqual(await listDirectory(directory), [info.fileId]);
      assert.deepEqual(await Deno.readFile(join(directory, info.fileId)), data);
      const record = (await kv.get(fileKey(info.fileId))).value as Record<string, unknown>;
      assert.equal(record.complete, true);
      assert.equal(record.size, length);
      assert.deepEqual(await readAll(await store.openDownload(info.fileId, "bob", 0)), data);
      // Reads larger than the cap come in capped pieces.
      const reader = await store.openDownload(info.fileId, "ada", 0);
      const first = await reader.read(10 * MiB);
      assert.equal(first?.length ?? 0, Math.min(length, MAX_READ_BYTES) || 0);
      await reader.close();
    });
  });
}

Deno.test("an upload of unknown size gets its size at the end", async () => {
  await withFileStore(async ({ store }) => {
    const data = randomBytes(CHUNK * 2 + 7);
    const started = await store.beginUpload(request("stdin"));
    assert.equal(started.upload.info.size, undefined);
    assert.equal(started.offset, 0);
    assert.equal(started.resumed, false);
    assert.equal(await started.upload.write(0, data.subarray(0, CHUNK)), CHUNK);
    assert.equal(store.usedBytes, CHUNK);
    await started.upload.write(CHUNK, data.subarray(CHUNK));
    const info = await started.upload.finish(data.length, await sha256(data));
    assert.equal(info.size, data.length);
    assert.deepEqual(await readAll(await store.openDownload(info.fileId, "bob", 0)), data);
  });
});

Deno.test("a download from an offset gets the rest, and from the end gets nothing", async () => {
  await withFileStore(async ({ store }) => {
    const data = randomBytes(CHUNK + 100);
    const { fileId } = await uploadAll(store, request("a"), data);
    assert.deepEqual(
      await readAll(await store.openDownload(fileId, "bob", 1000)),
      data.slice(1000),
    );
    assert.deepEqual(
      await readAll(await store.openDownload(fileId, "bob", data.length)),
      new Uint8Array(),
    );
  });
});

Deno.test("the id is 10 characters of the alphabet and the .part is gone", async () => {
  await withFileStore(async ({ store, directory }) => {
    const started = await store.beginUpload(request("a", { size: 3 }));
    const { fileId } = started.upload.info;
    assert.match(fileId, /^[0-9abcdefghjkmnpqrstvwxyz]{10}$/);
    assert.deepEqual(await listDirectory(directory), [`${fileId}.part`]);
    // Private to the server's user.
    assert.equal((await Deno.stat(join(directory, `${fileId}.part`))).mode! & 0o777, 0o600);
    await started.upload.write(0, new Uint8Array([1, 2, 3]));
    await started.upload.finish(3, await sha256(new Uint8Array([1, 2, 3])));
    assert.deepEqual(await listDirectory(directory), [fileId]);
  });
});

Deno.test("a colliding random id is skipped for a fresh one", async () => {
  const sequence = [new Uint8Array(10), new Uint8Array(10), new Uint8Array(10).fill(1)];
  let call = 0;
  await withFileStore(async ({ store }) => {
    const first = await store.beginUpload(request("a"));
    const second = await store.beginUpload(request("b"));
    assert.equal(first.upload.info.fileId, "0000000000");
    assert.equal(second.upload.info.fileId, "1111111111");
  }, { randomBytes: () => sequence[Math.min(call++, sequence.length - 1)]!.slice() });
});
