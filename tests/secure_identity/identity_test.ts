/**
 * The server identity in a real Deno KV file: made once, the same after
 * reopening, one key when two starts race, and an error (never a new key)
 * when the stored record is damaged.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  loadOrCreateServerIdentity,
  loadServerIdentity,
  openServerKv,
  SERVER_IDENTITY_KEY,
  ServerIdentityCorrupt,
  serverKvPath,
} from "../../src/server/identity.ts";
import { fingerprint, publicKeyFromPrivateKey } from "../../src/secure/mod.ts";
import { seededRandom } from "../secure/_helpers.ts";
import { withTemporaryDirectory } from "./_temporary.ts";

const FIXED_TIME = () => new Date("2026-11-02T10:00:00.000Z");

Deno.test("the identity is created on first use and the same after reopening", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "server");
    const first = await openServerKv(data);
    assert.equal(await loadServerIdentity(first), null);
    const created = await loadOrCreateServerIdentity(first, seededRandom(1), FIXED_TIME);
    first.close();
    assert.equal(created.created, true);
    assert.equal(created.createdAt, "2026-11-02T10:00:00.000Z");
    assert.equal(created.keyPair.privateKey.length, 32);
    assert.deepEqual(
      created.keyPair.publicKey,
      publicKeyFromPrivateKey(created.keyPair.privateKey),
    );
    assert.equal(created.fingerprint, fingerprint(created.keyPair.publicKey));
    assert.match(created.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);

    const second = await openServerKv(data);
    try {
      const reloaded = await loadOrCreateServerIdentity(second, seededRandom(2));
      assert.equal(reloaded.created, false);
      assert.deepEqual(reloaded.keyPair, created.keyPair);
      assert.equal(reloaded.createdAt, created.createdAt);
      assert.deepEqual(await loadServerIdentity(second), reloaded);
    } finally {
      second.close();
    }
  });
});

Deno.test({
  name: "the data directory is 0700 and the KV file 0600",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withTemporaryDirectory(async (directory) => {
      const data = join(directory, "nested", "server");
      const kv = await openServerKv(data);
      await loadOrCreateServerIdentity(kv, seededRandom(3));
      kv.close();
      assert.equal((await Deno.stat(data)).mode! & 0o777, 0o700);
      assert.equal((await Deno.stat(serverKvPath(data))).mode! & 0o777, 0o600);
    });
  },
});

Deno.test("two concurrent first starts end with one key", async () => {
  await withTemporaryDirectory(async (directory) => {
    for (let round = 0; round < 5; round++) {
      const data = join(directory, `race-${round}`);
      // Two handles on one file, as two processes would have.
      const handles = [await openServerKv(data), await openServerKv(data)];
      try {
        const results = await Promise.all(
          handles.map((kv, index) =>
            loadOrCreateServerIdentity(kv, seededRandom(100 + 2 * round + index))
          ),
        );
        assert.deepEqual(results[0]!.keyPair, results[1]!.keyPair);
        assert.ok(results.filter((result) => result.created).length <= 1);
        const stored = await loadServerIdentity(handles[0]!);
        assert.deepEqual(stored?.keyPair, results[0]!.keyPair);
      } finally {
        for (const kv of handles) kv.close();
      }
    }
  });
});

Deno.test("a damaged stored identity is an error and is left as it was", async () => {
  const damaged: Array<[string, unknown]> = [
    ["a string", "not a record"],
    ["an array", [new Uint8Array(32)]],
    ["a short key", { privateKey: new Uint8Array(31).fill(7), createdAt: "2026-11-02T10:00Z" }],
    ["a long key", { privateKey: new Uint8Array(33).fill(7), createdAt: "2026-11-02T10:00Z" }],
    ["a key as text", { privateKey: "AAAA", createdAt: "2026-11-02T10:00Z" }],
    ["a key as numbers", { privateKey: Array(32).fill(7), createdAt: "2026-11-02T10:00Z" }],
    ["an all-zero key", { privateKey: new Uint8Array(32), createdAt: "2026-11-02T10:00Z" }],
    ["no creation time", { privateKey: new Uint8Array(32).fill(7) }],
    ["a bad creation time", { privateKey: new Uint8Array(32).fill(7), createdAt: "yesterday" }],
  ];
  await withTemporaryDirectory(async (directory) => {
    const kv = await openServerKv(join(directory, "server"));
    try {
      for (const [what, value] of damaged) {
        await kv.set(SERVER_IDENTITY_KEY, value);
        await assert.rejects(
          () => loadOrCreateServerIdentity(kv, seededRandom(4)),
          (error: unknown) =>
            error instanceof ServerIdentityCorrupt && /^Cannot use the stored identity/.test(
              error.message,
            ),
          what,
        );
        await assert.rejects(() => loadServerIdentity(kv), ServerIdentityCorrupt, what);
        assert.deepEqual((await kv.get(SERVER_IDENTITY_KEY)).value, value, what);
      }
    } finally {
      kv.close();
    }
  });
});

Deno.test("a random source that gives a bad key is refused before anything is stored", async () => {
  await withTemporaryDirectory(async (directory) => {
    const kv = await openServerKv(join(directory, "server"));
    try {
      for (const bad of [new Uint8Array(16), new Uint8Array(32)]) {
        await assert.rejects(() => loadOrCreateServerIdentity(kv, () => bad), /random source/);
      }
      assert.equal(await loadServerIdentity(kv), null);
    } finally {
      kv.close();
    }
  });
});
