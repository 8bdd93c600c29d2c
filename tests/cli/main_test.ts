import assert from "node:assert/strict";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { Collector, loopbackSocket, waitFor } from "../netsim/_udp.ts";
import { denoConfig, mochiCommand, type MochiResult, runMochi } from "./_mochi.ts";

const COMMANDS = ["server", "client", "send-file", "recv-file", "users", "netsim"];

/** A usage error: status 2, nothing on stdout, `mochi: <reason>` then a hint on stderr. */
function assertUsageError(result: MochiResult, reason: RegExp, command = "mochi"): void {
  assert.equal(result.code, EXIT.USAGE, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, `two lines expected:\n${result.stderr}`);
  assert.match(lines[0]!, /^mochi: /);
  assert.match(lines[0]!, reason);
  assert.equal(lines[1], `Try '${command} --help' for more information.`);
}

Deno.test("mochi --help lists every command and exits 0", async () => {
  const result = await runMochi(["--help"]);
  assert.equal(result.code, EXIT.OK);
  assert.match(result.stdout, /^Usage: mochi /);
  for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`\\n  ${command} `));
  assert.equal(result.stderr, "");
});

Deno.test("mochi --version prints deno.json's version", async () => {
  const result = await runMochi(["--version"]);
  assert.equal(result.code, EXIT.OK);
  assert.equal(result.stdout.trim(), denoConfig.version);
});

Deno.test("every command's --help exits 0 and shows examples", async () => {
  for (const command of COMMANDS) {
    const result = await runMochi([command, "--help"]);
    assert.equal(result.code, EXIT.OK, command);
    assert.match(result.stdout, new RegExp(`^Usage: mochi ${command}`), command);
    assert.match(result.stdout, /Examples:/, command);
  }
});

Deno.test("an unknown command exits 2 with a one-line reason and a hint", async () => {
  assertUsageError(await runMochi(["bogus"]), /^mochi: unknown command 'bogus'$/);
  assertUsageError(
    await runMochi(["clinet"]),
    /unknown command 'clinet' \(Did you mean client\?\)/,
  );
});

Deno.test("no command at all is a usage error", async () => {
  assertUsageError(await runMochi([]), /missing command: expected one of server, client/);
  assertUsageError(
    await runMochi(["users"]),
    /expected one of list, add, remove, passwd/,
    "mochi users",
  );
});

Deno.test("an unknown option exits 2", async () => {
  assertUsageError(
    await runMochi(["client", "--server", "127.0.0.1:55555", "--bogus"]),
    /unknown option '--bogus'/,
    "mochi client",
  );
});

Deno.test("a bad address exits 2 and says why", async () => {
  assertUsageError(
    await runMochi(["client", "--server", "nonsense"]),
    /^mochi: --server: invalid address 'nonsense': expected HOST:PORT/,
    "mochi client",
  );
  assertUsageError(
    await runMochi(["send-file", "--server", "[::1]:70000", "--user", "ada", "x"]),
    /--server: invalid port '70000'/,
    "mochi send-file",
  );
});

Deno.test("missing required options and bad numbers exit 2", async () => {
  assertUsageError(
    await runMochi(["client"]),
    /required option '--server <host:port>' not specified/,
    "mochi client",
  );
  assertUsageError(
    await runMochi(["netsim", "--loss", "101"]),
    /^mochi: --loss: '101' is out of range/,
    "mochi netsim",
  );
  assertUsageError(
    await runMochi(["server", "--port", "http"]),
    /^mochi: --port: invalid port 'http'/,
    "mochi server",
  );
  assertUsageError(
    await runMochi(["server", "--mtu", "1e3"]),
    /^mochi: --mtu: '1e3' is not a whole number/,
    "mochi server",
  );
});

Deno.test({
  name: "mochi netsim relays, and on SIGTERM prints its counters and exits 0",
  ignore: Deno.build.os === "windows",
  async fn() {
    const sink = new Collector();
    const client = loopbackSocket();
    const child = mochiCommand([
      "netsim",
      "--listen",
      "127.0.0.1:0",
      "--upstream",
      `127.0.0.1:${sink.address.port}`,
      "--delay",
      "1",
      "--seed",
      "3",
    ]).spawn();
    const stderrChunks: string[] = [];
    const reading = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        stderrChunks.push(chunk);
      }
    })();
    try {
      await waitFor(
        () => /listening on 127\.0\.0\.1:\d+/.test(stderrChunks.join("")),
        "the start-up line",
        15_000,
      );
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(stderrChunks.join(""))![1]);
      for (let index = 0; index < 5; index++) {
        await client.send(new Uint8Array([index]), {
          transport: "udp",
          hostname: "127.0.0.1",
          port,
        });
      }
      await waitFor(() => sink.arrivals.length === 5, "datagrams through netsim");
      assert.deepEqual(sink.arrivals.map((arrival) => arrival.bytes[0]), [0, 1, 2, 3, 4]);
      child.kill("SIGTERM");
      const status = await child.status;
      await reading;
      const stderr = stderrChunks.join("");
      assert.equal(status.code, EXIT.OK, stderr);
      assert.match(stderr, /delay 1 ms each way/);
      assert.match(stderr, /client->upstream\s+5\s+5\s+0/);
      assert.match(stderr, /clients: 1 seen/);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await reading.catch(() => {});
      client.close();
      await sink.close();
    }
  },
});
