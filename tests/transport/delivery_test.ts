/**
 * Exact, ordered, duplicate-free delivery over a seeded lossy network.
 */

import assert from "node:assert/strict";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import type { Connection } from "../../src/transport/connection.ts";
import type { Endpoint } from "../../src/transport/endpoint.ts";
import { SimulatedNetwork } from "./_simulated_network.ts";

/** Messages of random sizes (0 B to 6 KB) whose bytes encode their index. */
function makeMessages(count: number, seed: number): Uint8Array[] {
  const random = new Mulberry32(seed);
  return Array.from({ length: count }, (_, index) => {
    const size = random.nextUint32() % 6000;
    const message = new Uint8Array(Math.max(4, size));
    new DataView(message.buffer).setUint32(0, index);
    for (let byte = 4; byte < message.length; byte++) message[byte] = (index + byte) & 0xff;
    return message;
  });
}

/** Sends all messages, reads everything that arrives, and runs until both directions are done. */
function exchange(
  network: SimulatedNetwork,
  client: Connection,
  server: Connection,
  count: number,
) {
  const toServer = makeMessages(count, 11);
  const toClient = makeMessages(Math.floor(count / 2), 12);
  const receivedByServer: Uint8Array[] = [];
  const receivedByClient: Uint8Array[] = [];
  const pump = (endpoint: Endpoint, connection: Connection, queue: Uint8Array[]) => {
    while (queue.length > 0 && endpoint.send(connection, queue[0]!)) queue.shift();
  };
  const pendingToServer = [...toServer];
  const pendingToClient = [...toClient];
  network.runUntil(() => {
    pump(network.client, client, pendingToServer);
    pump(network.server, server, pendingToClient);
    receivedByServer.push(...SimulatedNetwork.drain(network.server, server));
    receivedByClient.push(...SimulatedNetwork.drain(network.client, client));
    return receivedByServer.length === toServer.length &&
      receivedByClient.length === toClient.length && client.isFlushed && server.isFlushed;
  });
  assert.deepEqual(receivedByServer, toServer);
  assert.deepEqual(receivedByClient, toClient);
}

for (const lossPercent of [0, 1, 5, 10, 20, 30]) {
  Deno.test(`delivers every message exactly once, in order, at ${lossPercent}% loss`, () => {
    const impairments = { lossPercent, delayMs: 5, jitterMs: 1 };
    const network = new SimulatedNetwork({
      seed: 100 + lossPercent,
      toServer: impairments,
      toClient: impairments,
      // Four handshake legs at 30 % loss each can need more than the default 10 s.
      config: { handshakeTimeout: 60_000 },
    });
    const { client, server } = network.connect();
    exchange(network, client, server, 300);
    if (lossPercent > 0) assert.ok(client.stats().packetsRetransmitted > 0);
  });
}

Deno.test("delivers exactly through reordering, duplication and corruption together", () => {
  const impairments = {
    lossPercent: 3,
    delayMs: 8,
    jitterMs: 3,
    reorderPercent: 5,
    duplicatePercent: 5,
    corruptPercent: 3,
  };
  const network = new SimulatedNetwork({ seed: 7, toServer: impairments, toClient: impairments });
  const { client, server } = network.connect();
  exchange(network, client, server, 400);
  const counters = network.server.counters();
  assert.ok(counters.droppedForged > 0, "corrupted datagrams failed authentication");
  assert.ok(server.stats().duplicatePacketsReceived > 0, "duplicates were seen and discarded");
  assert.ok(server.stats().outOfOrderPacketsDropped > 0, "reordered packets were dropped");
});

Deno.test("a one-way dead direction only delays, once it heals everything arrives", () => {
  const network = new SimulatedNetwork({ seed: 3 });
  const { client, server } = network.connect();
  network.linkUp = false;
  const message = new TextEncoder().encode("sent into the void");
  network.client.send(client, message);
  network.runFor(1_500);
  network.linkUp = true;
  const received: Uint8Array[] = [];
  network.runUntil(() => {
    received.push(...SimulatedNetwork.drain(network.server, server));
    return received.length === 1 && client.isFlushed;
  });
  assert.deepEqual(received, [message]);
});

Deno.test("messages of the maximum size and of zero bytes arrive whole", () => {
  const network = new SimulatedNetwork({
    seed: 5,
    toServer: { lossPercent: 5 },
    config: { maxMessageSize: 200_000 },
  });
  const { client, server } = network.connect();
  const big = new Uint8Array(200_000).map((_, index) => index % 251);
  const empty = new Uint8Array(0);
  network.client.send(client, big);
  network.client.send(client, empty);
  network.client.send(client, big);
  const received: Uint8Array[] = [];
  network.runUntil(() => {
    received.push(...SimulatedNetwork.drain(network.server, server));
    return received.length === 3;
  });
  assert.deepEqual(received, [big, empty, big]);
});
