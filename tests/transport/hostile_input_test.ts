/**
 * Every datagram from the network is hostile until validated: garbage,
 * truncations, wrong versions, unknown connections, forgeries, replays and
 * absurd lengths are dropped and counted, and the endpoint keeps serving
 * its real peers.
 */

import assert from "node:assert/strict";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import { CloseCode } from "../../src/transport/events.ts";
import { encodeHeader, HEADER_LENGTH, PacketType } from "../../src/transport/packet.ts";
import { connectionId, sequenceNumber } from "../../src/transport/sequence.ts";
import { CLIENT_ADDRESS, SERVER_ADDRESS, SimulatedNetwork } from "./_simulated_network.ts";

/** A well-formed header of any type and destination, with `payload` after it (no protection). */
function craft(type: number, destination: number, payload: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(HEADER_LENGTH + payload.length);
  encodeHeader(buffer, {
    type: type as PacketType,
    flags: 0,
    destination: connectionId(destination),
    packetNumber: 0,
    sequence: sequenceNumber(0),
    acknowledgement: sequenceNumber(0),
    receiveWindow: 100,
  });
  buffer.set(payload, HEADER_LENGTH);
  return buffer;
}

function assertStillServes(network: SimulatedNetwork) {
  const { client, server } = network.connect();
  const message = new TextEncoder().encode("still here");
  network.client.send(client, message);
  const received: Uint8Array[] = [];
  network.runUntil(() => {
    received.push(...SimulatedNetwork.drain(network.server, server));
    return received.length === 1;
  });
  assert.deepEqual(received, [message]);
}

function totalDropped(counters: ReturnType<SimulatedNetwork["server"]["counters"]>): number {
  return counters.droppedForged + counters.droppedReplayed + counters.droppedTruncated +
    counters.droppedWrongVersion + counters.droppedMalformed + counters.droppedUnknownConnection +
    counters.droppedUnexpectedInitial + counters.droppedShortInitial;
}

Deno.test("random and truncated datagrams are dropped and counted", () => {
  const network = new SimulatedNetwork({ seed: 21 });
  const random = new Mulberry32(99);
  for (let index = 0; index < 20_000; index++) {
    const length = random.nextUint32() % 1300;
    const datagram = new Uint8Array(length).map(() => random.nextUint32() & 0xff);
    network.server.handleDatagram(datagram, CLIENT_ADDRESS, network.now);
  }
  for (let length = 0; length < HEADER_LENGTH; length++) {
    network.server.handleDatagram(new Uint8Array(length), CLIENT_ADDRESS, network.now);
  }
  const counters = network.server.counters();
  assert.equal(counters.datagramsReceived, 20_000 + HEADER_LENGTH);
  assert.equal(totalDropped(counters), counters.datagramsReceived);
  assert.equal(counters.connectionsAccepted, 0);
  assertStillServes(network);
});

Deno.test("wrong versions, unknown types and flags, and unknown connections are dropped", () => {
  const network = new SimulatedNetwork({ seed: 22 });
  const wrongVersion = craft(PacketType.Data, 5, new Uint8Array(10));
  wrongVersion[0] = 9;
  network.server.handleDatagram(wrongVersion, CLIENT_ADDRESS, 0);
  network.server.handleDatagram(craft(42, 5, new Uint8Array(0)), CLIENT_ADDRESS, 0);
  network.server.handleDatagram(
    craft(PacketType.Data, 12345, new Uint8Array(40)),
    CLIENT_ADDRESS,
    0,
  );
  network.server.handleDatagram(craft(PacketType.Initial, 0, new Uint8Array(3)), CLIENT_ADDRESS, 0);
  network.client.handleDatagram(
    craft(PacketType.Initial, 0, new Uint8Array(1000)),
    CLIENT_ADDRESS,
    0,
  );
  const counters = network.server.counters();
  assert.equal(counters.droppedWrongVersion, 1);
  assert.equal(counters.droppedMalformed, 1);
  assert.equal(counters.droppedUnknownConnection, 1);
  assert.equal(counters.droppedUnexpectedInitial, 1);
  assert.equal(network.client.counters().droppedUnexpectedInitial, 1, "clients accept no one");
  assertStillServes(network);
});

Deno.test("a forged packet for a live connection is dropped, and the connection goes on", () => {
  const network = new SimulatedNetwork({ seed: 23 });
  const { client, server } = network.connect();
  for (const type of [PacketType.Data, PacketType.Ack, PacketType.Close, PacketType.Ping]) {
    network.server.handleDatagram(
      craft(type, server.localId, new Uint8Array(60)),
      CLIENT_ADDRESS,
      0,
    );
  }
  assert.equal(network.server.counters().droppedForged, 4);
  assert.equal(server.stats().forgedPacketsDropped, 4);
  assert.equal(server.state, "established", "a forged Close closes nothing");
  const message = new TextEncoder().encode("after the forgeries");
  network.client.send(client, message);
  const received: Uint8Array[] = [];
  network.runUntil(() => {
    received.push(...SimulatedNetwork.drain(network.server, server));
    return received.length === 1;
  });
  assert.deepEqual(received, [message]);
});

Deno.test("an oversized message closes only that connection, as a protocol violation", () => {
  const network = new SimulatedNetwork({
    seed: 24,
    config: { maxMessageSize: 2 << 20 },
    serverConfig: { maxMessageSize: 1 << 20 },
  });
  const { client, server } = network.connect();
  const other = network.connect();
  network.client.send(client, new Uint8Array(1_500_000));
  network.runUntil(() => server.state === "closed" && client.state === "closed");
  assert.equal(server.closeInfo?.code, CloseCode.ProtocolViolation);
  assert.match(server.closeInfo!.reason, /exceeds the limit/);
  assert.equal(client.closeInfo?.initiator, "peer");
  assert.equal(other.server.state, "established", "other connections are untouched");
  assert.equal(network.server.connectionCount, 1);
  void SERVER_ADDRESS;
});
