/**
 * The room password in a real KV file: stored only as a PBKDF2 record,
 * checked, replaced (also from a second handle, as `mochi server
 * set-room-password` does while the server runs), and closed when none is
 * stored or the record is damaged.
 */

import assert from "node:assert/strict";
import { openServerKv, serverKvPath } from "../../src/server/identity.ts";
import { UnacceptablePassword } from "../../src/server/password_hash.ts";
import {
  checkRoomPassword,
  hasRoomPassword,
  ROOM_PASSWORD_KEY,
  RoomPasswordCorrupt,
  setRoomPassword,
} from "../../src/server/room_password.ts";
import { FAST, withServerKv, withTemporaryDirectory } from "./_temporary.ts";

Deno.test("with no room password stored, the room is closed", async () => {
  await withServerKv(async (kv) => {
    assert.equal(await hasRoomPassword(kv), false);
    assert.equal(await checkRoomPassword(kv, ""), false);
    assert.equal(await checkRoomPassword(kv, "anything"), false);
  });
});

Deno.test("the room password is checked, and can be replaced", async () => {
  await withServerKv(async (kv) => {
    await setRoomPassword(kv, "open sesame", FAST);
    assert.equal(await hasRoomPassword(kv), true);
    assert.equal(await checkRoomPassword(kv, "open sesame"), true);
    assert.equal(await checkRoomPassword(kv, "open sesame "), false);
    assert.equal(await checkRoomPassword(kv, "Open sesame"), false);
    await setRoomPassword(kv, "new one", FAST);
    assert.equal(await checkRoomPassword(kv, "open sesame"), false);
    assert.equal(await checkRoomPassword(kv, "new one"), true);
    await assert.rejects(setRoomPassword(kv, "", FAST), UnacceptablePassword);
    await assert.rejects(setRoomPassword(kv, "x".repeat(2_000), FAST), /longer than 1024 bytes/);
    assert.equal(await checkRoomPassword(kv, "new one"), true);
  });
});

Deno.test("a change from another handle applies to the next check at once", async () => {
  await withServerKv(async (server, directory) => {
    await setRoomPassword(server, "first", FAST);
    const operator = await openServerKv(directory);
    try {
      await setRoomPassword(operator, "second", FAST);
    } finally {
      operator.close();
    }
    assert.equal(await checkRoomPassword(server, "first"), false);
    assert.equal(await checkRoomPassword(server, "second"), true);
  });
});

Deno.test("a damaged record is an error, not an open room", async () => {
  await withServerKv(async (kv) => {
    for (const value of ["hunter2", { algorithm: "plain", password: "hunter2" }, null]) {
      await kv.set(ROOM_PASSWORD_KEY, value);
      await assert.rejects(checkRoomPassword(kv, "hunter2"), RoomPasswordCorrupt);
      await assert.rejects(hasRoomPassword(kv), RoomPasswordCorrupt);
    }
  });
});

Deno.test("the password itself is nowhere in the KV file", async () => {
  await withTemporaryDirectory(async (directory) => {
    const kv = await openServerKv(directory);
    const password = "a-very-recognisable-room-password";
    try {
      await setRoomPassword(kv, password, FAST);
      assert.equal(await checkRoomPassword(kv, password), true);
    } finally {
      kv.close();
    }
    const needle = new TextEncoder().encode(password);
    for await (const entry of Deno.readDir(directory)) {
      const bytes = await Deno.readFile(`${directory}/${entry.name}`);
      assert.ok(indexOf(bytes, needle) === -1, `the password is in ${entry.name}`);
    }
    assert.ok((await Deno.stat(serverKvPath(directory))).size > 0);
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let offset = 0; offset < needle.length; offset++) {
      if (haystack[start + offset] !== needle[offset]) continue outer;
    }
    return start;
  }
  return -1;
}
