/**
 * The file commands' checks that need no server: what send-file refuses
 * before asking for a password or connecting, and the usage errors.
 */

import assert from "node:assert/strict";
import { HAS_SCRIPT, startOnTerminal } from "../accounts/_terminal.ts";
import { runMochi } from "./_mochi.ts";

// Port 9 (discard): nothing answers there, so reaching the network would show as exit 6.
const SERVER = ["--server", "127.0.0.1:9", "--user", "ada"];

Deno.test("send-file refuses a missing file before connecting", async () => {
  const result = await runMochi(["send-file", ...SERVER, "/nonexistent/notes.pdf"]);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr, "mochi: Cannot send /nonexistent/notes.pdf: no such file\n");
});

Deno.test("send-file refuses a directory and says how to send one", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const result = await runMochi(["send-file", ...SERVER, directory]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /it is a directory\n.*tar c .* \| mochi send-file --name/);
  } finally {
    await Deno.remove(directory);
  }
});

Deno.test("a name that cannot be a file name is a usage error", async () => {
  const result = await runMochi(["send-file", ...SERVER, "--name", "../up.txt", "-"]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^mochi: Cannot send as '\.\.\/up\.txt': /);
});

Deno.test("file commands need --server and --user (exit 2)", async () => {
  for (const command of ["send-file", "recv-file", "files"]) {
    const result = await runMochi([
      command,
      "--user",
      "ada",
      ...(command === "send-file" ? ["x"] : []),
    ]);
    assert.equal(result.code, 2, `${command}: ${result.stderr}`);
    assert.match(result.stderr, /--server/);
  }
});

Deno.test("without a terminal or MOCHI_PASSWORD, the passwords are a usage error", async () => {
  const result = await runMochi(["files", ...SERVER]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /MOCHI_PASSWORD is not set, and there is no terminal to ask on/);
});

Deno.test({
  name: "recv-file -o - refuses to write a file to a terminal, before connecting",
  ignore: !HAS_SCRIPT,
  async fn() {
    const session = startOnTerminal(["recv-file", ...SERVER, "-o", "-"]);
    try {
      const { code, shown } = await session.finish();
      assert.equal(code, 2, shown);
      assert.match(shown, /Cannot write the file to a terminal: -o - is for pipes/);
    } finally {
      await session.stop();
    }
  },
});

Deno.test("recv-file refuses a malformed id as a usage error, before connecting", async () => {
  const result = await runMochi(["recv-file", ...SERVER, "NOT-AN-ID"]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /'NOT-AN-ID' is not a file id: 1 to 32 characters of 0-9 and a-z/);
});
