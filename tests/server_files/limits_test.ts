/**
 * What the store refuses, and that a refusal leaves nothing behind: sizes
 * over the limit (announced, or reached while streaming), storage that
 * would overflow (with reservations for announced sizes), too many uploads
 * at once, hostile names and numbers, chunks at the wrong offset.
 */

import assert from "node:assert/strict";
import { FileRefused, type FileRefusedCode, formatBytes } from "../../src/server/files/mod.ts";
import {
  CHUNK,
  listDirectory,
  MiB,
  randomBytes,
  request,
  sha256,
  withFileStore,
} from "./_store.ts";

const GiB = 1024 * MiB;

function refused(code: FileRefusedCode, message?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof FileRefused, String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}

Deno.test("byte counts read in human units", () => {
  assert.equal(formatBytes(0), "0 bytes");
  assert.equal(formatBytes(1), "1 byte");
  assert.equal(formatBytes(1023), "1023 bytes");
  assert.equal(formatBytes(1024), "1.0 KiB");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(MiB - 1), "1.0 MiB");
  assert.equal(formatBytes(4 * GiB), "4.0 GiB");
  assert.equal(formatBytes(Infinity), "an endless number of bytes");
});

Deno.test("an announced size over the limit is refused before anything is stored", async () => {
  await withFileStore(async ({ store, directory }) => {
    await assert.rejects(
      store.beginUpload(request("big.iso", { size: 4 * GiB })),
      refused(
        "fileTooLarge",
        /^Cannot store the file: 4\.0 GiB exceeds the server's limit of 2\.0 GiB$/,
      ),
    );
    await store.beginUpload(request("exactly.iso", { size: 2 * GiB }));
    assert.deepEqual((await listDirectory(directory)).length, 1);
  }, { maxFileSize: 2 * GiB, maxStorage: 10 * GiB });
});

Deno.test("an upload of unknown size that grows past the limit is aborted", async () => {
  await withFileStore(async ({ store, directory, kv }) => {
    const { upload } = await store.beginUpload(request("stdin"));
    await upload.write(0, randomBytes(CHUNK));
    await assert.rejects(
      upload.write(CHUNK, randomBytes(CHUNK)),
      refused("fileTooLarge", /grew past the server's limit of 100\.0 KiB/),
    );
    assert.deepEqual(await listDirectory(directory), []);
    assert.equal(store.usedBytes, 0);
    assert.equal(store.info(upload.info.fileId, "ada"), undefined);
    assert.equal((await Array.fromAsync(kv.list({ prefix: ["files"] }))).length, 0);
    // The upload is over: later calls are refused, not crashes.
    await assert.rejects(upload.write(CHUNK, new Uint8Array(1)), refused("uploadFailed"));
    await assert.rejects(upload.finish(CHUNK, new Uint8Array(32)), refused("uploadFailed"));
  }, { maxFileSize: 100 * 1024 });
});

Deno.test("a chunk past the announced size is refused and the upload aborted", async () => {
  await withFileStore(async ({ store, directory }) => {
    const { upload } = await store.beginUpload(request("a", { size: 10 }));
    await upload.write(0, new Uint8Array(8));
    await assert.rejects(upload.write(8, new Uint8Array(3)), refused("fileTooLarge", /10 bytes/));
    assert.deepEqual(await listDirectory(directory), []);
  });
});

Deno.test("announced sizes reserve storage; what does not fit is storageFull", async () => {
  await withFileStore(async ({ store, directory }) => {
    await store.beginUpload(request("a", { size: 600 * 1024 }));
    assert.equal(store.usedBytes, 600 * 1024);
    await assert.rejects(
      store.beginUpload(request("b", { size: 500 * 1024 })),
      refused(
        "storageFull",
        /^Cannot store the file: the server has 424\.0 KiB free of its 1\.0 MiB for files, and the file needs 500\.0 KiB more$/,
      ),
    );
    await store.beginUpload(request("c", { size: 424 * 1024 }));
    assert.equal(store.usedBytes, MiB);
    assert.equal((await listDirectory(directory)).length, 2);
  }, { maxStorage: MiB });
});

Deno.test("an upload of unknown size that runs the storage out is aborted", async () => {
  await withFileStore(async ({ store, directory }) => {
    const held = await store.beginUpload(request("reserved", { size: 3 * CHUNK }));
    const { upload } = await store.beginUpload(request("stdin"));
    await upload.write(0, randomBytes(CHUNK));
    await assert.rejects(upload.write(CHUNK, randomBytes(CHUNK)), refused("storageFull"));
    assert.equal(store.usedBytes, 3 * CHUNK);
    assert.deepEqual(await listDirectory(directory), [`${held.upload.info.fileId}.part`]);
  }, { maxStorage: 4 * CHUNK + 10 });
});

Deno.test("one account may run only so many uploads at once", async () => {
  await withFileStore(async ({ store }) => {
    const first = await store.beginUpload(request("1"));
    await store.beginUpload(request("2"));
    await assert.rejects(store.beginUpload(request("3")), refused("tooManyUploads", /2 uploads/));
    // Others are not held back, and a finished upload frees its place.
    await store.beginUpload(request("x", { senderAccount: "bob", sender: "Bob" }));
    await first.upload.finish(0, await sha256(new Uint8Array()));
    await store.beginUpload(request("3"));
  }, { maxUploadsPerAccount: 2 });
});

Deno.test("the store holds at most maxFiles files", async () => {
  await withFileStore(async ({ store }) => {
    await store.beginUpload(request("1"));
    await store.beginUpload(request("2"));
    await assert.rejects(store.beginUpload(request("3")), refused("storageFull", /2 files/));
  }, { maxFiles: 2 });
});

Deno.test("hostile names are refused with badFileName", async () => {
  await withFileStore(async ({ store, directory }) => {
    const names: unknown[] = [
      "",
      ".",
      "..",
      "a/b",
      "../../etc/passwd",
      "a\\b",
      "nul\u0000byte",
      "line\nbreak",
      "bell\u0007",
      "del\u007f",
      "c1\u0085",
      "lone \ud800 surrogate",
      "é".repeat(128),
      "x".repeat(256),
      42,
      undefined,
    ];
    for (const name of names) {
      await assert.rejects(
        store.beginUpload(request(name as string)),
        refused("badFileName"),
        JSON.stringify(name),
      );
    }
    for (const name of ["x".repeat(255), "é".repeat(127), ".hidden", "...", "naïve 文件 📎.txt"]) {
      const { upload } = await store.beginUpload(request(name));
      assert.equal(upload.info.name, name);
      await upload.abort("test");
    }
    assert.deepEqual(await listDirectory(directory), []);
  }, { maxUploadsPerAccount: 100 });
});

Deno.test("hostile sizes, offsets and requests are refusals, not crashes", async () => {
  await withFileStore(async ({ store, directory }) => {
    for (const size of [-1, 1.5, NaN, "12", -Infinity]) {
      await assert.rejects(
        store.beginUpload(request("a", { size: size as number })),
        refused("integrity"),
        String(size),
      );
    }
    for (const size of [Infinity, 2 ** 53, 1e300]) {
      await assert.rejects(store.beginUpload(request("a", { size })), refused("fileTooLarge"));
    }
    await assert.rejects(
      store.beginUpload(request("a", { resumeKey: new Uint8Array(15) })),
      refused("internalError"),
    );
    await assert.rejects(
      store.beginUpload(request("a", { to: "Bob" })),
      refused("internalError"),
    );
    await assert.rejects(
      store.beginUpload(request("a", { senderAccount: "" })),
      refused("internalError"),
    );
    assert.deepEqual(await listDirectory(directory), []);

    const { upload } = await store.beginUpload(request("a", { size: 100 }));
    for (const offset of [-1, 0.5, 5, NaN, Infinity, 2 ** 60]) {
      await assert.rejects(
        upload.write(offset, new Uint8Array(1)),
        refused("badOffset", /send from byte 0$/),
        String(offset),
      );
    }
    await upload.write(0, new Uint8Array(10));
    await assert.rejects(upload.write(0, new Uint8Array(1)), refused("badOffset", /byte 10/));
    await assert.rejects(
      upload.write(10, "text" as unknown as Uint8Array),
      refused("internalError"),
    );
    assert.equal(await upload.write(10, new Uint8Array(0)), 10);
    // None of these hurt the upload.
    assert.equal(await upload.write(10, new Uint8Array(90)), 100);
    assert.equal(upload.info.stored, 100);
  });
});
