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

async function startServer(): Promise<{ server: MochiProcess; port: number }> {
  const server = startMochi(["server", "--host", "127.0.0.1", "--port", "0", "--data", "unused"]);
  const match = await server.stdout.waitFor(/listening on udp 127\.0\.0\.1:(\d+)/, 20_000);
  return { server, port: Number(match[1]) };
}

function startClient(port: number, name: string): MochiProcess {
  return startMochi(["client", "--server", `127.0.0.1:${port}`, "--user", name], { stdin: true });
}

/** Runs `body` with everything it starts stopped afterwards. */
async function withProcesses(body: (started: MochiProcess[]) => Promise<void>) {
  const started: MochiProcess[] = [];
  try {
    await body(started);
  } finally {
    await Promise.all(started.map((process) => process.stop()));
  }
}

async function roomExchange(lineCount: number, throughNetsim: boolean) {
  await withProcesses(async (started) => {
    const { server, port } = await startServer();
    started.push(server);
    let clientPort = port;
    if (throughNetsim) {
      const netsim = await startNetsim(port, ["--loss", "5", "--delay", "2", "--seed", "3"]);
      started.push(netsim.process);
      clientPort = netsim.port;
    }
    const listener = startClient(clientPort, "bob");
    started.push(listener);
    await server.stdout.waitFor(/bob joined/, TIMEOUT_MS);
    const talker = startClient(clientPort, "ada");
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
    withProcesses(async (started) => {
      const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      const port = (socket.addr as Deno.NetAddr).port;
      socket.close();
      const client = startClient(port, "ada");
      started.push(client);
      const status = await client.status;
      assert.equal(status.code, 6);
      assert.match(client.stderr.text, /^mochi: Cannot connect to 127\.0\.0\.1:\d+: no answer/);
    }),
});
