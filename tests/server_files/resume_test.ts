/**
 * Resumable uploads: a detached upload (or one cut off by a crash) goes on
 * from the bytes on disk, through a new store on the same data as after a
 * restart, and ends with the right hash; a rerun takes over an upload still
 * attached; a key naming a different file starts afresh; an upload without
 * a key does not survive its connection.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileKey, FileRefused, resumeIndexKey } from "../../src/server/files/mod.ts";
import {
  CHUNK,
  LIMITS,
  listDirectory,
  randomBytes,
  readAll,
  request,
  sha256,
  withFileStore,
} from "./_store.ts";

const KEY = new Uint8Array(16).map((_, index) => index + 1);
const KEY_HEX = "0102030405060708090a0b0c0d0e0f10";

Deno.test("a detached upload resumes in a restarted store and completes", async () => {
  await withFileStore(async ({ store, reopen, clock, kv, directory }) => {
    const data = randomBytes(3 * CHUNK + 5);
    const first = await store.beginUpload(request("a.bin", { size: data.length, resumeKey: KEY }));
    const { fileId } = first.upload.info;
    assert.equal((await kv.get(resumeIndexKey("ada", KEY_HEX))).value, fileId);
    await first.upload.write(0, data.subarray(0, CHUNK));
    await first.upload.write(CHUNK, data.subarray(CHUNK, CHUNK + 1000));
    clock.time += 5_000;
    await first.upload.detach();
    // Kept, and set to expire if its sender never comes back.
    assert.deepEqual(await listDirectory(directory), [`${fileId}.part`]);
    const stored = (await kv.get(fileKey(fileId))).value as { expiresAt: number };
    assert.equal(stored.expiresAt, clock.time + LIMITS.ttlMs);
    await assert.rejects(first.upload.write(CHUNK + 1000, new Uint8Array(1)), FileRefused);
    await store.close();

    clock.time += 1_000;
    const restarted = await reopen();
    assert.deepEqual(restarted.recovery, { keptFiles: 1, droppedRecords: 0, deletedFiles: 0 });
    assert.equal(restarted.usedBytes, data.length);
    assert.equal(restarted.info(fileId, "bob")?.stored, CHUNK + 1000);
    const again = await restarted.beginUpload(
      request("a.bin", { size: data.length, resumeKey: KEY }),
    );
    assert.equal(again.resumed, true);
    assert.equal(again.offset, CHUNK + 1000);
    assert.equal(again.upload.info.fileId, fileId);
    assert.equal(again.upload.info.expiresAt, clock.time + LIMITS.ttlMs);
    for (let offset = again.offset; offset < data.length; offset += CHUNK) {
      await again.upload.write(offset, data.subarray(offset, offset + CHUNK));
    }
    const info = await again.upload.finish(data.length, await sha256(data));
    assert.deepEqual(info.sha256, await sha256(data));
    assert.deepEqual(await readAll(await restarted.openDownload(fileId, "bob", 0)), data);
    // The key is free again: the same key now starts a new upload.
    assert.equal((await kv.get(resumeIndexKey("ada", KEY_HEX))).versionstamp, null);
    const fresh = await restarted.beginUpload(request("a.bin", { resumeKey: KEY, size: 1 }));
    assert.equal(fresh.resumed, false);
    assert.notEqual(fresh.upload.info.fileId, fileId);
  });
});

Deno.test("an upload cut off by a crash resumes from the bytes on disk", async () => {
  await withFileStore(async ({ store, reopen, directory }) => {
    const data = randomBytes(2 * CHUNK);
    const first = await store.beginUpload(request("a", { resumeKey: KEY }));
    const { fileId } = first.upload.info;
    await first.upload.write(0, data.subarray(0, CHUNK));
    // No detach, no close: the process died. Half a chunk more reached the disk.
    await Deno.writeFile(join(directory, `${fileId}.part`), data.subarray(CHUNK, CHUNK + 300), {
      append: true,
    });
    const restarted = await reopen();
    const again = await restarted.beginUpload(request("a", { resumeKey: KEY }));
    assert.equal(again.offset, CHUNK + 300);
    await again.upload.write(again.offset, data.subarray(again.offset));
    const info = await again.upload.finish(data.length, await sha256(data));
    assert.equal(info.complete, true);
    assert.deepEqual(await Deno.readFile(join(directory, fileId)), data);
  });
});

Deno.test("a rerun takes over the upload a dead connection still holds", async () => {
  await withFileStore(async ({ store }) => {
    const data = randomBytes(CHUNK + 10);
    const old = await store.beginUpload(request("a", { resumeKey: KEY }));
    await old.upload.write(0, data.subarray(0, CHUNK));
    const rerun = await store.beginUpload(request("a", { resumeKey: KEY }));
    assert.equal(rerun.resumed, true);
    assert.equal(rerun.offset, CHUNK);
    // The old connection's late chunk is refused and harms nothing.
    await assert.rejects(
      old.upload.write(CHUNK, new Uint8Array(10)),
      (error) => error instanceof FileRefused && error.code === "uploadFailed",
    );
    await old.upload.detach();
    await rerun.upload.write(CHUNK, data.subarray(CHUNK));
    const info = await rerun.upload.finish(data.length, await sha256(data));
    assert.equal(info.stored, data.length);
  });
});

Deno.test("a resume key with another name, size or recipient starts afresh", async () => {
  await withFileStore(async ({ store, directory }) => {
    const first = await store.beginUpload(request("a", { size: 10, resumeKey: KEY }));
    await first.upload.write(0, new Uint8Array(4));
    await first.upload.detach();
    const changes = [
      { name: "b", size: 10 },
      { name: "b", size: 11 },
      { name: "b", size: 11, to: "Bob", toAccount: "bob" },
    ];
    let previous = first.upload.info.fileId;
    for (const change of changes) {
      const started = await store.beginUpload(request(change.name, { ...change, resumeKey: KEY }));
      assert.equal(started.resumed, false);
      assert.equal(started.offset, 0);
      assert.equal(store.info(previous, "ada"), undefined);
      previous = started.upload.info.fileId;
      await started.upload.detach();
    }
    assert.deepEqual(await listDirectory(directory), [`${previous}.part`]);
  });
});

Deno.test("another sender's upload with the same key is not resumed", async () => {
  await withFileStore(async ({ store }) => {
    const ada = await store.beginUpload(request("a", { resumeKey: KEY }));
    await ada.upload.write(0, new Uint8Array(4));
    await ada.upload.detach();
    const bob = await store.beginUpload(
      request("a", { resumeKey: KEY, senderAccount: "bob", sender: "Bob" }),
    );
    assert.equal(bob.resumed, false);
    assert.equal(store.info(ada.upload.info.fileId, "ada")?.stored, 4);
  });
});

Deno.test("an upload without a resume key is deleted when its connection goes", async () => {
  await withFileStore(async ({ store, directory, kv }) => {
    const { upload } = await store.beginUpload(request("a", { size: 100 }));
    await upload.write(0, new Uint8Array(50));
    await upload.detach();
    assert.deepEqual(await listDirectory(directory), []);
    assert.equal((await kv.get(fileKey(upload.info.fileId))).versionstamp, null);
    assert.equal(store.usedBytes, 0);
    assert.deepEqual(store.list("ada"), []);
  });
});
