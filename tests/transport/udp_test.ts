/**
 * The transport over real UDP on loopback: direct, through `mochi netsim`
 * (a separate process) with every impairment at once, and under a barrage
 * of garbage datagrams. Each test is bounded in time and closes everything.
 */

import assert from "node:assert/strict";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import { UdpConnection, UdpEndpoint } from "../../src/transport/udp.ts";
import { startNetsim } from "../_processes.ts";

const LOOPBACK = "127.0.0.1";

function messages(count: number, seed: number): Uint8Array[] {
  const random = new Mulberry32(seed);
  return Array.from({ length: count }, (_, index) => {
    const message = new Uint8Array(4 + random.nextUint32() % 20_000);
    for (let i = 0; i < message.length; i++) message[i] = (index * 31 + i) & 0xff;
    return message;
  });
}

async function sendAll(connection: UdpConnection, list: Uint8Array[]) {
  for (const message of list) await connection.send(message);
  await connection.flush();
}

async function receiveCount(connection: UdpConnection, count: number): Promise<Uint8Array[]> {
  const received: Uint8Array[] = [];
  while (received.length < count) {
    const message = await connection.receive();
    if (message === null) break;
    received.push(message);
  }
  return received;
}

/** Runs `body` with a server endpoint and a client endpoint, closing both afterwards. */
async function withEndpoints(body: (server: UdpEndpoint, client: UdpEndpoint) => Promise<void>) {
  const server = UdpEndpoint.bind({ hostname: LOOPBACK, port: 0, accept: true });
  const client = UdpEndpoint.bind({ hostname: LOOPBACK, port: 0 });
  try {
    await body(server, client);
  } finally {
    await client.close();
    await server.close();
  }
}

/** Exchanges messages both ways and checks they arrive exactly. */
async function exchange(server: UdpEndpoint, client: UdpEndpoint, port: number, count: number) {
  const accepted = server.accept();
  const toServer = messages(count, 1);
  const toClient = messages(count, 2);
  const clientSide = await client.connect({ hostname: LOOPBACK, port });
  const serverSide = (await accepted)!;
  const [atServer, atClient] = await Promise.all([
    receiveCount(serverSide, count),
    receiveCount(clientSide, count),
    sendAll(clientSide, toServer),
    sendAll(serverSide, toClient),
  ]);
  assert.deepEqual(atServer, toServer);
  assert.deepEqual(atClient, toClient);
  const closed = await clientSide.close("done");
  assert.equal(closed.initiator, "local");
  assert.equal((await serverSide.closed).reason, "done");
  return clientSide.stats();
}

Deno.test({
  name: "real UDP on loopback: messages both ways, exactly, then an orderly close",
  sanitizeResources: false,
  fn: () =>
    withEndpoints(async (server, client) => {
      await exchange(server, client, server.address.port, 100);
    }),
});

Deno.test({
  name: "through mochi netsim with loss, delay, jitter, reordering, duplication and corruption",
  sanitizeResources: false,
  fn: () =>
    withEndpoints(async (server, client) => {
      const netsim = await startNetsim(server.address.port, [
        "--loss",
        "5",
        "--delay",
        "3",
        "--jitter",
        "1",
        "--reorder",
        "1",
        "--duplicate",
        "1",
        "--corrupt",
        "1",
        "--seed",
        "7",
      ]);
      try {
        const stats = await exchange(server, client, netsim.port, 60);
        assert.ok(stats.packetsRetransmitted > 0, "losses were repaired");
      } finally {
        const status = await netsim.process.stop();
        assert.equal(status.code, 0);
        assert.match(netsim.process.stderr.text, /dropped/i, "netsim printed its counters");
      }
    }),
});

Deno.test({
  name: "garbage datagrams are counted and dropped while a real client is served",
  sanitizeResources: false,
  fn: () =>
    withEndpoints(async (server, client) => {
      const attacker = Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 });
      try {
        const random = new Mulberry32(5);
        const target = { transport: "udp" as const, hostname: LOOPBACK, port: server.address.port };
        for (let i = 0; i < 2_000; i++) {
          const garbage = new Uint8Array(random.nextUint32() % 1500);
          for (let j = 0; j < garbage.length; j++) garbage[j] = random.nextUint32() & 0xff;
          await attacker.send(garbage, target);
          // Pace the barrage so the kernel's socket buffer does not drop it before we count it.
          if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await exchange(server, client, server.address.port, 10);
        const counters = server.counters();
        const dropped = counters.droppedForged + counters.droppedTruncated +
          counters.droppedWrongVersion + counters.droppedMalformed +
          counters.droppedUnknownConnection + counters.droppedUnexpectedInitial;
        assert.ok(dropped >= 1_900, `dropped ${dropped} of 2000 garbage datagrams`);
        assert.equal(counters.connectionsAccepted, 1);
      } finally {
        attacker.close();
      }
    }),
});
