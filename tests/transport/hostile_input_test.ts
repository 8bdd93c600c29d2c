/**
 * Every datagram from the network is hostile until validated: garbage,
 * truncations, wrong versions, unknown connections and absurd lengths are
 * dropped and counted, and the endpoint keeps serving its real peers.
 */

import assert from "node:assert/strict";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import { CloseCode } from "../../src/transport/events.ts";
import { encodeHeader, HEADER_LENGTH, PacketType } from "../../src/transport/packet.ts";
import { Crc32cProtection } from "../../src/transport/protection.ts";
import { connectionId, sequenceNumber } from "../../src/transport/sequence.ts";
import { CLIENT_ADDRESS, SimulatedNetwork } from "./_simulated_network.ts";

const protection = new Crc32cProtection();

/** A correctly protected packet with any header and payload we like. */
function craft(
  type: number,
  destination: number,
  payload: Uint8Array,
  sequence = 0,
  acknowledgement = 0,
): Uint8Array {
  const buffer = new Uint8Array(HEADER_LENGTH + payload.length + protection.overhead);
  encodeHeader(buffer, {
    type: type as PacketType,
    flags: 0,
    destination: connectionId(destination),
    packetNumber: 0,
    sequence: sequenceNumber(sequence),
    acknowledgement: sequenceNumber(acknowledgement),
    receiveWindow: 100,
  });
  buffer.set(payload, HEADER_LENGTH);
  return buffer.subarray(0, protection.seal(buffer, HEADER_LENGTH, HEADER_LENGTH + payload.length));
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

Deno.test("random and truncated datagrams are dropped and counted", () => {
  const network = new SimulatedNetwork({ seed: 21 });
  const random = new Mulberry32(99);
  for (let index = 0; index < 20_000; index++) {
    const length = random.nextUint32() % 1300;
    const datagram = new Uint8Array(length).map(() => random.nextUint32() & 0xff);
    network.server.handleDatagram(datagram, CLIENT_ADDRESS, network.now);
  }
  for (let length = 0; length < HEADER_LENGTH + 4; length++) {
    network.server.handleDatagram(new Uint8Array(length), CLIENT_ADDRESS, network.now);
  }
  const counters = network.server.counters();
  assert.equal(counters.datagramsReceived, 20_000 + HEADER_LENGTH + 4);
  assert.equal(counters.connectionsAccepted, 0);
  assert.ok(counters.droppedCorrupt >= 20_000);
  assertStillServes(network);
});

Deno.test("wrong versions, unknown types and flags, and unknown connections are dropped", () => {
  const network = new SimulatedNetwork({ seed: 22 });
  const wrongVersion = craft(PacketType.Data, 5, new Uint8Array(10));
  wrongVersion[0] = 9;
  protection.seal(wrongVersion, HEADER_LENGTH, wrongVersion.length - 4);
  network.server.handleDatagram(wrongVersion, CLIENT_ADDRESS, 0);
  network.server.handleDatagram(craft(42, 5, new Uint8Array(0)), CLIENT_ADDRESS, 0);
  network.server.handleDatagram(
    craft(PacketType.Data, 12345, new Uint8Array(10)),
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

Deno.test("an absurd message length closes only that connection, as a protocol violation", () => {
  const network = new SimulatedNetwork({ seed: 23 });
  const { client, server } = network.connect();
  const other = network.connect();
  // A forged first data packet on the real connection announcing a 4 GB message.
  const initialSequenceOf = (type: PacketType) => {
    const handshake = network.sent.find((d) => d.type === type)!;
    return new DataView(handshake.bytes.buffer).getUint32(HEADER_LENGTH + 4);
  };
  const forged = craft(
    PacketType.Data,
    server.localId,
    new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
    initialSequenceOf(PacketType.Initial),
    initialSequenceOf(PacketType.Accept),
  );
  network.server.handleDatagram(forged, CLIENT_ADDRESS, network.now);
  network.runFor(10);
  assert.equal(server.state, "closed");
  assert.equal(server.closeInfo?.code, CloseCode.ProtocolViolation);
  assert.match(server.closeInfo!.reason, /exceeds the limit/);
  network.runUntil(() => client.state === "closed");
  assert.equal(client.closeInfo?.initiator, "peer");
  assert.equal(other.server.state, "established", "other connections are untouched");
});

Deno.test("an acknowledgement of data never sent is ignored, not trusted", () => {
  const network = new SimulatedNetwork({ seed: 24 });
  const { client, server } = network.connect();
  network.client.send(client, new Uint8Array(5000));
  const before = client.stats();
  const bogus = craft(PacketType.Ack, client.localId, new Uint8Array(0), 0, 0x7000_0000);
  network.client.handleDatagram(bogus, { hostname: "10.0.0.2", port: 55555 }, network.now);
  assert.equal(client.stats().invalidAcknowledgements, before.invalidAcknowledgements + 1);
  const received: Uint8Array[] = [];
  network.runUntil(() => {
    received.push(...SimulatedNetwork.drain(network.server, server));
    return received.length === 1;
  });
  assert.equal(received[0]!.length, 5000);
});
