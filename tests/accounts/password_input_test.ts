/**
 * Where passwords come from on the command line: the room password's order
 * (file, environment, stored, prompt on the first start, else a clear
 * failure), the prompt asked twice, and password files read safely.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ensureRoomPassword,
  newPasswordFrom,
  PasswordInputError,
  readPasswordFile,
} from "../../src/cli/_password_input.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { checkRoomPassword, setRoomPassword } from "../../src/server/room_password.ts";
import { FAST, withServerKv, withTemporaryDirectory } from "./_temporary.ts";

const noEnvironment = () => undefined;
const environment = (values: Record<string, string>) => (name: string) => values[name];
const noPrompt = () => Promise.reject(new Error("must not prompt"));

/** A prompt that answers from a list and records its questions. */
function scriptedPrompt(answers: string[]) {
  const questions: string[] = [];
  return {
    questions,
    prompt: (question: string) => {
      questions.push(question);
      return Promise.resolve(answers.shift() ?? "");
    },
  };
}

function inputError(code: number, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof PasswordInputError, String(error));
    assert.equal(error.exitCode, code);
    assert.match(error.message, message);
    return true;
  };
}

Deno.test("the room password file comes first and replaces the stored one", async () => {
  await withServerKv(async (kv, directory) => {
    await setRoomPassword(kv, "old", FAST);
    const file = join(directory, "room-password");
    await Deno.writeTextFile(file, "from the file\n");
    const origin = await ensureRoomPassword(
      kv,
      { file, environment: environment({ MOCHI_ROOM_PASSWORD: "from env" }), prompt: noPrompt },
      FAST,
    );
    assert.equal(origin, "file");
    assert.equal(await checkRoomPassword(kv, "from the file"), true);
    assert.equal(await checkRoomPassword(kv, "old"), false);
  });
});

Deno.test("MOCHI_ROOM_PASSWORD comes next; an empty one is refused", async () => {
  await withServerKv(async (kv) => {
    const origin = await ensureRoomPassword(
      kv,
      { environment: environment({ MOCHI_ROOM_PASSWORD: "from env" }), prompt: noPrompt },
      FAST,
    );
    assert.equal(origin, "environment");
    assert.equal(await checkRoomPassword(kv, "from env"), true);
    await assert.rejects(
      ensureRoomPassword(kv, { environment: environment({ MOCHI_ROOM_PASSWORD: "" }) }, FAST),
      inputError(EXIT.USAGE, /^Cannot use the room password in MOCHI_ROOM_PASSWORD: it is empty$/),
    );
  });
});

Deno.test("with neither, a stored password is kept and nobody is asked", async () => {
  await withServerKv(async (kv) => {
    await setRoomPassword(kv, "stored", FAST);
    const origin = await ensureRoomPassword(
      kv,
      { environment: noEnvironment, isTerminal: () => true, prompt: noPrompt },
      FAST,
    );
    assert.equal(origin, "stored");
    assert.equal(await checkRoomPassword(kv, "stored"), true);
  });
});

Deno.test("on the first start, a terminal is asked twice; the entries must match", async () => {
  await withServerKv(async (kv) => {
    const mismatch = scriptedPrompt(["one", "two"]);
    await assert.rejects(
      ensureRoomPassword(
        kv,
        { environment: noEnvironment, isTerminal: () => true, prompt: mismatch.prompt },
        FAST,
      ),
      inputError(EXIT.FAILURE, /^Cannot set the room password: the two entries differ$/),
    );
    const empty = scriptedPrompt([""]);
    await assert.rejects(
      ensureRoomPassword(
        kv,
        { environment: noEnvironment, isTerminal: () => true, prompt: empty.prompt },
        FAST,
      ),
      inputError(EXIT.USAGE, /it is empty/),
    );
    assert.equal(empty.questions.length, 1);
    const good = scriptedPrompt(["typed twice", "typed twice"]);
    const origin = await ensureRoomPassword(
      kv,
      { environment: noEnvironment, isTerminal: () => true, prompt: good.prompt },
      FAST,
    );
    assert.equal(origin, "prompt");
    assert.deepEqual(good.questions, ["New room password: ", "Type it again: "]);
    assert.equal(await checkRoomPassword(kv, "typed twice"), true);
  });
});

Deno.test("without a terminal and without a password, the server says what to do", async () => {
  await withServerKv(async (kv) => {
    await assert.rejects(
      ensureRoomPassword(kv, { environment: noEnvironment, isTerminal: () => false }, FAST),
      inputError(
        EXIT.USAGE,
        /^Cannot start the server: no room password is set, and there is no terminal to ask for one \(give --room-password-file FILE or set MOCHI_ROOM_PASSWORD\)$/,
      ),
    );
  });
});

Deno.test("account passwords come from MOCHI_PASSWORD or a prompt", async () => {
  const sources = { purpose: "the password for ada", environmentName: "MOCHI_PASSWORD" };
  assert.equal(
    await newPasswordFrom({ ...sources, environment: environment({ MOCHI_PASSWORD: "pw" }) }),
    "pw",
  );
  const asked = scriptedPrompt(["pw2", "pw2"]);
  assert.equal(
    await newPasswordFrom({
      ...sources,
      environment: noEnvironment,
      isTerminal: () => true,
      prompt: asked.prompt,
    }),
    "pw2",
  );
  assert.deepEqual(asked.questions, ["New password for ada: ", "Type it again: "]);
  await assert.rejects(
    newPasswordFrom({ ...sources, environment: noEnvironment, isTerminal: () => false }),
    inputError(
      EXIT.USAGE,
      /^Cannot set the password for ada: none given, and no terminal to ask on \(set MOCHI_PASSWORD\)$/,
    ),
  );
});

Deno.test("a password file gives its first line, without the line ending", async () => {
  await withTemporaryDirectory(async (directory) => {
    const read = async (content: string | Uint8Array) => {
      const file = join(directory, "password");
      if (typeof content === "string") await Deno.writeTextFile(file, content);
      else await Deno.writeFile(file, content);
      return await readPasswordFile(file, "the room password");
    };
    assert.equal(await read("secret\n"), "secret");
    assert.equal(await read("secret\r\n"), "secret");
    assert.equal(await read("secret"), "secret");
    assert.equal(await read("first\nsecond\n"), "first");
    assert.equal(await read("  spaces kept  \n"), "  spaces kept  ");
    assert.equal(await read("\uFEFFwith bom\n"), "with bom");
    assert.equal(await read("é".repeat(512)), "é".repeat(512));
    for (const empty of ["", "\n", "\r\n", "\nsecond line\n"]) {
      await assert.rejects(read(empty), inputError(EXIT.USAGE, /\(its first line\): it is empty$/));
    }
    await assert.rejects(read("x".repeat(1025)), inputError(EXIT.USAGE, /longer than 1024/));
    await assert.rejects(read("x".repeat(2_000_000)), inputError(EXIT.USAGE, /longer than 1024/));
    await assert.rejects(read(new Uint8Array([0xff, 0xfe, 0x41])), inputError(EXIT.USAGE, /UTF-8/));
    await assert.rejects(
      readPasswordFile(join(directory, "missing")),
      inputError(EXIT.FAILURE, /^Cannot read the password from .*missing: /),
    );
    await assert.rejects(readPasswordFile(directory), inputError(EXIT.FAILURE, /^Cannot read/));
  });
});

Deno.test("a password 'file' that never ends is read only up to the limit", async () => {
  if (Deno.build.os === "windows") return;
  await assert.rejects(readPasswordFile("/dev/zero"), inputError(EXIT.USAGE, /longer than 1024/));
});
