/**
 * Windows: a slow reader slows the sender instead of losing data; slow start
 * and loss reduce the congestion window as specified; sequence numbers wrap.
 */

import assert from "node:assert/strict";
import { PacketType } from "../../src/transport/packet.ts";
import { SimulatedNetwork } from "./_simulated_network.ts";

const KIB = 1024;

Deno.test("a receiver that does not read closes its window; the sender waits, nothing is lost", () => {
  const receiveBufferSize = 64 * KIB;
  const network = new SimulatedNetwork({
    seed: 4,
    config: { receiveBufferSize, sendBufferSize: 128 * KIB },
  });
  const { client, server } = network.connect();
  const messages = Array.from({ length: 200 }, (_, i) => new Uint8Array(4 * KIB).fill(i));
  let queued = 0;
  const pump = () => {
    while (queued < messages.length && network.client.send(client, messages[queued]!)) queued++;
  };
  network.runUntil(() => {
    pump();
    return client.stats().peerReceiveWindow === 0 && client.stats().packetsInFlight === 0;
  });
  network.runFor(5_000);
  pump();
  assert.ok(queued < messages.length, "the send buffer filled up: send() said no");
  const serverStats = server.stats();
  assert.equal(serverStats.beyondWindowPacketsDropped, 0, "the sender respected the window");
  assert.ok(serverStats.messagesReceived * 4 * KIB <= receiveBufferSize + 4 * KIB);
  assert.ok(network.sent.some((d) => d.type === PacketType.Ping), "zero-window probes were sent");

  const received: Uint8Array[] = [];
  network.runUntil(() => {
    pump();
    received.push(...SimulatedNetwork.drain(network.server, server));
    return received.length === messages.length;
  });
  assert.deepEqual(received, messages);
});

Deno.test("a lost window update is recovered by the zero-window probe", () => {
  const network = new SimulatedNetwork({ seed: 5, config: { receiveBufferSize: 16 * KIB } });
  const { client, server } = network.connect();
  const messages = Array.from({ length: 20 }, (_, i) => new Uint8Array(2 * KIB).fill(i));
  for (const message of messages) network.client.send(client, message);
  network.runUntil(() => client.stats().peerReceiveWindow === 0);
  network.runFor(1_000);
  let dropUpdates = true;
  network.dropFilter = (d) =>
    dropUpdates && d.direction === "toClient" && d.type === PacketType.Ack;
  const received = SimulatedNetwork.drain(network.server, server);
  const pingsBefore = network.sent.filter((d) => d.type === PacketType.Ping).length;
  network.runFor(50);
  dropUpdates = false;
  network.runUntil(() => {
    received.push(...SimulatedNetwork.drain(network.server, server));
    return received.length === messages.length;
  });
  assert.deepEqual(received, messages);
  const pingsAfter = network.sent.filter((d) => d.type === PacketType.Ping).length;
  assert.ok(pingsAfter > pingsBefore, "the sender probed the closed window");
});

Deno.test("slow start doubles the window each round trip until the first loss", () => {
  const network = new SimulatedNetwork({ seed: 6, config: { initialWindow: 10 } });
  const { client, server } = network.connect();
  network.client.send(client, new Uint8Array(500 * 1176));
  const windows: number[] = [];
  for (let round = 0; round < 4; round++) {
    network.runFor(20);
    windows.push(client.stats().congestionWindow);
  }
  for (let index = 1; index < windows.length; index++) {
    assert.ok(windows[index]! >= 1.8 * windows[index - 1]!, `windows ${windows}`);
  }
  SimulatedNetwork.drain(network.server, server);
});

Deno.test("sequence numbers wrap around 2^32 without a hiccup", () => {
  const near = (values: number[]) => {
    let index = 0;
    return () => values[index++ % values.length]!;
  };
  // The endpoint draws a connection id, then an initial sequence number.
  const network = new SimulatedNetwork({
    seed: 8,
    clientRandom: near([7, 0xffff_ffff - 40]),
    serverRandom: near([9, 0xffff_ffff - 10]),
    toServer: { lossPercent: 10 },
    toClient: { lossPercent: 10 },
  });
  const { client, server } = network.connect();
  const messages = Array.from({ length: 60 }, (_, i) => new Uint8Array(3000).fill(i));
  for (const message of messages) {
    network.client.send(client, message);
    network.server.send(server, message);
  }
  const atServer: Uint8Array[] = [];
  const atClient: Uint8Array[] = [];
  network.runUntil(() => {
    atServer.push(...SimulatedNetwork.drain(network.server, server));
    atClient.push(...SimulatedNetwork.drain(network.client, client));
    return atServer.length === 60 && atClient.length === 60;
  });
  assert.deepEqual(atServer, messages);
  assert.deepEqual(atClient, messages);
  const sequences = network.sent.filter((d) => d.type === PacketType.Data).map((d) => d.sequence);
  assert.ok(sequences.some((s) => s > 0xffff_ff00) && sequences.some((s) => s < 100), "wrapped");
});
