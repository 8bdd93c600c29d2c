/**
 * `mochi server` and `mochi client` as real processes over real UDP, each
 * test bounded in time and cleaning up everything it starts: accounts, the
 * room password, one order for everyone, private messages, presence,
 * restarts (SIGTERM and SIGKILL), inert escape sequences, pinning, and
 * 500 messages from each of three clients through `mochi netsim` at 5 % loss.
 */

import assert from "node:assert/strict";
import { type MochiProcess, startMochi, startNetsim } from "../_processes.ts";
import {
  registerAccount,
  ROOM_PASSWORD,
  startClient,
  startServer,
  TIMEOUT_MS,
  withRoom,
} from "./_room.ts";

type JsonEvent = {
  type: string;
  sequence?: number;
  from?: string;
  text?: string;
  kind?: string;
  name?: string;
};

function jsonEvents(client: MochiProcess): JsonEvent[] {
  return client.stdout.text.split("\n").filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line)
  );
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeResources: false, sanitizeOps: false });

test("three members: everyone gets every other message in the server's one order", () =>
  withRoom(async (room) => {
    const { server, port } = await startServer(room);
    const names = ["ada", "bob", "cyd"];
    const clients = names.map((name) =>
      startClient(room, port, name, { register: true, json: true })
    );
    for (const name of names) await server.stdout.waitFor(new RegExp(`${name} joined`), TIMEOUT_MS);
    for (const [index, client] of clients.entries()) {
      await client.write(
        Array.from({ length: 20 }, (_, i) => `${names[index]} line ${i}`).join("\n") + "\n",
      );
    }
    for (const [index, client] of clients.entries()) {
      const other = names[(index + 1) % 3]!;
      await client.stdout.waitFor(new RegExp(`"text":"${other} line 19"`), TIMEOUT_MS);
      const last = names[(index + 2) % 3]!;
      await client.stdout.waitFor(new RegExp(`"text":"${last} line 19"`), TIMEOUT_MS);
    }
    const bySequence = new Map<number, string>();
    for (const client of clients) {
      const messages = jsonEvents(client).filter((event) => event.type === "message");
      assert.equal(messages.length, 40, "every message of the two others");
      const sequences = messages.map((event) => event.sequence!);
      assert.deepEqual(sequences, [...sequences].sort((a, b) => a - b), "in the server's order");
      for (const event of messages) {
        const known = bySequence.get(event.sequence!);
        assert.ok(known === undefined || known === event.text, "one text per sequence number");
        bySequence.set(event.sequence!, event.text!);
      }
    }
    assert.equal(bySequence.size, 60);
    for (const [sequence, text] of bySequence) {
      const [name] = text.split(" ");
      assert.match(
        server.stdout.text,
        new RegExp(`\\d\\d:\\d\\d:\\d\\d #${sequence} ${name}: ${text}`),
      );
    }
    for (const client of clients) await client.closeStdin();
    for (const client of clients) assert.equal((await client.status).code, 0, client.stderr.text);
  }));

test("wrong password exits 3, a taken name (Alice vs alice) 5, a wrong room password 4", () =>
  withRoom(async (room) => {
    const { port } = await startServer(room);
    await registerAccount(room, port, "alice");
    const taken = startClient(room, port, "Alice", { register: true });
    assert.equal((await taken.status).code, 5, taken.stderr.text);
    const wrong = startClient(room, port, "alice", { password: "not her password" });
    assert.equal((await wrong.status).code, 3, wrong.stderr.text);
    const outsider = startClient(room, port, "alice", { roomPassword: "guess" });
    assert.equal((await outsider.status).code, 4, outsider.stderr.text);
    for (const client of [taken, wrong, outsider]) assert.match(client.stderr.text, /^mochi: /m);
    const ok = startClient(room, port, "ALICE");
    await ok.closeStdin();
    assert.equal((await ok.status).code, 0, ok.stderr.text);
  }));

test("private messages reach only their target; joins, leaves and hostile text are shown inert", () =>
  withRoom(async (room) => {
    const { server, port } = await startServer(room);
    const bob = startClient(room, port, "bob", { register: true });
    const cyd = startClient(room, port, "cyd", { register: true });
    await server.stdout.waitFor(/cyd joined/, TIMEOUT_MS);
    await server.stdout.waitFor(/bob joined/, TIMEOUT_MS);
    const ada = startClient(room, port, "ada", { register: true });
    await bob.stdout.waitFor(/\* ada joined/, TIMEOUT_MS);
    await ada.write("/msg bob for your eyes only\n\u001b]0;pwned\u0007\u001b[2Jinert\n");
    await ada.closeStdin();
    assert.equal((await ada.status).code, 0, ada.stderr.text);
    await bob.stdout.waitFor(/ada left/, TIMEOUT_MS);
    await cyd.stdout.waitFor(/ada left/, TIMEOUT_MS);
    assert.match(bob.stdout.text, /ada -> you \(private\): for your eyes only/);
    assert.ok(!cyd.stdout.text.includes("for your eyes only"), "only bob sees it");
    assert.ok(!server.stdout.text.includes("for your eyes only"), "nor the console");
    for (const output of [bob.stdout.text, cyd.stdout.text, server.stdout.text]) {
      assert.match(output, /inert/);
      assert.ok(
        !output.includes("\u001b") && !output.includes("\u0007"),
        "no escape reaches a terminal",
      );
    }
    const hostileName = startClient(room, port, "\u001b[31mmallory", {
      register: true,
      home: "mallory",
    });
    assert.notEqual((await hostileName.status).code, 0);
    assert.ok(!hostileName.stderr.text.includes("\u001b"), hostileName.stderr.text);
  }));

test("lines typed while the server restarts are delivered after it; accounts survive SIGKILL", () =>
  withRoom(async (room) => {
    const first = await startServer(room);
    await registerAccount(room, first.port, "bob");
    const ada = startClient(room, first.port, "ada", { register: true });
    await first.server.stdout.waitFor(/ada joined/, TIMEOUT_MS);
    await ada.write("before the crash\n");
    await first.server.stdout.waitFor(/#1 ada: before the crash/, TIMEOUT_MS);
    first.server.child.kill("SIGKILL");
    await first.server.status;
    await ada.write("during the outage\n");
    const second = await startServer(room, first.port);
    await second.server.stdout.waitFor(/ada joined/, TIMEOUT_MS);
    await second.server.stdout.waitFor(/ada: during the outage/, TIMEOUT_MS);
    const bob = startClient(room, first.port, "bob"); // a login: his account survived
    await second.server.stdout.waitFor(/bob joined/, TIMEOUT_MS);
    await ada.write("after the restart\n");
    await bob.stdout.waitFor(/ada: after the restart/, TIMEOUT_MS);
    await ada.closeStdin();
    assert.equal((await ada.status).code, 0, ada.stderr.text);
    assert.equal(second.server.stdout.text.match(/ada: during the outage/g)?.length, 1, "once");
    await bob.closeStdin();
    assert.equal((await bob.status).code, 0, bob.stderr.text);
    // SIGTERM: members are told, the data is closed cleanly.
    const stopped = await second.server.stop();
    assert.equal(stopped.code, 0);
    assert.match(second.server.stdout.text, /stopping: telling/);
  }));

test("500 messages from each of three clients through mochi netsim at 5 % loss, one order", () =>
  withRoom(async (room) => {
    const { server, port } = await startServer(room, 0, ["--message-rate", "10000/1"]);
    const netsim = await startNetsim(port, ["--loss", "5", "--delay", "2", "--seed", "11"]);
    room.started.push(netsim.process);
    const names = ["ada", "bob", "cyd"];
    const clients = names.map((name) =>
      startClient(room, netsim.port, name, { register: true, json: true })
    );
    for (const name of names) await server.stdout.waitFor(new RegExp(`${name} joined`), TIMEOUT_MS);
    await Promise.all(
      clients.map((client, index) =>
        client.write(
          Array.from({ length: 500 }, (_, i) => `${names[index]} ${i}`).join("\n") + "\n",
        )
      ),
    );
    for (const [index, client] of clients.entries()) {
      for (const offset of [1, 2]) {
        const other = names[(index + offset) % 3]!;
        await client.stdout.waitFor(new RegExp(`"text":"${other} 499"`), 120_000);
      }
    }
    const orders = clients.map((client) =>
      jsonEvents(client).filter((event) => event.type === "message").map((event) => event.sequence!)
    );
    for (const [index, order] of orders.entries()) {
      assert.equal(order.length, 1000, `${names[index]} got all 1000 messages of the others`);
      assert.equal(new Set(order).size, 1000, "none twice");
      assert.deepEqual(order, [...order].sort((a, b) => a - b), "in the one order");
    }
    for (const client of clients) await client.closeStdin();
    for (const client of clients) assert.equal((await client.status).code, 0, client.stderr.text);
  }));

test("a client pins the server's key on first use and refuses a changed one (exit 7)", () =>
  withRoom(async (room) => {
    const first = await startServer(room);
    const fingerprint = (await first.server.stdout.waitFor(/SHA256:[A-Za-z0-9+/]{43}/, 5_000))[0];
    await registerAccount(room, first.port, "ada");
    const pins = await Deno.readTextFile(`${room.root}/home-ada/known_servers`);
    assert.ok(pins.includes(`127.0.0.1:${first.port} ${fingerprint}`), pins);
    await first.server.stop();
    const impostor = startMochi(
      [
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        String(first.port),
        "--data",
        `${room.root}/impostor`,
      ],
      { env: { MOCHI_ROOM_PASSWORD: ROOM_PASSWORD } },
    );
    room.started.push(impostor);
    await impostor.stdout.waitFor(/listening on udp/, 20_000);
    const refusing = startClient(room, first.port, "ada", { register: true });
    await refusing.write("my secret\n");
    assert.equal((await refusing.status).code, 7);
    assert.match(refusing.stderr.text, /forget-server/);
    assert.ok(!impostor.stdout.text.includes("my secret"), "nothing was sent to the impostor");
  }));

test("a client with no server exits with the 'server unreachable' status (6)", () =>
  withRoom(async (room) => {
    const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const port = (socket.addr as Deno.NetAddr).port;
    socket.close();
    const client = startClient(room, port, "ada");
    assert.equal((await client.status).code, 6);
    assert.match(client.stderr.text, /^mochi: Cannot connect to 127\.0\.0\.1:\d+: no answer/m);
  }));
