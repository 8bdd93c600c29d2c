/**
 * The identity and pinning commands as real processes: `mochi server`
 * prints the fingerprint it creates, `mochi server fingerprint` prints the
 * same one (and refuses on an empty directory), and
 * `mochi client --forget-server` edits known_servers without connecting.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { openServerKv, SERVER_IDENTITY_KEY } from "../../src/server/identity.ts";
import { startMochi } from "../_processes.ts";
import { mochiCommand, type MochiResult } from "../cli/_mochi.ts";
import { withTemporaryDirectory } from "./_temporary.ts";

const FINGERPRINT_LINE = /^SHA256:[A-Za-z0-9+/]{43}$/;

async function run(args: string[], env: Record<string, string> = {}): Promise<MochiResult> {
  const output = await mochiCommand(args, { env: { NO_COLOR: "1", ...env } }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("mochi server prints the key it creates; mochi server fingerprint prints it alone", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "server-data");
    const server = startMochi(["server", "--host", "127.0.0.1", "--port", "0", "--data", data], {
      env: { MOCHI_ROOM_PASSWORD: "room-password" },
    });
    let printed: string;
    try {
      const match = await server.stdout.waitFor(/^server key fingerprint: (\S+)$/m, 20_000);
      printed = match[1]!;
      assert.match(printed, FINGERPRINT_LINE);
      assert.match(server.stdout.text, /created a new server identity key/);
      // While the server runs, from another process.
      const result = await run(["server", "fingerprint", "--data", data]);
      assert.equal(result.code, EXIT.OK, result.stderr);
      assert.equal(result.stdout, `${printed}\n`);
      assert.equal(result.stderr, "");
    } finally {
      await server.stop();
    }
    // After it stopped, and with --data given before the subcommand's name.
    const after = await run(["server", "--data", data, "fingerprint"]);
    assert.equal(after.code, EXIT.OK, after.stderr);
    assert.equal(after.stdout, `${printed}\n`);
    // A second start keeps the key.
    const again = startMochi(["server", "--host", "127.0.0.1", "--port", "0", "--data", data], {
      env: { MOCHI_ROOM_PASSWORD: "room-password" },
    });
    try {
      const match = await again.stdout.waitFor(/^server key fingerprint: (\S+)$/m, 20_000);
      assert.equal(match[1], printed);
      assert.doesNotMatch(again.stdout.text, /created a new/);
    } finally {
      await again.stop();
    }
  });
});

Deno.test("two servers started at once on one empty data directory print one key", async () => {
  await withTemporaryDirectory(async (directory) => {
    const data = join(directory, "shared");
    const servers = [0, 1].map(() =>
      startMochi(["server", "--host", "127.0.0.1", "--port", "0", "--data", data], {
        env: { MOCHI_ROOM_PASSWORD: "room-password" },
      })
    );
    try {
      const printed = await Promise.all(
        servers.map((server) => server.stdout.waitFor(/^server key fingerprint: (\S+)$/m, 20_000)),
      );
      assert.equal(printed[0]![1], printed[1]![1]);
      const creators = servers.filter((server) => /created a new/.test(server.stdout.text));
      assert.equal(creators.length, 1);
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  });
});

Deno.test("mochi server fingerprint on an empty or missing directory exits 1 and creates nothing", async () => {
  await withTemporaryDirectory(async (directory) => {
    for (const data of [directory, join(directory, "missing")]) {
      const result = await run(["server", "fingerprint", "--data", data]);
      assert.equal(result.code, EXIT.FAILURE);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        /^mochi: Cannot show the server key fingerprint: there is no identity key in .* yet/,
      );
      assert.equal(result.stderr.trimEnd().split("\n").length, 1);
    }
    const names = [];
    for await (const entry of Deno.readDir(directory)) names.push(entry.name);
    assert.deepEqual(names, []);
  });
});

Deno.test("a damaged identity is an integrity error (exit 8), for the server and for fingerprint", async () => {
  await withTemporaryDirectory(async (data) => {
    const kv = await openServerKv(data);
    await kv.set(SERVER_IDENTITY_KEY, { privateKey: new Uint8Array(12), createdAt: "2026" });
    kv.close();
    for (
      const args of [
        ["server", "fingerprint", "--data", data],
        ["server", "--host", "127.0.0.1", "--port", "0", "--data", data],
      ]
    ) {
      const result = await run(args);
      assert.equal(result.code, EXIT.INTEGRITY, result.stderr);
      assert.match(result.stderr, /^mochi: Cannot use the stored identity .* 12 bytes, not 32/);
    }
  });
});

Deno.test("mochi client --forget-server edits known_servers and needs no --server", async () => {
  await withTemporaryDirectory(async (home) => {
    const alpha = `SHA256:${"A".repeat(43)}`;
    const beta = `SHA256:${"B".repeat(42)}A`;
    const path = join(home, "known_servers");
    await Deno.writeTextFile(
      path,
      `# keep me\nchat.example:55555 ${alpha}\n[::1]:7 ${beta}\nnot a line\n`,
    );
    const result = await run(["client", "--forget-server", "CHAT.example:55555"], {
      MOCHI_HOME: home,
    });
    assert.equal(result.code, EXIT.OK, result.stderr);
    assert.match(result.stdout, new RegExp(`^forgot chat\\.example:55555 ${alpha} \\(line 2 of `));
    assert.equal(await Deno.readTextFile(path), `# keep me\n[::1]:7 ${beta}\nnot a line\n`);
    const ipv6 = await run(["client", "--forget-server", "[0::1]:7"], { MOCHI_HOME: home });
    assert.equal(ipv6.code, EXIT.OK, ipv6.stderr);
    assert.equal(await Deno.readTextFile(path), `# keep me\nnot a line\n`);
    const absent = await run(["client", "--forget-server", "other.example:1"], {
      MOCHI_HOME: home,
    });
    assert.equal(absent.code, EXIT.OK, absent.stderr);
    assert.match(absent.stdout, /other\.example:1 was not in .*known_servers: nothing to forget/);
  });
});

Deno.test("a malformed --fingerprint or --forget-server is a usage error", async () => {
  const badFingerprint = await run([
    "client",
    "--server",
    "127.0.0.1:55555",
    "--fingerprint",
    "SHA256:nope",
  ]);
  assert.equal(badFingerprint.code, EXIT.USAGE);
  assert.match(badFingerprint.stderr, /^mochi: --fingerprint: invalid fingerprint 'SHA256:nope'/);
  const badAddress = await run(["client", "--forget-server", "nonsense"]);
  assert.equal(badAddress.code, EXIT.USAGE);
  assert.match(badAddress.stderr, /^mochi: --forget-server: invalid address 'nonsense'/);
  const missing = await run(["client", "--user", "ada"]);
  assert.equal(missing.code, EXIT.USAGE);
  assert.match(missing.stderr, /^mochi: required option '--server <host:port>' not specified\n/);
});
