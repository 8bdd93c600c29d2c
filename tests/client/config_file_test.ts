/** MOCHI_HOME/config.json: accepted settings and clear refusals. */

import assert from "node:assert/strict";
import {
  ConfigFileError,
  loadClientConfig,
  parseClientConfig,
} from "../../src/client/config_file.ts";
import { withHome } from "./_session_helpers.ts";

const PATH = "/home/ada/.local/share/mochi/config.json";

Deno.test("server and user are both optional strings", () => {
  assert.deepEqual(parseClientConfig('{"server": "chat.example:55555", "user": "ada"}', PATH), {
    server: "chat.example:55555",
    user: "ada",
  });
  assert.deepEqual(parseClientConfig("{}", PATH), {});
  assert.deepEqual(parseClientConfig('{"user": " ada "}', PATH), { user: "ada" });
});

Deno.test("anything else is refused, naming the file and the problem", () => {
  const refuses = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseClientConfig(text, PATH),
      (error) =>
        error instanceof ConfigFileError && error.message.startsWith(`Cannot use ${PATH}: `) &&
        pattern.test(error.message),
    );
  refuses("{", /not valid JSON/);
  refuses("[]", /expected one JSON object/);
  refuses('"ada"', /expected one JSON object/);
  refuses('{"usr": "ada"}', /unknown setting "usr"/);
  refuses('{"server": 55555}', /"server" must be a non-empty string/);
  refuses('{"user": ""}', /"user" must be a non-empty string/);
  refuses(`{"user": "${"a".repeat(33)}"}`, /longer than 32 characters/);
});

Deno.test("a missing file is no settings; a bad one is an error", () =>
  withHome(async (home) => {
    assert.deepEqual(await loadClientConfig(home), {});
    await Deno.writeTextFile(`${home}/config.json`, '{"server": "127.0.0.1:1"}');
    assert.deepEqual(await loadClientConfig(home), { server: "127.0.0.1:1" });
    await Deno.writeFile(`${home}/config.json`, new Uint8Array([0x7b, 0xff, 0x7d]));
    await assert.rejects(loadClientConfig(home), /not UTF-8/);
    await Deno.remove(`${home}/config.json`);
    await Deno.mkdir(`${home}/config.json`);
    await assert.rejects(loadClientConfig(home), /not a file/);
  }));
