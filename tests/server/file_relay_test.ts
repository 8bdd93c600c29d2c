/**
 * File sessions over real UDP on loopback, with a real Deno KV and a real
 * file store, spoken to frame by frame (docs/protocol.md, "Files"):
 * JoinFiles, uploads, downloads that follow an upload, private files, and
 * the refusals that end one transfer but not the session. The store's own
 * rules are tested in tests/server_files; the `mochi` commands in tests/e2e.
 *
 * Absence ("bob was not told") is checked behind a barrier: the server queues
 * a session's frames in order, so a frame it would have sent before answering
 * a later request arrives before that answer.
 */

import assert from "node:assert/strict";
import { FILE_CHUNK_BYTES, messageId, PROTOCOL_VERSION } from "../../src/protocol/mod.ts";
import { MAX_DOWNLOADS_PER_SESSION } from "../../src/server/file_relay.ts";
import {
  assertSameBytes,
  downloaded,
  endUpload,
  fileSession,
  type FrameClient,
  listFiles,
  MAX_FILE_SIZE,
  member,
  pattern,
  ROOM_PASSWORD,
  sendChunks,
  sha256,
  startUpload,
  upload,
  withFileServer,
} from "./_file_harness.ts";

const test = (name: string, fn: (t: Deno.TestContext) => Promise<void>) =>
  Deno.test({ name, fn, sanitizeResources: false, sanitizeOps: false });

/** A file id no file has (FILE_ID_ALPHABET has no `u`, so the server never makes it). */
const UNKNOWN_ID = "uuuuuuuuuu";

/** Runs `send`, then resolves with the next FileError `client` gets. */
async function refusal(client: FrameClient, send: () => Promise<void>) {
  const mark = client.mark();
  await send();
  return await client.expect("fileError", () => true, mark);
}

test("JoinFiles opens a file session that is not a member and replaces no chat session", () =>
  withFileServer(async (server) => {
    const ada = await member(server, "ada");
    const bob = await fileSession(server, "bob");
    const adaFiles = await fileSession(server, "ada", "login");
    const joined = await adaFiles.expect("joinResult");
    assert.equal(joined.you, "ada");

    const mark = ada.mark();
    await ada.send({ type: "whoRequest" });
    const list = await ada.expect("memberList", () => true, mark);
    assert.deepEqual(list.members.map((m) => m.name), ["ada"], "file sessions are not listed");
    assert.deepEqual(ada.all("presence"), [], "no presence for a file session");
    assert.deepEqual(ada.all("sessionEnded"), [], "ada's chat session was not replaced");

    // ada's chat session still talks to the room; file sessions hear none of it.
    const cyd = await member(server, "cyd");
    await ada.expect("presence", (f) => f.name === "cyd" && f.kind === "joined");
    await ada.send({ type: "say", messageId: messageId(new Uint8Array(16).fill(7)), text: "hi" });
    assert.equal((await cyd.expect("roomMessage")).from, "ada");
    await ada.expect("delivered");
    for (const files of [bob, adaFiles]) {
      await listFiles(files);
      assert.deepEqual(
        files.received.filter((f) => f.type === "presence" || f.type === "roomMessage"),
        [],
      );
      const before = files.mark();
      await files.send({ type: "whoRequest" });
      assert.equal((await files.expect("error", () => true, before)).code, "unexpectedFrame");
    }
    assert.deepEqual(
      server.roomEvents.map((e) => `${e.kind}:${"name" in e ? e.name : ""}`),
      ["joined:ada", "joined:cyd", "message:ada"],
      "the console shows no join for a file session",
    );
  }));

test("JoinFiles with a wrong room password is refused; file frames before joining are unexpected", () =>
  withFileServer(async (server) => {
    const ada = await fileSession(server, "ada");
    const eve = await server.connect();
    await eve.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await eve.expect("welcome");
    const unexpected = async (frame: Parameters<FrameClient["send"]>[0]) => {
      const mark = eve.mark();
      await eve.send(frame);
      assert.equal((await eve.expect("error", () => true, mark)).code, "unexpectedFrame");
    };
    await unexpected({ type: "fileListRequest" }); // before logging in
    await eve.send({ type: "register", name: "eve", password: "eve-password" });
    assert.equal((await eve.expect("authResult")).outcome, "ok");
    await unexpected({ type: "uploadStart", requestId: 1, name: "early.txt", size: 3 });
    await unexpected({ type: "download", fileId: UNKNOWN_ID, offset: 0 });
    await eve.send({ type: "joinFiles", roomPassword: "guess" });
    assert.equal((await eve.expect("joinResult")).outcome, "wrongRoomPassword");
    await unexpected({ type: "fileListRequest" });
    assert.deepEqual(server.store.list("eve"), [], "nothing was uploaded");

    // A file offered now does not reach eve, who is not in.
    const ready = await startUpload(ada, { name: "after.txt", size: 4 });
    await unexpected({ type: "fileListRequest" });
    assert.deepEqual(eve.all("fileOffered"), []);
    assert.deepEqual(eve.all("fileList"), []);
    assert.deepEqual(eve.all("fileError"), []);

    // The right password then lets eve in (one failure is not yet rate limited).
    const retry = eve.mark();
    await eve.send({ type: "joinFiles", roomPassword: ROOM_PASSWORD });
    assert.equal((await eve.expect("joinResult", () => true, retry)).outcome, "ok");
    assert.deepEqual((await listFiles(eve)).map((f) => f.fileId), [ready.fileId]);
  }));

test("an upload over frames is offered at its start, then downloaded whole by another session", () =>
  withFileServer(async (server) => {
    const data = pattern(3 * FILE_CHUNK_BYTES + 1234);
    const bob = await member(server, "bob");
    const ada = await fileSession(server, "ada");
    const ready = await startUpload(ada, { name: "notes.bin", size: data.length });
    const fileId = ready.fileId;
    assert.equal(ready.offset, 0);

    // Offered before a single byte was sent.
    const offered = (await bob.expect("fileOffered", (f) => f.file.fileId === fileId)).file;
    assert.deepEqual(
      { ...offered, offeredAt: 0, expiresAt: 0 },
      {
        fileId,
        name: "notes.bin",
        size: data.length,
        stored: 0,
        complete: false,
        sender: "ada",
        offeredAt: 0,
        expiresAt: 0,
      },
    );

    const mark = ada.mark();
    await sendChunks(ada, fileId, data);
    assert.deepEqual(
      ada.received.slice(mark).flatMap((f) => f.type === "uploadProgress" ? [f.stored] : []),
      [FILE_CHUNK_BYTES, 2 * FILE_CHUNK_BYTES, 3 * FILE_CHUNK_BYTES, data.length],
      "one UploadProgress per chunk, each once it is stored",
    );
    const done = await endUpload(ada, fileId, data);
    assert.equal(done.size, data.length);
    assert.deepEqual(done.sha256, sha256(data));

    const cyd = await fileSession(server, "cyd");
    const listed = (await listFiles(cyd)).find((f) => f.fileId === fileId);
    assert.equal(listed?.complete, true);
    assert.deepEqual(listed?.sha256, sha256(data));

    const start = cyd.mark();
    await cyd.send({ type: "download", fileId, offset: 0 });
    const end = await cyd.expect("downloadEnd", (f) => f.file.fileId === fileId, start);
    assertSameBytes(downloaded(cyd, fileId, start), data, "the download");
    assert.equal(end.file.complete, true);
    assert.equal(end.file.size, data.length);
    assert.deepEqual(end.file.sha256, sha256(data));

    // A resumed download: from an offset, the rest only.
    const resume = cyd.mark();
    const offset = FILE_CHUNK_BYTES + 10;
    await cyd.send({ type: "download", fileId, offset });
    await cyd.expect("downloadEnd", (f) => f.file.fileId === fileId, resume);
    assertSameBytes(downloaded(cyd, fileId, resume, offset), data.subarray(offset), "the rest");

    assert.deepEqual(
      server.fileEvents.map((e) => `${e.kind}:${e.kind === "fileFetched" ? e.by : ""}`),
      ["fileOffered:", "fileStored:", "fileFetched:cyd", "fileFetched:cyd"],
    );
  }));

test("hostile and mistaken file frames get a fileError to the sender alone; the session goes on", (t) =>
  withFileServer(async (server) => {
    const ada = await fileSession(server, "ada");
    const bob = await member(server, "bob");
    const cyd = await fileSession(server, "cyd");
    // A file cyd is still uploading: downloads of it stay open, following it.
    const growing = pattern(2 * FILE_CHUNK_BYTES, 2);
    const cydUpload = await startUpload(cyd, { name: "growing.bin", size: growing.length });
    await sendChunks(cyd, cydUpload.fileId, growing, 0, FILE_CHUNK_BYTES);

    const step = async (
      name: string,
      expected: { code: string; fileId?: string; requestId?: true },
      send: () => Promise<void>,
    ) => {
      await t.step(name, async () => {
        const error = await refusal(ada, send);
        assert.equal(error.code, expected.code, error.message);
        assert.equal(error.fileId, expected.fileId);
        assert.equal(typeof error.requestId, expected.requestId ? "number" : "undefined");
        assert.match(error.message, /^Cannot /);
        await listFiles(ada); // still answered
      });
    };

    await step(
      "a chunk for an unknown upload",
      { code: "noSuchFile", fileId: UNKNOWN_ID },
      () => ada.send({ type: "fileChunk", fileId: UNKNOWN_ID, offset: 0, data: new Uint8Array(3) }),
    );
    await step(
      "a chunk for another session's upload",
      { code: "noSuchFile", fileId: cydUpload.fileId },
      () =>
        ada.send({
          type: "fileChunk",
          fileId: cydUpload.fileId,
          offset: FILE_CHUNK_BYTES,
          data: new Uint8Array(3),
        }),
    );
    assert.equal(server.store.info(cydUpload.fileId, "cyd")?.stored, FILE_CHUNK_BYTES);

    const small = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const misplaced = await startUpload(ada, { name: "ten.bin", size: small.length });
    await step(
      "a chunk at the wrong offset",
      { code: "badOffset", fileId: misplaced.fileId },
      () =>
        ada.send({
          type: "fileChunk",
          fileId: misplaced.fileId,
          offset: 5,
          data: small.subarray(5),
        }),
    );
    await t.step("the upload goes on from the right offset", async () => {
      await sendChunks(ada, misplaced.fileId, small);
      assert.deepEqual((await endUpload(ada, misplaced.fileId, small)).sha256, sha256(small));
    });

    const forged = await startUpload(ada, { name: "forged.bin", size: small.length });
    await sendChunks(ada, forged.fileId, small);
    await step(
      "an UploadEnd with a wrong SHA-256",
      { code: "integrity", fileId: forged.fileId },
      () =>
        ada.send({
          type: "uploadEnd",
          fileId: forged.fileId,
          size: small.length,
          sha256: sha256(new Uint8Array([0])),
        }),
    );
    await t.step("the file that failed its check is gone", async () => {
      const ids = (await listFiles(ada)).map((f) => f.fileId);
      assert.equal(ids.includes(forged.fileId), false);
      assert.equal(ids.includes(misplaced.fileId), true);
      assert.equal(server.store.info(forged.fileId, "ada"), undefined);
    });

    await step(
      "an UploadStart named ../x",
      { code: "badFileName", requestId: true },
      () => ada.send({ type: "uploadStart", requestId: 901, name: "../x", size: 1 }),
    );
    await step(
      "an UploadStart larger than the server takes",
      { code: "fileTooLarge", requestId: true },
      () =>
        ada.send({ type: "uploadStart", requestId: 902, name: "big.iso", size: MAX_FILE_SIZE + 1 }),
    );
    await step(
      "an UploadStart to nobody",
      { code: "noSuchMember", requestId: true },
      () => ada.send({ type: "uploadStart", requestId: 903, name: "x.txt", size: 1, to: "nobody" }),
    );
    assert.deepEqual(
      ada.all("fileError").filter((f) => f.requestId !== undefined).map((f) => f.requestId),
      [901, 902, 903],
      "each refusal answers its own request",
    );
    await step(
      "a download of an unknown file",
      { code: "noSuchFile", fileId: UNKNOWN_ID },
      () => ada.send({ type: "download", fileId: UNKNOWN_ID, offset: 0 }),
    );

    const following = ada.mark();
    await t.step(
      `${MAX_DOWNLOADS_PER_SESSION} downloads follow an upload in progress`,
      async () => {
        for (let i = 0; i < MAX_DOWNLOADS_PER_SESSION; i++) {
          await ada.send({ type: "download", fileId: cydUpload.fileId, offset: 0 });
        }
        const arrived = () =>
          ada.received.slice(following).filter((f) =>
            f.type === "fileData" && f.fileId === cydUpload.fileId
          ).length;
        await ada.expect(
          "fileData",
          () => arrived() === MAX_DOWNLOADS_PER_SESSION,
          following,
        );
      },
    );
    await step(
      `download number ${MAX_DOWNLOADS_PER_SESSION + 1}`,
      { code: "notAllowed", fileId: cydUpload.fileId },
      () => ada.send({ type: "download", fileId: cydUpload.fileId, offset: 0 }),
    );
    await t.step("the open downloads end with the upload, and free their places", async () => {
      await sendChunks(cyd, cydUpload.fileId, growing, FILE_CHUNK_BYTES);
      await endUpload(cyd, cydUpload.fileId, growing);
      const ended = () => ada.all("downloadEnd", (f) => f.file.fileId === cydUpload.fileId).length;
      await ada.expect("downloadEnd", () => ended() === MAX_DOWNLOADS_PER_SESSION, following);
      const again = ada.mark();
      await ada.send({ type: "download", fileId: cydUpload.fileId, offset: 0 });
      await ada.expect("downloadEnd", (f) => f.file.fileId === cydUpload.fileId, again);
      assertSameBytes(downloaded(ada, cydUpload.fileId, again), growing, "the download");
    });

    await t.step("nobody else was told of ada's mistakes", async () => {
      await listFiles(bob);
      await listFiles(cyd);
      assert.deepEqual(bob.all("fileError"), []);
      assert.deepEqual(bob.all("error"), []);
      assert.deepEqual(cyd.all("fileError"), []);
      assert.deepEqual(ada.all("error"), [], "no refusal was an ErrorFrame");
    });
  }));

test("a private file is offered, listed and given only to its recipient and its sender", () =>
  withFileServer(async (server) => {
    const ada = await fileSession(server, "ada");
    const bob = await member(server, "bob");
    const cyd = await member(server, "cyd");
    const secret = pattern(1000, 3);
    const privateId = await upload(ada, "for-bob.txt", secret, "bob");
    const offer = await bob.expect("fileOffered", (f) => f.file.fileId === privateId);
    assert.equal(offer.file.to, "bob");
    await ada.expect("fileOffered", (f) => f.file.fileId === privateId);

    // A room file offered after it reaches cyd, and the private one did not before it.
    const publicId = await upload(ada, "for-all.txt", pattern(10, 4));
    await cyd.expect("fileOffered", (f) => f.file.fileId === publicId);
    assert.deepEqual(cyd.all("fileOffered").map((f) => f.file.fileId), [publicId]);
    assert.deepEqual((await listFiles(cyd)).map((f) => f.fileId), [publicId]);
    assert.deepEqual((await listFiles(bob)).map((f) => f.fileId), [privateId, publicId]);
    assert.deepEqual((await listFiles(ada)).map((f) => f.fileId), [privateId, publicId]);

    const hidden = await refusal(
      cyd,
      () => cyd.send({ type: "download", fileId: privateId, offset: 0 }),
    );
    assert.equal(hidden.code, "noSuchFile");
    const missing = await refusal(
      cyd,
      () => cyd.send({ type: "download", fileId: UNKNOWN_ID, offset: 0 }),
    );
    assert.equal(hidden.message, missing.message, "a private file looks like no file at all");
    assert.deepEqual(cyd.all("fileData"), []);

    const start = bob.mark();
    await bob.send({ type: "download", fileId: privateId, offset: 0 });
    await bob.expect("downloadEnd", (f) => f.file.fileId === privateId, start);
    assertSameBytes(downloaded(bob, privateId, start), secret, "bob's download");
  }));

test("a download started before the upload ends follows it, and ends once the upload is verified", () =>
  withFileServer(async (server) => {
    const data = pattern(3 * FILE_CHUNK_BYTES + 5, 5);
    const ada = await fileSession(server, "ada");
    const bob = await fileSession(server, "bob");
    const { fileId } = await startUpload(ada, { name: "live.bin", size: data.length });
    await sendChunks(ada, fileId, data, 0, FILE_CHUNK_BYTES);

    const start = bob.mark();
    await bob.send({ type: "download", fileId, offset: 0 });
    const first = await bob.expect("fileData", (f) => f.fileId === fileId, start);
    assert.equal(first.offset, 0);
    assert.equal(first.data.length, FILE_CHUNK_BYTES);

    await sendChunks(ada, fileId, data, FILE_CHUNK_BYTES);
    await bob.expect(
      "fileData",
      (f) => f.fileId === fileId && f.offset + f.data.length === data.length,
      start,
    );
    const listed = (await listFiles(bob)).find((f) => f.fileId === fileId);
    assert.equal(listed?.complete, false);
    assert.equal(listed?.stored, data.length);
    assert.deepEqual(bob.all("downloadEnd"), [], "every byte is there, but not yet verified");

    await endUpload(ada, fileId, data);
    const end = await bob.expect("downloadEnd", (f) => f.file.fileId === fileId, start);
    assert.deepEqual(end.file.sha256, sha256(data));
    assertSameBytes(downloaded(bob, fileId, start), data, "the followed download");
    assert.deepEqual(bob.all("fileError"), []);
  }));

const uploadFailures: Array<{
  how: string;
  fail: (uploader: FrameClient, fileId: string) => Promise<void>;
}> = [
  {
    how: "its sender's session closes without a resume key",
    fail: (uploader) => uploader.close(),
  },
  {
    how: "its UploadEnd fails the check",
    fail: (uploader, fileId) =>
      uploader.send({
        type: "uploadEnd",
        fileId,
        size: FILE_CHUNK_BYTES,
        sha256: sha256(new Uint8Array(1)),
      }),
  },
];

for (const { how, fail } of uploadFailures) {
  test(`a download following an upload gets uploadFailed when ${how}`, () =>
    withFileServer(async (server) => {
      const data = pattern(2 * FILE_CHUNK_BYTES, 6);
      const ada = await fileSession(server, "ada");
      const bob = await fileSession(server, "bob");
      const { fileId } = await startUpload(ada, { name: "doomed.bin", size: data.length });
      await sendChunks(ada, fileId, data, 0, FILE_CHUNK_BYTES);
      const start = bob.mark();
      await bob.send({ type: "download", fileId, offset: 0 });
      await bob.expect("fileData", (f) => f.fileId === fileId, start);

      await fail(ada, fileId);
      const failed = await bob.expect("fileError", () => true, start);
      assert.equal(failed.code, "uploadFailed", failed.message);
      assert.equal(failed.fileId, fileId);
      assert.deepEqual(bob.all("downloadEnd"), []);
      assert.deepEqual((await listFiles(bob)).map((f) => f.fileId), [], "the partial file is gone");
    }));
}

test("a download following an upload waits through its sender's reconnect when it can resume", () =>
  withFileServer(async (server) => {
    const data = pattern(3 * FILE_CHUNK_BYTES, 7);
    const resumeKey = new Uint8Array(16).fill(0x42);
    const request = { name: "resumed.bin", size: data.length, resumeKey };
    const bob = await fileSession(server, "bob");
    const first = await fileSession(server, "ada");
    const { fileId } = await startUpload(first, request);
    await sendChunks(first, fileId, data, 0, FILE_CHUNK_BYTES);
    const start = bob.mark();
    await bob.send({ type: "download", fileId, offset: 0 });
    await bob.expect("fileData", (f) => f.fileId === fileId, start);
    await first.close();

    const second = await fileSession(server, "ada", "login");
    const resumed = await startUpload(second, request);
    assert.deepEqual(resumed, { ...resumed, fileId, offset: FILE_CHUNK_BYTES });
    await sendChunks(second, fileId, data, FILE_CHUNK_BYTES);
    await endUpload(second, fileId, data);
    await bob.expect("downloadEnd", (f) => f.file.fileId === fileId, start);
    assertSameBytes(downloaded(bob, fileId, start), data, "the followed download");
    assert.deepEqual(bob.all("fileError"), []);
    assert.equal(bob.all("fileOffered").length, 1, "a resumed upload is not offered again");
  }));
