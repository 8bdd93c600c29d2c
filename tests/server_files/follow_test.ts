/**
 * Downloads that follow an upload still streaming: they get the same bytes
 * and then the end; they wait (on a promise, never a timer) when caught up
 * or asked for an offset not stored yet; a failed or expired upload makes
 * them reject with uploadFailed; closing wakes them.
 */

import assert from "node:assert/strict";
import { FileRefused, type FileRefusedCode } from "../../src/server/files/mod.ts";
import { CHUNK, LIMITS, randomBytes, readAll, request, sha256, withFileStore } from "./_store.ts";

function refused(code: FileRefusedCode, message?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof FileRefused, String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}

for (const size of [undefined, 5 * CHUNK + 17]) {
  Deno.test(`a follower gets the upload's bytes as they stream (size ${size ?? "unknown"})`, async () => {
    await withFileStore(async ({ store }) => {
      const data = randomBytes(5 * CHUNK + 17);
      const { upload } = await store.beginUpload(request("a", { size }));
      const early = await store.openDownload(upload.info.fileId, "bob", 0);
      assert.equal(early.info.complete, false);
      // Smaller reads than chunks, so the follower is sometimes behind and sometimes waiting.
      const following = readAll(early, 10_000);
      for (let offset = 0; offset < data.length; offset += CHUNK) {
        await upload.write(offset, data.subarray(offset, offset + CHUNK));
      }
      const info = await upload.finish(data.length, await sha256(data));
      assert.deepEqual(await following, data);
      assert.equal(early.info.complete, true);
      assert.deepEqual(early.info.sha256, info.sha256);
    });
  });
}

Deno.test("a caught-up follower waits for the next chunk, then for the end", async () => {
  await withFileStore(async ({ store }) => {
    const { upload } = await store.beginUpload(request("a"));
    const reader = await store.openDownload(upload.info.fileId, "ada", 0);
    const first = reader.read(CHUNK);
    await upload.write(0, new Uint8Array([1, 2, 3]));
    assert.deepEqual(await first, new Uint8Array([1, 2, 3]));
    const second = reader.read(CHUNK);
    await upload.write(3, new Uint8Array([4]));
    assert.deepEqual(await second, new Uint8Array([4]));
    const end = reader.read(CHUNK);
    await upload.finish(4, await sha256(new Uint8Array([1, 2, 3, 4])));
    assert.equal(await end, null);
    assert.equal(await reader.read(CHUNK), null);
    await reader.close();
  });
});

Deno.test("a download from past what is stored waits until the bytes are there", async () => {
  await withFileStore(async ({ store }) => {
    const data = randomBytes(3000);
    const { upload } = await store.beginUpload(request("a", { size: 3000 }));
    await upload.write(0, data.subarray(0, 1000));
    const reader = await store.openDownload(upload.info.fileId, "bob", 2500);
    const pending = reader.read(CHUNK);
    await upload.write(1000, data.subarray(1000, 2000));
    await upload.write(2000, data.subarray(2000));
    assert.deepEqual(await pending, data.subarray(2500));
    await upload.finish(3000, await sha256(data));
    assert.equal(await reader.read(CHUNK), null);
    await reader.close();
    // Past the announced size is refused at once.
    const other = await store.beginUpload(request("b", { size: 10 }));
    await assert.rejects(
      store.openDownload(other.upload.info.fileId, "bob", 11),
      refused("badOffset", /only 10 bytes/),
    );
  });
});

Deno.test("a follower past the end of an upload of unknown size gets badOffset", async () => {
  await withFileStore(async ({ store }) => {
    const { upload } = await store.beginUpload(request("a"));
    const reader = await store.openDownload(upload.info.fileId, "bob", 100);
    const refusedAtEnd = assert.rejects(
      reader.read(CHUNK),
      refused("badOffset", /byte 100: it has only 50 bytes/),
    );
    await upload.write(0, new Uint8Array(50));
    await upload.finish(50, await sha256(new Uint8Array(50)));
    await refusedAtEnd;
    await reader.close();
  });
});

Deno.test("an aborted upload makes its followers fail with uploadFailed", async () => {
  await withFileStore(async ({ store }) => {
    const { upload } = await store.beginUpload(request("a"));
    await upload.write(0, new Uint8Array(10));
    const waiting = await store.openDownload(upload.info.fileId, "bob", 10);
    const behind = await store.openDownload(upload.info.fileId, "bob", 0);
    // The expectation is attached first: the read fails while abort runs.
    const failed = assert.rejects(
      waiting.read(CHUNK),
      refused("uploadFailed", /the sender cancelled/),
    );
    await upload.abort("the sender cancelled");
    await failed;
    // Even with bytes left to read, a reader of a failed upload is told it failed.
    await assert.rejects(behind.read(CHUNK), refused("uploadFailed"));
    await assert.rejects(
      store.openDownload(upload.info.fileId, "bob", 0),
      refused("noSuchFile"),
    );
    await waiting.close();
    await behind.close();
  });
});

Deno.test("a follower of an upload that grew too large fails with the reason", async () => {
  await withFileStore(async ({ store }) => {
    const { upload } = await store.beginUpload(request("a"));
    const reader = await store.openDownload(upload.info.fileId, "bob", 0);
    const failed = assert.rejects(
      readAll(reader),
      refused("uploadFailed", /grew past the server's limit/),
    );
    await assert.rejects(upload.write(0, new Uint8Array(2000)), refused("fileTooLarge"));
    await failed;
  }, { maxFileSize: 1000 });
});

Deno.test("a follower waits through a detach and a resume", async () => {
  await withFileStore(async ({ store }) => {
    const data = randomBytes(300);
    const resumeKey = new Uint8Array(16).fill(9);
    const first = await store.beginUpload(request("a", { resumeKey }));
    await first.upload.write(0, data.subarray(0, 100));
    const reader = await store.openDownload(first.upload.info.fileId, "bob", 0);
    assert.deepEqual(await reader.read(CHUNK), data.subarray(0, 100));
    const pending = reader.read(CHUNK);
    await first.upload.detach();
    const again = await store.beginUpload(request("a", { resumeKey }));
    await again.upload.write(100, data.subarray(100));
    assert.deepEqual(await pending, data.subarray(100));
    await again.upload.finish(300, await sha256(data));
    assert.equal(await reader.read(CHUNK), null);
    await reader.close();
  });
});

Deno.test("a follower of an abandoned upload fails when the sweep deletes it", async () => {
  await withFileStore(async ({ store, clock }) => {
    const first = await store.beginUpload(request("a", { resumeKey: new Uint8Array(16) }));
    await first.upload.write(0, new Uint8Array(10));
    await first.upload.detach();
    const reader = await store.openDownload(first.upload.info.fileId, "bob", 0);
    assert.equal((await reader.read(CHUNK))?.length, 10);
    const failed = assert.rejects(
      reader.read(CHUNK),
      refused("uploadFailed", /did not finish it before it expired/),
    );
    clock.time += LIMITS.ttlMs;
    assert.equal(await store.sweep(), 1);
    await failed;
    await reader.close();
  });
});

Deno.test("closing a reader, or the store, wakes a waiting read", async () => {
  await withFileStore(async ({ store }) => {
    const { upload } = await store.beginUpload(request("a"));
    const reader = await store.openDownload(upload.info.fileId, "bob", 0);
    const closed = assert.rejects(
      reader.read(CHUNK),
      refused("internalError", /the download was closed/),
    );
    await reader.close();
    await closed;
    const another = await store.openDownload(upload.info.fileId, "bob", 0);
    const stopped = assert.rejects(another.read(CHUNK), refused("internalError", /stopping/));
    await store.close();
    await stopped;
    await assert.rejects(store.beginUpload(request("b")), refused("internalError"));
    await assert.rejects(upload.write(0, new Uint8Array(1)), refused("internalError"));
  });
});

Deno.test("one read at a time per reader, and a positive count", async () => {
  await withFileStore(async ({ store }) => {
    const { upload } = await store.beginUpload(request("a"));
    const reader = await store.openDownload(upload.info.fileId, "bob", 0);
    for (const count of [0, -1, 1.5, NaN]) {
      await assert.rejects(reader.read(count), refused("internalError"));
    }
    const pending = reader.read(CHUNK);
    await assert.rejects(reader.read(CHUNK), refused("internalError", /already running/));
    await upload.write(0, new Uint8Array(1));
    assert.equal((await pending)?.length, 1);
    await reader.close();
  });
});
