/**
 * Opening the store on what a previous run (clean or crashed) left: records
 * whose data is gone are dropped, leftovers named like ids are deleted,
 * anything else is left alone, partial uploads stay resumable, and the
 * storage count is rebuilt from what was kept.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileKey, resumeIndexKey } from "../../src/server/files/mod.ts";
import { listDirectory, randomBytes, request, sha256, uploadAll, withFileStore } from "./_store.ts";

Deno.test("open drops what lost its data and deletes leftovers named like ids", async () => {
  await withFileStore(async ({ store, reopen, directory, kv, clock }) => {
    const data = randomBytes(1000);
    const kept = await uploadAll(store, request("kept"), data);
    clock.time += 1; // Lists are ordered by offer time; after a reload, nothing else.
    const lost = await uploadAll(store, request("lost"), data);
    const shrunk = await uploadAll(store, request("shrunk"), data);
    const partial = await store.beginUpload(request("partial", { resumeKey: new Uint8Array(16) }));
    await partial.upload.write(0, data.subarray(0, 300));
    await partial.upload.detach();
    const vanished = await store.beginUpload(
      request("vanished", { resumeKey: new Uint8Array(16).fill(1) }),
    );
    await vanished.upload.detach();
    await store.close();

    await Deno.remove(join(directory, lost.fileId));
    await Deno.truncate(join(directory, shrunk.fileId), 999);
    await Deno.remove(join(directory, `${vanished.upload.info.fileId}.part`));
    // Leftovers named like ids, with no record.
    await Deno.writeFile(join(directory, "abcdefghjk.part"), data);
    await Deno.writeFile(join(directory, "abcdefghjm"), data);
    await Deno.writeFile(join(directory, `${kept.fileId}.part`), data);
    // Not ours: left alone.
    await Deno.writeFile(join(directory, "notes.txt"), data);
    await Deno.writeFile(join(directory, "not-an-id.part"), data);
    await Deno.writeFile(join(directory, "ABCDEFGHJK"), data);
    await Deno.mkdir(join(directory, "abcdefghjn"));
    // A damaged record and a stale resume index entry.
    await kv.set(fileKey("0123456789"), { fileId: "0123456789", name: 42 });
    await Deno.writeFile(join(directory, "0123456789"), data);
    await kv.set(resumeIndexKey("eve", "00".repeat(16)), "zzzzzzzzzz");

    const restarted = await reopen();
    assert.deepEqual(restarted.recovery, { keptFiles: 2, droppedRecords: 4, deletedFiles: 5 });
    assert.deepEqual(
      await listDirectory(directory),
      [
        "ABCDEFGHJK",
        "abcdefghjn",
        kept.fileId,
        `${partial.upload.info.fileId}.part`,
        "not-an-id.part",
        "notes.txt",
      ].sort(),
    );
    assert.deepEqual(
      restarted.list("ada").map((file) => [file.name, file.stored, file.complete]),
      [["kept", 1000, true], ["partial", 300, false]],
    );
    assert.equal(restarted.usedBytes, 1300);
    const records = await Array.fromAsync(kv.list({ prefix: ["files"] }));
    assert.deepEqual(
      records.map((entry) => entry.key[1]).sort(),
      [kept.fileId, partial.upload.info.fileId].sort(),
    );
    const index = await Array.fromAsync(kv.list({ prefix: ["fileResume"] }));
    assert.deepEqual(index.map((entry) => entry.value), [partial.upload.info.fileId]);

    // The partial one is still resumable where it stopped.
    const resumed = await restarted.beginUpload(
      request("partial", { resumeKey: new Uint8Array(16) }),
    );
    assert.equal(resumed.offset, 300);
    await resumed.upload.write(300, data.subarray(300));
    const done = await resumed.upload.finish(1000, await sha256(data));
    assert.equal(done.complete, true);
  });
});

Deno.test("a crash between the rename and the record's update leaves no final file", async () => {
  await withFileStore(async ({ store, reopen, directory }) => {
    const started = await store.beginUpload(request("a"));
    await started.upload.write(0, new Uint8Array(10));
    await store.close();
    const { fileId } = started.upload.info;
    // As if the rename happened and the process died before KV said "complete".
    await Deno.rename(join(directory, `${fileId}.part`), join(directory, fileId));
    const restarted = await reopen();
    assert.deepEqual(restarted.recovery, { keptFiles: 0, droppedRecords: 1, deletedFiles: 1 });
    assert.deepEqual(await listDirectory(directory), []);
    assert.deepEqual(restarted.list("ada"), []);
  });
});

Deno.test("a missing resume index entry is restored on open", async () => {
  await withFileStore(async ({ store, reopen, kv }) => {
    const key = new Uint8Array(16).fill(0xab);
    const started = await store.beginUpload(request("a", { resumeKey: key }));
    await started.upload.write(0, new Uint8Array(10));
    await started.upload.detach();
    await store.close();
    await kv.delete(resumeIndexKey("ada", "ab".repeat(16)));
    const restarted = await reopen();
    assert.equal(
      (await kv.get(resumeIndexKey("ada", "ab".repeat(16)))).value,
      started.upload.info.fileId,
    );
    assert.equal((await restarted.beginUpload(request("a", { resumeKey: key }))).offset, 10);
  });
});

Deno.test("a stray file under a fresh id's name makes the store pick another id", async () => {
  const ids = [new Uint8Array(10), new Uint8Array(10).fill(2)];
  let call = 0;
  await withFileStore(async ({ store, directory }) => {
    // Appears after open (open would have deleted it).
    await Deno.writeFile(join(directory, "0000000000"), new Uint8Array(1));
    const started = await store.beginUpload(request("a"));
    assert.equal(started.upload.info.fileId, "2222222222");
    assert.deepEqual(await Deno.readFile(join(directory, "0000000000")), new Uint8Array(1));
  }, { randomBytes: () => ids[Math.min(call++, ids.length - 1)]!.slice() });
});
