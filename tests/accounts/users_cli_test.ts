/**
 * `mochi users` and `mochi server set-room-password` as real processes on a
 * real data directory: passwords from the environment (never printed), the
 * exit statuses, racing `users add` processes, and changes while the server
 * runs.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT } from "../../src/cli/exit_codes.ts";
import * as accounts from "../../src/server/accounts.ts";
import { openServerKv } from "../../src/server/identity.ts";
import { checkRoomPassword } from "../../src/server/room_password.ts";
import { startMochi } from "../_processes.ts";
import { withTemporaryDirectory } from "./_temporary.ts";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function mochi(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const process = startMochi(args, { env: { NO_COLOR: "1", ...env } });
  const status = await process.status;
  await Promise.all([process.stdout.done, process.stderr.done]);
  return { code: status.code, stdout: process.stdout.text, stderr: process.stderr.text };
}

/** Runs `use` on the data's KV from this process, as the server would. */
async function withKv<T>(data: string, use: (kv: Deno.Kv) => Promise<T>): Promise<T> {
  const kv = await openServerKv(data);
  try {
    return await use(kv);
  } finally {
    kv.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("users add, list, passwd and remove, with MOCHI_PASSWORD", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "data");
    const added = await mochi(["users", "add", "Ada", "--data", data], {
      MOCHI_PASSWORD: "pw-one",
    });
    assert.equal(added.code, EXIT.OK, added.stderr);
    assert.equal(added.stdout, "added account Ada\n");
    assert.equal(added.stderr, "");
    const again = await mochi(["users", "add", "ADA", "--data", data], { MOCHI_PASSWORD: "x" });
    assert.equal(again.code, EXIT.NAME_TAKEN);
    assert.equal(again.stderr, "mochi: Cannot add ADA: the name is taken\n");
    await mochi(["users", "add", "bob", "--data", data], { MOCHI_PASSWORD: "pw-bob" });

    const listed = await mochi(["users", "list", "--data", data]);
    assert.equal(listed.code, EXIT.OK, listed.stderr);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(listed.stdout, `Ada\t${today}\nbob\t${today}\n`);

    const changed = await mochi(["users", "passwd", "ada", "--data", data], {
      MOCHI_PASSWORD: "pw-two",
    });
    assert.equal(changed.code, EXIT.OK, changed.stderr);
    assert.equal(changed.stdout, "changed the password of ada\n");
    await withKv(data, async (kv) => {
      await assert.rejects(accounts.verifyLogin(kv, "Ada", "pw-one"), accounts.WrongCredentials);
      assert.equal((await accounts.verifyLogin(kv, "Ada", "pw-two")).displayName, "Ada");
    });

    const removed = await mochi(["users", "remove", "ADA", "--data", data]);
    assert.equal(removed.code, EXIT.OK, removed.stderr);
    assert.equal(removed.stdout, "removed account ADA\n");
    const gone = await mochi(["users", "remove", "ada", "--data", data]);
    assert.equal(gone.code, EXIT.FAILURE);
    assert.equal(gone.stderr, "mochi: Cannot remove ada: no such account\n");
    const noPasswd = await mochi(["users", "passwd", "ada", "--data", data], {
      MOCHI_PASSWORD: "x",
    });
    assert.equal(noPasswd.code, EXIT.FAILURE);
    assert.equal(noPasswd.stderr, "mochi: Cannot change the password of ada: no such account\n");
    assert.equal((await mochi(["users", "list", "--data", data])).stdout, `bob\t${today}\n`);
    // The passwords never appear in anything printed.
    for (const result of [added, again, listed, changed, removed, gone]) {
      assert.doesNotMatch(result.stdout + result.stderr, /pw-/);
    }
  });
});

Deno.test("bad names and missing passwords are usage errors, said safely", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "data");
    const hostile = await mochi(["users", "add", "ev\x1b[31mil", "--data", data], {
      MOCHI_PASSWORD: "pw",
    });
    assert.equal(hostile.code, EXIT.USAGE);
    assert.equal(
      hostile.stderr,
      "mochi: Cannot add this account: character 3 (U+001B) is not allowed; use letters, digits, '_', '-' and '.'\n",
    );
    const long = await mochi(["users", "add", "x".repeat(33), "--data", data], {
      MOCHI_PASSWORD: "pw",
    });
    assert.equal(long.code, EXIT.USAGE);
    assert.match(long.stderr, /it has 33 characters; at most 32 are allowed/);
    // No MOCHI_PASSWORD and no terminal (stdin is /dev/null here).
    const noPassword = await mochi(["users", "add", "ada", "--data", data]);
    assert.equal(noPassword.code, EXIT.USAGE);
    assert.equal(
      noPassword.stderr,
      "mochi: Cannot set the password for ada: none given, and no terminal to ask on (set MOCHI_PASSWORD)\n",
    );
    const empty = await mochi(["users", "add", "ada", "--data", data], { MOCHI_PASSWORD: "" });
    assert.equal(empty.code, EXIT.USAGE);
    assert.match(empty.stderr, /in MOCHI_PASSWORD: it is empty/);
    assert.equal((await mochi(["users", "list", "--data", data])).stdout, "");
  });
});

Deno.test("list, remove and passwd never create a data directory", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "typo");
    const listed = await mochi(["users", "list", "--data", data]);
    assert.equal(listed.code, EXIT.FAILURE);
    assert.equal(
      listed.stderr,
      `mochi: Cannot list the accounts: there is no server data in ${data}\n`,
    );
    const removed = await mochi(["users", "remove", "ada", "--data", data]);
    assert.equal(removed.code, EXIT.FAILURE);
    assert.match(removed.stderr, /no such account/);
    const changed = await mochi(["users", "passwd", "ada", "--data", data], {
      MOCHI_PASSWORD: "x",
    });
    assert.equal(changed.code, EXIT.FAILURE);
    assert.equal(await exists(data), false);
  });
});

Deno.test("of four users add processes racing for one name, one wins", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "data");
    const names = ["dave", "Dave", "DAVE", "Ｄａｖｅ"];
    const results = await Promise.all(
      names.map((name, index) =>
        mochi(["users", "add", name, "--data", data], { MOCHI_PASSWORD: `pw${index}` })
      ),
    );
    const codes = results.map((result) => result.code).sort();
    assert.deepEqual(codes, [EXIT.OK, EXIT.NAME_TAKEN, EXIT.NAME_TAKEN, EXIT.NAME_TAKEN]);
    const winner = results.findIndex((result) => result.code === EXIT.OK);
    await withKv(data, async (kv) => {
      assert.equal((await accounts.list(kv)).length, 1);
      await accounts.verifyLogin(kv, "dave", `pw${winner}`);
    });
  });
});

Deno.test("accounts and the room password change while the server runs", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "data");
    const server = startMochi(["server", "--host", "127.0.0.1", "--port", "0", "--data", data], {
      env: { MOCHI_ROOM_PASSWORD: "initial-room-secret" },
    });
    try {
      await server.stdout.waitFor(/^server key fingerprint: /m, 20_000);
      const added = await mochi(["users", "add", "erin", "--data", data], { MOCHI_PASSWORD: "pw" });
      assert.equal(added.code, EXIT.OK, added.stderr);
      const file = join(directory, "room-password.txt");
      await Deno.writeTextFile(file, "from-a-file\n");
      const set = await mochi([
        "server",
        "set-room-password",
        "--data",
        data,
        "--room-password-file",
        file,
      ]);
      assert.equal(set.code, EXIT.OK, set.stderr);
      assert.equal(set.stdout, `room password set in ${data}\n`);
      assert.doesNotMatch(set.stdout + set.stderr, /from-a-file/);
      const listed = await mochi(["users", "list", "--data", data]);
      assert.match(listed.stdout, /^erin\t/);
      await withKv(data, async (kv) => {
        assert.equal(await checkRoomPassword(kv, "from-a-file"), true);
        await accounts.verifyLogin(kv, "erin", "pw");
      });
    } finally {
      await server.stop();
    }
    assert.doesNotMatch(server.stdout.text + server.stderr.text, /from-a-file|initial-room-secret/);
  });
});

Deno.test("set-room-password takes MOCHI_ROOM_PASSWORD, or says what to do", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "data");
    const set = await mochi(["server", "--data", data, "set-room-password"], {
      MOCHI_ROOM_PASSWORD: "env-secret",
    });
    assert.equal(set.code, EXIT.OK, set.stderr);
    await withKv(data, async (kv) => assert.equal(await checkRoomPassword(kv, "env-secret"), true));
    const none = await mochi(["server", "set-room-password", "--data", data]);
    assert.equal(none.code, EXIT.USAGE);
    assert.equal(
      none.stderr,
      "mochi: Cannot set the room password: none given, and no terminal to ask on " +
        "(give --room-password-file FILE or set MOCHI_ROOM_PASSWORD)\n",
    );
    const emptyFile = join(directory, "empty");
    await Deno.writeTextFile(emptyFile, "\n");
    const empty = await mochi([
      "server",
      "set-room-password",
      "--data",
      data,
      "--room-password-file",
      emptyFile,
    ]);
    assert.equal(empty.code, EXIT.USAGE);
    assert.match(empty.stderr, /\(its first line\): it is empty/);
    await withKv(data, async (kv) => assert.equal(await checkRoomPassword(kv, "env-secret"), true));
  });
});
