/**
 * Who sees what: room files are everyone's; a private file is its sender's
 * and its recipient's only, and to anyone else it does not exist (the same
 * answer as for a file that never did). Lists come newest last.
 */

import assert from "node:assert/strict";
import { FileRefused } from "../../src/server/files/mod.ts";
import { randomBytes, readAll, request, uploadAll, withFileStore } from "./_store.ts";

const toBob = { to: "Bob", toAccount: "bob" };

Deno.test("a private file is seen by its sender and recipient only", async () => {
  await withFileStore(async ({ store, clock }) => {
    const data = randomBytes(100);
    const room = await uploadAll(store, request("room.txt"), data);
    clock.time += 1;
    const secret = await uploadAll(store, request("secret.txt", toBob), data);
    clock.time += 1;
    const streaming = await store.beginUpload(request("later.txt", toBob));

    const ids = (viewer: string) => store.list(viewer).map((file) => file.fileId);
    assert.deepEqual(ids("ada"), [room.fileId, secret.fileId, streaming.upload.info.fileId]);
    assert.deepEqual(ids("bob"), [room.fileId, secret.fileId, streaming.upload.info.fileId]);
    assert.deepEqual(ids("eve"), [room.fileId]);

    assert.equal(store.info(secret.fileId, "bob")?.to, "Bob");
    assert.equal(store.info(secret.fileId, "bob")?.sender, "Ada");
    assert.equal(store.info(secret.fileId, "eve"), undefined);
    assert.equal(store.info("zzzzzzzzzz", "eve"), undefined);
    assert.deepEqual(await readAll(await store.openDownload(secret.fileId, "bob", 0)), data);

    // Eve gets the very same refusal for a hidden file as for a missing one.
    const messages: string[] = [];
    for (const fileId of [secret.fileId, "zzzzzzzzzz", streaming.upload.info.fileId]) {
      await assert.rejects(store.openDownload(fileId, "eve", 0), (error) => {
        assert.ok(error instanceof FileRefused);
        assert.equal(error.code, "noSuchFile");
        messages.push(error.message);
        return true;
      });
    }
    assert.equal(new Set(messages).size, 1);
  });
});

Deno.test("what list and info return are snapshots, not the store's state", async () => {
  await withFileStore(async ({ store }) => {
    const file = await uploadAll(store, request("a"), new Uint8Array(3));
    const listed = store.list("ada")[0]!;
    listed.sha256![0]! ^= 0xff;
    (listed as { name: string }).name = "changed";
    assert.equal(store.info(file.fileId, "ada")?.name, "a");
    assert.deepEqual(store.info(file.fileId, "ada")?.sha256, file.sha256);
  });
});

Deno.test("hostile ids and viewers find nothing", async () => {
  await withFileStore(async ({ store }) => {
    await uploadAll(store, request("a"), new Uint8Array(3));
    for (const fileId of ["", "../mochi.kv", "x".repeat(10_000), 7, null]) {
      assert.equal(store.info(fileId as string, "ada"), undefined);
      await assert.rejects(
        store.openDownload(fileId as string, "ada", 0),
        (error) => error instanceof FileRefused && error.code === "noSuchFile",
      );
    }
    assert.deepEqual(store.list(undefined as unknown as string), []);
  });
});
