/**
 * An upload whose end does not match what was received (size or SHA-256)
 * is aborted: no final file, no `.part`, no record, no charge; and a
 * finished upload cannot be written to or finished again.
 */

import assert from "node:assert/strict";
import { FileRefused } from "../../src/server/files/mod.ts";
import { listDirectory, randomBytes, request, sha256, withFileStore } from "./_store.ts";

async function assertNothingLeft(
  context: { store: { usedBytes: number }; directory: string; kv: Deno.Kv },
): Promise<void> {
  assert.deepEqual(await listDirectory(context.directory), []);
  assert.equal(context.store.usedBytes, 0);
  assert.deepEqual(await Array.fromAsync(context.kv.list({ prefix: ["files"] })), []);
  assert.deepEqual(await Array.fromAsync(context.kv.list({ prefix: ["fileResume"] })), []);
}

const integrity = (error: unknown) => error instanceof FileRefused && error.code === "integrity";

Deno.test("a wrong SHA-256 leaves no file behind", async () => {
  await withFileStore(async (context) => {
    const data = randomBytes(1000);
    const { upload } = await context.store.beginUpload(
      request("a", { size: 1000, resumeKey: new Uint8Array(16).fill(7) }),
    );
    await upload.write(0, data);
    const wrong = await sha256(data);
    wrong[0]! ^= 1;
    await assert.rejects(upload.finish(1000, wrong), integrity);
    await assertNothingLeft(context);
    assert.deepEqual(context.store.list("ada"), []);
  });
});

Deno.test("a hash of the wrong length is an integrity failure", async () => {
  await withFileStore(async (context) => {
    const { upload } = await context.store.beginUpload(request("a"));
    await upload.write(0, new Uint8Array(5));
    await assert.rejects(upload.finish(5, new Uint8Array(31)), integrity);
    await assertNothingLeft(context);
  });
});

Deno.test("a size that differs from what was received or announced is refused", async () => {
  await withFileStore(async (context) => {
    const data = randomBytes(100);
    for (const [announced, claimed] of [[undefined, 99], [100, 101], [undefined, -1]] as const) {
      const { upload } = await context.store.beginUpload(request("a", { size: announced }));
      await upload.write(0, data);
      await assert.rejects(upload.finish(claimed, await sha256(data)), integrity);
      await assertNothingLeft(context);
    }
    // Announced 200, received 100, claimed 100: short of the announcement.
    const { upload } = await context.store.beginUpload(request("a", { size: 200 }));
    await upload.write(0, data);
    await assert.rejects(upload.finish(100, await sha256(data)), /200 announced/);
    await assertNothingLeft(context);
  });
});

Deno.test("a finished upload takes no more chunks and no second end", async () => {
  await withFileStore(async ({ store }) => {
    const { upload } = await store.beginUpload(request("a"));
    const info = await upload.finish(0, await sha256(new Uint8Array()));
    const notAllowed = (error: unknown) =>
      error instanceof FileRefused && error.code === "notAllowed";
    await assert.rejects(upload.write(0, new Uint8Array(1)), notAllowed);
    await assert.rejects(upload.finish(0, info.sha256!), notAllowed);
    // Detaching or aborting after the end changes nothing.
    await upload.detach();
    await upload.abort("late");
    assert.equal(store.info(info.fileId, "bob")?.complete, true);
  });
});
