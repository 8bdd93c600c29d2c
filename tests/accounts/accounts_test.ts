/**
 * Accounts in a real Deno KV file: registration, login, password changes,
 * removal and listing; unique names under racing registrations (many at
 * once, and through two handles on one file); the same work for unknown
 * names as for known ones; damaged records refused, never replaced.
 */

import assert from "node:assert/strict";
import * as accounts from "../../src/server/accounts.ts";
import {
  accountKey,
  AccountRecordCorrupt,
  NameTaken,
  NoSuchAccount,
  WrongCredentials,
} from "../../src/server/accounts.ts";
import { HashPool } from "../../src/server/hash_pool.ts";
import { openServerKv } from "../../src/server/identity.ts";
import { InvalidName, normaliseName } from "../../src/server/names.ts";
import { UnacceptablePassword } from "../../src/server/password_hash.ts";
import { FAST, withServerKv } from "./_temporary.ts";

const fixedClock = { now: () => new Date("2026-11-03T10:20:30.000Z") };

Deno.test("an account logs in by any case or width of its name", async () => {
  await withServerKv(async (kv) => {
    const made = await accounts.register(kv, "Ada", "analytical engine", {
      ...FAST,
      ...fixedClock,
    });
    assert.deepEqual(made, {
      name: "ada",
      displayName: "Ada",
      createdAt: "2026-11-03T10:20:30.000Z",
    });
    for (const typed of ["Ada", "ada", "ADA", "Ａｄａ"]) {
      assert.deepEqual(await accounts.verifyLogin(kv, typed, "analytical engine", FAST), made);
    }
    assert.deepEqual(await accounts.get(kv, "aDA"), made);
    assert.equal(await accounts.get(kv, "bob"), null);
    // What is stored: the display name, a password record, the date; no password.
    const stored = (await kv.get(accountKey(normaliseName("ada")))).value as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.keys(stored).sort(), ["createdAt", "displayName", "password"]);
    assert.doesNotMatch(JSON.stringify(stored), /analytical/);
  });
});

Deno.test("a name taken in any case or width cannot be registered again", async () => {
  await withServerKv(async (kv) => {
    await accounts.register(kv, "alice", "one", FAST);
    for (const other of ["alice", "Alice", "ALICE", "Ａｌｉｃｅ"]) {
      await assert.rejects(accounts.register(kv, other, "two", FAST), NameTaken);
    }
    await accounts.verifyLogin(kv, "alice", "one", FAST);
    await assert.rejects(accounts.verifyLogin(kv, "alice", "two", FAST), WrongCredentials);
  });
});

Deno.test("bad names and passwords are refused before anything is stored", async () => {
  await withServerKv(async (kv) => {
    await assert.rejects(accounts.register(kv, "ada\u202E", "pw", FAST), InvalidName);
    await assert.rejects(accounts.register(kv, "", "pw", FAST), InvalidName);
    await assert.rejects(accounts.register(kv, "ada", "", FAST), UnacceptablePassword);
    await assert.rejects(accounts.setPassword(kv, "a b", "pw", FAST), InvalidName);
    await assert.rejects(accounts.remove(kv, "\x1b[2J"), InvalidName);
    assert.deepEqual(await accounts.list(kv), []);
  });
});

Deno.test("wrong password, unknown name and impossible name all fail alike", async () => {
  await withServerKv(async (kv) => {
    await accounts.register(kv, "ada", "right", FAST);
    const messages: string[] = [];
    for (const [name, password] of [["ada", "wrong"], ["nobody", "right"], ["a b", "right"]]) {
      await assert.rejects(accounts.verifyLogin(kv, name!, password!, FAST), (error) => {
        assert.ok(error instanceof WrongCredentials);
        messages.push(error.message);
        return true;
      });
    }
    assert.deepEqual(new Set(messages), new Set(["Cannot log in: wrong name or password"]));
  });
});

/** A pool that counts the hashes it runs. */
class CountingPool extends HashPool {
  hashes = 0;
  override run<T>(task: () => Promise<T>): Promise<T> {
    this.hashes++;
    return super.run(task);
  }
}

Deno.test("a login for an unknown name costs one hash, like a wrong password", async () => {
  await withServerKv(async (kv) => {
    const iterations = 100_000;
    await accounts.register(kv, "ada", "right", { iterations });
    const pool = new CountingPool({ concurrency: 1 });
    const timeOf = async (name: string) => {
      let best = Infinity;
      for (let round = 0; round < 3; round++) {
        const started = performance.now();
        await assert.rejects(
          accounts.verifyLogin(kv, name, "wrong", { iterations, pool }),
          WrongCredentials,
        );
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    const known = await timeOf("ada");
    assert.equal(pool.hashes, 3);
    const unknown = await timeOf("nobody");
    assert.equal(pool.hashes, 6);
    // Same work: the times agree to within a factor of two (they are ~13 ms each).
    assert.ok(
      unknown > known / 2 && unknown < known * 2,
      `known ${known} ms, unknown ${unknown} ms`,
    );
    // A name that breaks the rules cannot exist, and that is public: no hash.
    await assert.rejects(
      accounts.verifyLogin(kv, "a b", "x", { iterations, pool }),
      WrongCredentials,
    );
    assert.equal(pool.hashes, 6);
  });
});

Deno.test("setPassword replaces the password; remove deletes the account", async () => {
  await withServerKv(async (kv) => {
    const made = await accounts.register(kv, "Bob", "old", FAST);
    await accounts.setPassword(kv, "BOB", "new", FAST);
    await assert.rejects(accounts.verifyLogin(kv, "bob", "old", FAST), WrongCredentials);
    assert.deepEqual(await accounts.verifyLogin(kv, "bob", "new", FAST), made);
    await assert.rejects(accounts.setPassword(kv, "carol", "pw", FAST), NoSuchAccount);
    await accounts.remove(kv, "bob");
    await assert.rejects(accounts.remove(kv, "bob"), NoSuchAccount);
    await assert.rejects(accounts.verifyLogin(kv, "bob", "new", FAST), WrongCredentials);
    await assert.rejects(accounts.setPassword(kv, "bob", "newer", FAST), NoSuchAccount);
    // The name is free again.
    await accounts.register(kv, "bob", "again", FAST);
  });
});

Deno.test("list gives every account in name order, without password material", async () => {
  await withServerKv(async (kv) => {
    for (const name of ["zoë", "Ada", "bob", "Émile"]) {
      await accounts.register(kv, name, "pw", { ...FAST, ...fixedClock });
    }
    const listed = await accounts.list(kv);
    assert.deepEqual(listed.map((account) => account.displayName), ["Ada", "bob", "zoë", "Émile"]);
    for (const account of listed) {
      assert.deepEqual(Object.keys(account).sort(), ["createdAt", "displayName", "name"]);
      assert.equal(account.createdAt, "2026-11-03T10:20:30.000Z");
    }
  });
});

Deno.test("a login with fewer iterations than configured upgrades the record", async () => {
  await withServerKv(async (kv) => {
    await accounts.register(kv, "ada", "pw", { iterations: 1_000 });
    await accounts.verifyLogin(kv, "ada", "pw", { iterations: 2_000 });
    const stored = (await kv.get(accountKey(normaliseName("ada")))).value as accounts.StoredAccount;
    assert.equal(stored.password.iterations, 2_000);
    await accounts.verifyLogin(kv, "ada", "pw", { iterations: 2_000 });
  });
});

Deno.test("damaged records are refused, never replaced; remove still clears them", async () => {
  await withServerKv(async (kv) => {
    await accounts.register(kv, "ada", "pw", FAST);
    const key = accountKey(normaliseName("ada"));
    const good = (await kv.get(key)).value as accounts.StoredAccount;
    const damaged: unknown[] = [
      "not a record",
      { ...good, displayName: "Eve" },
      { ...good, displayName: "ada\u202E" },
      { ...good, createdAt: "yesterday" },
      { ...good, password: { ...good.password, hash: new Uint8Array(3) } },
      { ...good, password: null },
    ];
    for (const value of damaged) {
      await kv.set(key, value);
      await assert.rejects(accounts.verifyLogin(kv, "ada", "pw", FAST), AccountRecordCorrupt);
      await assert.rejects(accounts.list(kv), AccountRecordCorrupt);
      await assert.rejects(accounts.register(kv, "ada", "pw", FAST), NameTaken);
      await assert.rejects(accounts.setPassword(kv, "ada", "pw", FAST), AccountRecordCorrupt);
      assert.deepEqual((await kv.get(key)).value, value);
    }
    await kv.set(["accounts", "Not Normalised"], good);
    await assert.rejects(accounts.list(kv), /stored under a bad key/);
    await kv.delete(["accounts", "Not Normalised"]);
    await accounts.remove(kv, "ada");
    assert.deepEqual(await accounts.list(kv), []);
  });
});

Deno.test("of many simultaneous registrations of one name, exactly one succeeds", async () => {
  await withServerKv(async (kv) => {
    const variants = ["carol", "Carol", "CAROL", "Ｃａｒｏｌ", "cArOl"];
    const attempts = Array.from(
      { length: 40 },
      (_, index) => accounts.register(kv, variants[index % variants.length]!, `pw ${index}`, FAST),
    );
    const outcomes = await Promise.allSettled(attempts);
    const winners = outcomes.flatMap((outcome, index) =>
      outcome.status === "fulfilled" ? [index] : []
    );
    assert.equal(winners.length, 1);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") assert.ok(outcome.reason instanceof NameTaken);
    }
    // The winner's password is the one stored.
    await accounts.verifyLogin(kv, "carol", `pw ${winners[0]}`, FAST);
    assert.equal((await accounts.list(kv)).length, 1);
  });
});

Deno.test("two KV handles on one file cannot both register one name", async () => {
  await withServerKv(async (first, directory) => {
    const second = await openServerKv(directory);
    try {
      for (let round = 0; round < 10; round++) {
        const name = `racer${round}`;
        const outcomes = await Promise.allSettled([
          accounts.register(first, name, "first", FAST),
          accounts.register(second, name.toUpperCase(), "second", FAST),
          accounts.register(first, `Ｒａｃｅｒ${round}`, "third", FAST),
          accounts.register(second, name, "fourth", FAST),
        ]);
        const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
        assert.equal(won.length, 1, `round ${round}`);
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") assert.ok(outcome.reason instanceof NameTaken);
        }
      }
      assert.equal((await accounts.list(first)).length, 10);
      assert.equal((await accounts.list(second)).length, 10);
    } finally {
      second.close();
    }
  });
});
