import assert from "node:assert/strict";
import {
  clientHomeDirectory,
  DataDirectoryError,
  dataHome,
  defaultServerDataDirectory,
} from "../../src/cli/_data_dirs.ts";
import { resolveUserPath, userWorkingDirectory } from "../../src/cli/_paths.ts";

/** An environment holding exactly `variables`. */
function environment(variables: Record<string, string>): (name: string) => string | undefined {
  return (name) => variables[name];
}

const cwd = () => "/srv/mochi";

Deno.test("user paths resolve against INIT_CWD (deno task), else the working directory", () => {
  assert.equal(
    resolveUserPath("a/b.txt", environment({ INIT_CWD: "/home/ada" }), cwd),
    "/home/ada/a/b.txt",
  );
  assert.equal(resolveUserPath("../x", environment({ INIT_CWD: "/home/ada" }), cwd), "/home/x");
  assert.equal(resolveUserPath("a.txt", environment({}), cwd), "/srv/mochi/a.txt");
  assert.equal(resolveUserPath("a.txt", environment({ INIT_CWD: "" }), cwd), "/srv/mochi/a.txt");
  assert.equal(
    resolveUserPath("/etc//hosts", environment({ INIT_CWD: "/home/ada" }), cwd),
    "/etc/hosts",
  );
  assert.equal(userWorkingDirectory(environment({ INIT_CWD: "/tmp" }), cwd), "/tmp");
});

Deno.test("data home follows XDG_DATA_HOME, ignoring relative values", () => {
  assert.equal(dataHome(environment({ XDG_DATA_HOME: "/data", HOME: "/home/ada" })), "/data");
  assert.equal(
    dataHome(environment({ XDG_DATA_HOME: "rel", HOME: "/home/ada" })),
    "/home/ada/.local/share",
  );
  assert.equal(dataHome(environment({ USERPROFILE: "/users/ada" })), "/users/ada/.local/share");
  assert.throws(() => dataHome(environment({})), DataDirectoryError);
});

Deno.test("server data defaults to $XDG_DATA_HOME/mochi/server", () => {
  assert.equal(
    defaultServerDataDirectory(environment({ HOME: "/home/ada" })),
    "/home/ada/.local/share/mochi/server",
  );
  assert.equal(defaultServerDataDirectory(environment({ XDG_DATA_HOME: "/x" })), "/x/mochi/server");
});

Deno.test("client home is MOCHI_HOME (resolved like a user path), else $XDG_DATA_HOME/mochi", () => {
  assert.equal(clientHomeDirectory(environment({ MOCHI_HOME: "/m", HOME: "/h" }), cwd), "/m");
  assert.equal(
    clientHomeDirectory(environment({ MOCHI_HOME: "state", INIT_CWD: "/home/ada" }), cwd),
    "/home/ada/state",
  );
  assert.equal(clientHomeDirectory(environment({ HOME: "/h" }), cwd), "/h/.local/share/mochi");
});
