/**
 * `mochi server` and `mochi client` as real processes over real UDP: lines
 * typed into one client reach the others in the server's order, the server
 * console shows each with its sender, hostile text is shown inert, and a
 * client exits 0 at the end of its input only once the server has
 * everything. Through `mochi netsim` at 5 % loss too.
 */

import assert from "node:assert/strict";
import { type MochiProcess, startMochi, startNetsim } from "../_processes.ts";

const TIMEOUT_MS = 60_000;

async function startServer(root: string): Promise<{ server: MochiProcess; port: number }> {
  const dataDirectory = `${root}/server`;
  const server = startMochi([
    "server",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--data",
    dataDirectory,
  ]);
  const match = await server.stdout.waitFor(/listening on udp 127\.0\.0\.1:(\d+)/, 20_000);
  return { server, port: Number(match[1]) };
}

function startClient(root: string, port: number, name: string): MochiProcess {
  return startMochi(["client", "--server", `127.0.0.1:${port}`, "--user", name], {
    stdin: true,
    env: { MOCHI_HOME: `${root}/home-${name}` },
  });
}

/** Runs `body` in a temporary directory, with everything it starts stopped and removed afterwards. */
async function withProcesses(body: (started: MochiProcess[], root: string) => Promise<void>) {
  const started: MochiProcess[] = [];
  const root = await Deno.makeTempDir({ prefix: "mochi-e2e-" });
  try {
    await body(started, root);
  } finally {
    await Promise.all(started.map((process) => process.stop()));
    await Deno.remove(root, { recursive: true });
  }
}

async function roomExchange(lineCount: number, throughNetsim: boolean) {
  await withProcesses(async (started, root) => {
    const { server, port } = await startServer(root);
    started.push(server);
    let clientPort = port;
    if (throughNetsim) {
      const netsim = await startNetsim(port, ["--loss", "5", "--delay", "2", "--seed", "3"]);
      started.push(netsim.process);
      clientPort = netsim.port;
    }
    const listener = startClient(root, clientPort, "bob");
    started.push(listener);
    await server.stdout.waitFor(/bob joined/, TIMEOUT_MS);
    const talker = startClient(root, clientPort, "ada");
    started.push(talker);
    await listener.stdout.waitFor(/\* ada joined/, TIMEOUT_MS);
    const lines = Array.from({ length: lineCount }, (_, i) => `line ${i} from ada`);
    await talker.write(lines.join("\n") + "\n\u001b[2J\u001b]0;pwned\u0007inert\n");
    await talker.closeStdin();
    const status = await talker.status;
    assert.equal(status.code, 0, talker.stderr.text);
    await listener.stdout.waitFor(/ada left/, TIMEOUT_MS);
    const received = listener.stdout.text.split("\n").filter((line) => line.includes(": "));
    assert.deepEqual(
      received.map((line) => line.replace(/^\[\d\d:\d\d:\d\d\] /, "")),
      [...lines.map((line) => `ada: ${line}`), "ada: inert"],
    );
    assert.ok(!listener.stdout.text.includes("\u001b"), "no escape sequence reaches a terminal");
    for (let i = 0; i < lineCount; i++) {
      assert.match(server.stdout.text, new RegExp(`#${i + 1} ada: line ${i} from ada`));
    }
  });
}

Deno.test({
  name: "server and clients: every line reaches the other member, in order, and the console",
  sanitizeResources: false,
  fn: () => roomExchange(20, false),
});

Deno.test({
  name: "server and clients through mochi netsim at 5 % loss",
  sanitizeResources: false,
  fn: () => roomExchange(200, true),
});

Deno.test({
  name: "a client with no server exits with the 'server unreachable' status",
  sanitizeResources: false,
  fn: () =>
    withProcesses(async (started, root) => {
      const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      const port = (socket.addr as Deno.NetAddr).port;
      socket.close();
      const client = startClient(root, port, "ada");
      started.push(client);
      const status = await client.status;
      assert.equal(status.code, 6);
      assert.match(client.stderr.text, /^mochi: Cannot connect to 127\.0\.0\.1:\d+: no answer/);
    }),
});

Deno.test({
  name: "a client pins the server's key on first use and refuses a changed one (exit 7)",
  sanitizeResources: false,
  fn: () =>
    withProcesses(async (started, root) => {
      const first = await startServer(root);
      started.push(first.server);
      const fingerprint = (await first.server.stdout.waitFor(/SHA256:[A-Za-z0-9+/]{43}/, 5_000))[0];
      const trusting = startClient(root, first.port, "ada");
      started.push(trusting);
      await trusting.closeStdin();
      assert.equal((await trusting.status).code, 0, trusting.stderr.text);
      assert.match(
        trusting.stderr.text,
        new RegExp(`trust.*${fingerprint.replaceAll("+", "\\+")}`, "i"),
      );
      const pins = await Deno.readTextFile(`${root}/home-ada/known_servers`);
      assert.match(
        pins,
        new RegExp(`127\\.0\\.0\\.1:${first.port} ${fingerprint.replaceAll("+", "\\+")}`),
      );
      await first.server.stop();

      // Another server (another key) on the same address: a man in the middle, as far as ada knows.
      const impostor = startMochi([
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        String(first.port),
        "--data",
        `${root}/impostor`,
      ]);
      started.push(impostor);
      await impostor.stdout.waitFor(/listening on udp/, 20_000);
      const refusing = startClient(root, first.port, "ada");
      started.push(refusing);
      await refusing.write("my secret\n");
      const status = await refusing.status;
      assert.equal(status.code, 7);
      assert.match(refusing.stderr.text, /forget-server/);
      assert.ok(!impostor.stdout.text.includes("my secret"), "nothing was sent to the impostor");
    }),
});
