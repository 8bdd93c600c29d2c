/**
 * Expiry: a complete file lives `ttl` from its completion, an abandoned
 * partial `ttl` from when its sender went away; the sweep deletes both from
 * disk and KV (not uploads still running), and a download already open
 * reads to the end regardless.
 */

import assert from "node:assert/strict";
import {
  LIMITS,
  listDirectory,
  randomBytes,
  readAll,
  request,
  uploadAll,
  withFileStore,
} from "./_store.ts";

Deno.test("the sweep deletes complete files once their time is up", async () => {
  await withFileStore(async ({ store, clock, directory, kv }) => {
    const data = randomBytes(5000);
    const old = await uploadAll(store, request("old"), data);
    clock.time += 10_000;
    const young = await uploadAll(store, request("young"), data);
    assert.equal(young.expiresAt, clock.time + LIMITS.ttlMs);

    clock.time = old.expiresAt - 1;
    assert.equal(await store.sweep(), 0);
    const reader = await store.openDownload(old.fileId, "bob", 0);
    clock.time = old.expiresAt;
    assert.equal(await store.sweep(), 1);
    assert.deepEqual(await listDirectory(directory), [young.fileId]);
    assert.equal((await kv.get(["files", old.fileId])).versionstamp, null);
    assert.equal(store.info(old.fileId, "ada"), undefined);
    assert.equal(store.usedBytes, data.length);
    // Already open: still reads the whole (unlinked) file.
    assert.deepEqual(await readAll(reader), data);

    clock.time = young.expiresAt;
    assert.equal(await store.sweep(), 1);
    assert.deepEqual(await listDirectory(directory), []);
    assert.equal(store.usedBytes, 0);
  });
});

Deno.test("the sweep deletes abandoned partial uploads, never running ones", async () => {
  await withFileStore(async ({ store, clock, directory, kv }) => {
    const running = await store.beginUpload(request("running", { size: 10 }));
    const abandoned = await store.beginUpload(
      request("abandoned", { size: 10, resumeKey: new Uint8Array(16).fill(3) }),
    );
    await abandoned.upload.write(0, new Uint8Array(4));
    clock.time += 1_000;
    await abandoned.upload.detach();
    clock.time += LIMITS.ttlMs;
    assert.equal(await store.sweep(), 1);
    assert.deepEqual(await listDirectory(directory), [`${running.upload.info.fileId}.part`]);
    assert.deepEqual(await Array.fromAsync(kv.list({ prefix: ["fileResume"] })), []);
    assert.equal(store.usedBytes, 10);
    // The running one is still writable, however old.
    clock.time += 10 * LIMITS.ttlMs;
    assert.equal(await store.sweep(), 0);
    assert.equal(await running.upload.write(0, new Uint8Array(10)), 10);
  });
});

Deno.test("an abandoned partial found on restart expires too", async () => {
  await withFileStore(async ({ store, clock, reopen, directory }) => {
    const started = await store.beginUpload(request("a", { resumeKey: new Uint8Array(16) }));
    await started.upload.write(0, new Uint8Array(4));
    // Crash: no detach. The record still expires ttl after the upload started.
    const restarted = await reopen();
    clock.time += LIMITS.ttlMs - 1;
    assert.equal(await restarted.sweep(), 0);
    clock.time += 1;
    assert.equal(await restarted.sweep(), 1);
    assert.deepEqual(await listDirectory(directory), []);
  });
});
