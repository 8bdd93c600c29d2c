/**
 * The hidden prompt on a real (pseudo-)terminal: nothing typed is echoed,
 * the answer is asked twice and must match, Backspace and arrow keys behave,
 * Ctrl-C cancels, and the terminal's settings are restored in every case.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT } from "../../src/cli/exit_codes.ts";
import * as accounts from "../../src/server/accounts.ts";
import { openServerKv } from "../../src/server/identity.ts";
import { checkRoomPassword } from "../../src/server/room_password.ts";
import { HAS_SCRIPT, startOnTerminal, type TerminalSession } from "./_terminal.ts";
import { withTemporaryDirectory } from "./_temporary.ts";

const ignore = !HAS_SCRIPT;

async function session<T>(args: string[], body: (terminal: TerminalSession) => Promise<T>) {
  const terminal = startOnTerminal(args);
  try {
    return await body(terminal);
  } finally {
    await terminal.stop();
  }
}

async function withKv<T>(data: string, use: (kv: Deno.Kv) => Promise<T>): Promise<T> {
  const kv = await openServerKv(data);
  try {
    return await use(kv);
  } finally {
    kv.close();
  }
}

Deno.test({
  name: "users add asks twice without echo, and restores the terminal",
  ignore,
  fn: () =>
    withTemporaryDirectory(async (directory) => {
      const data = join(directory, "data");
      const result = await session(["users", "add", "Ada", "--data", data], async (terminal) => {
        await terminal.waitFor(/New password for Ada: $/);
        await terminal.type("secret-one\r");
        await terminal.waitFor(/Type it again: $/);
        await terminal.type("secret-one\r");
        return await terminal.finish();
      });
      assert.equal(result.code, EXIT.OK, result.shown);
      assert.equal(result.terminalRestored, true);
      assert.doesNotMatch(result.shown, /secret/);
      assert.match(result.shown, /added account Ada/);
      await withKv(data, (kv) => accounts.verifyLogin(kv, "ada", "secret-one"));
    }),
});

Deno.test({
  name: "Backspace, Ctrl-U and arrow keys edit the hidden answer",
  ignore,
  fn: () =>
    withTemporaryDirectory(async (directory) => {
      const data = join(directory, "data");
      const result = await session(["users", "add", "bob", "--data", data], async (terminal) => {
        await terminal.waitFor(/New password for bob: $/);
        // "wrong", erased by Ctrl-U; "pX" with a Backspace; arrows ignored; "é" erased whole.
        await terminal.type("wrong\x15pw\x7fX\x1b[D\x1b[A\x1bOHé\x7f!\r");
        await terminal.waitFor(/Type it again: $/);
        await terminal.type("pX!\r");
        return await terminal.finish();
      });
      assert.equal(result.code, EXIT.OK, result.shown);
      assert.equal(result.terminalRestored, true);
      await withKv(data, (kv) => accounts.verifyLogin(kv, "bob", "pX!"));
    }),
});

Deno.test({
  name: "entries that differ are refused",
  ignore,
  fn: () =>
    withTemporaryDirectory(async (directory) => {
      const data = join(directory, "data");
      const result = await session(["users", "add", "carol", "--data", data], async (terminal) => {
        await terminal.waitFor(/New password for carol: $/);
        await terminal.type("one\r");
        await terminal.waitFor(/Type it again: $/);
        await terminal.type("two\r");
        return await terminal.finish();
      });
      assert.equal(result.code, EXIT.FAILURE);
      assert.equal(result.terminalRestored, true);
      assert.match(
        result.shown,
        /mochi: Cannot set the password for carol: the two entries differ/,
      );
      await withKv(data, async (kv) => assert.deepEqual(await accounts.list(kv), []));
    }),
});

Deno.test({
  name: "Ctrl-C at the prompt cancels and restores the terminal",
  ignore,
  fn: () =>
    withTemporaryDirectory(async (directory) => {
      const data = join(directory, "data");
      const result = await session(
        ["server", "set-room-password", "--data", data],
        async (terminal) => {
          await terminal.waitFor(/New room password: $/);
          await terminal.type("half-typed\x03");
          return await terminal.finish();
        },
      );
      assert.equal(result.code, EXIT.FAILURE);
      assert.equal(result.terminalRestored, true);
      assert.match(result.shown, /mochi: Cannot read the password: cancelled/);
      assert.doesNotMatch(result.shown, /half-typed/);
    }),
});

Deno.test({
  name: "set-room-password on a terminal stores what was typed twice",
  ignore,
  fn: () =>
    withTemporaryDirectory(async (directory) => {
      const data = join(directory, "data");
      const result = await session(
        ["server", "set-room-password", "--data", data],
        async (terminal) => {
          await terminal.waitFor(/New room password: $/);
          await terminal.type("room secret\r");
          await terminal.waitFor(/Type it again: $/);
          await terminal.type("room secret\r");
          return await terminal.finish();
        },
      );
      assert.equal(result.code, EXIT.OK, result.shown);
      assert.equal(result.terminalRestored, true);
      assert.doesNotMatch(result.shown, /room secret/);
      await withKv(data, async (kv) =>
        assert.equal(await checkRoomPassword(kv, "room secret"), true));
    }),
});
