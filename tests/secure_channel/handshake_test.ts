/**
 * Requirements 1 and 6: the Noise NX handshake completes over a hostile
 * network with the right keys and the server's identity, and address
 * validation refuses stale or misdirected tokens with a fresh Retry, while a
 * client follows at most three Retries.
 */

import assert from "node:assert/strict";
import type { Impairments } from "../../src/netsim/impairments.ts";
import { TOKEN_LENGTH, TOKEN_LIFETIME_MS } from "../../src/secure/retry_token.ts";
import {
  decodeInitialPayload,
  decodePacket,
  encodeHeader,
  HEADER_LENGTH,
  PacketType,
} from "../../src/transport/packet.ts";
import { connectionId, sequenceNumber } from "../../src/transport/sequence.ts";
import {
  CLIENT_ADDRESS,
  SERVER_ADDRESS,
  SimulatedNetwork,
} from "../transport/_simulated_network.ts";
import {
  chatSession,
  counterChanges,
  drainTransmits,
  quietNetwork,
  readAll,
  recordSession,
  utf8,
} from "./_session.ts";

const HOSTILE: Partial<Impairments> = {
  lossPercent: 20,
  reorderPercent: 10,
  duplicatePercent: 10,
  jitterMs: 8,
};

Deno.test("the handshake completes over 20 % loss, reordering and duplication, with the same keys", () => {
  let initialsSent = 0;
  let replaysDropped = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const network = new SimulatedNetwork({ seed, toServer: HOSTILE, toClient: HOSTILE });
    const { client, server } = network.connect();
    assert.equal(client.state, "established", `seed ${seed}`);
    assert.deepEqual(
      client.peerIdentity,
      network.serverIdentity.publicKey,
      "the server proved its key",
    );
    assert.equal(server.peerIdentity, null, "NX: the client stays anonymous");
    // Retransmitted and duplicated Initials made one connection, nothing more.
    assert.equal(network.server.counters().connectionsAccepted, 1, `seed ${seed}`);
    assert.equal(network.server.connectionCount, 1);

    // Same keys: messages both ways decrypt, and no packet ever failed to open.
    const toServer = Array.from(
      { length: 20 },
      (_, index) => `client line ${index} (seed ${seed})`,
    );
    const toClient = Array.from(
      { length: 20 },
      (_, index) => `server line ${index} (seed ${seed})`,
    );
    toServer.forEach((line) => network.client.send(client, utf8(line)));
    toClient.forEach((line) => network.server.send(server, utf8(line)));
    const atServer: string[] = [];
    const atClient: string[] = [];
    network.runUntil(() => {
      atServer.push(...readAll(network.server, server));
      atClient.push(...readAll(network.client, client));
      return atServer.length === toServer.length && atClient.length === toClient.length;
    });
    assert.deepEqual(atServer, toServer);
    assert.deepEqual(atClient, toClient);
    assert.equal(network.client.counters().droppedForged, 0, `seed ${seed}`);
    assert.equal(network.server.counters().droppedForged, 0, `seed ${seed}`);
    assert.equal(network.server.counters().retriesSent >= 1, true, "address validation ran");
    initialsSent += network.sent.filter((datagram) => datagram.type === PacketType.Initial).length;
    replaysDropped += network.client.counters().droppedReplayed +
      network.server.counters().droppedReplayed;
  }
  // The network really was hostile: Initials were lost and resent, copies duplicated.
  assert.ok(initialsSent > 2 * 12, `${initialsSent} Initials`);
  assert.ok(replaysDropped > 0, "duplicates arrived and were dropped as replays");
});

/** The client's Initial with a token, as the recorded session sent it, and its parts. */
function tokenedInitial() {
  const recorded = recordSession(quietNetwork, chatSession);
  const delivery = recorded.deliveries.filter((d) => d.bytes[1] === PacketType.Initial)[1]!;
  const packet = decodePacket(delivery.bytes);
  assert.ok(typeof packet === "object");
  const { token } = decodeInitialPayload(packet.payload)!;
  assert.equal(token.length, TOKEN_LENGTH);
  return { bytes: delivery.bytes, now: delivery.now };
}

/** A server in the same seeded state as the recorded session's before that Initial arrived. */
function freshServer() {
  return quietNetwork();
}

Deno.test("the recorded token is valid at its address, with its id, within its lifetime", () => {
  const initial = tokenedInitial();
  const network = freshServer();
  network.server.handleDatagram(initial.bytes.slice(), CLIENT_ADDRESS, initial.now + 9_000);
  assert.equal(network.server.counters().connectionsAccepted, 1);
  assert.equal(network.server.counters().droppedBadToken, 0);
});

Deno.test("a stale token, or one for another address or client id, is refused with a fresh Retry", () => {
  const initial = tokenedInitial();
  const elsewhere = { hostname: "10.9.9.9", port: CLIENT_ADDRESS.port };
  const otherPort = { hostname: CLIENT_ADDRESS.hostname, port: CLIENT_ADDRESS.port + 1 };
  const otherId = initial.bytes.slice();
  const idOffset = HEADER_LENGTH + 2 + TOKEN_LENGTH + 2 + 32;
  new DataView(otherId.buffer).setUint32(idOffset, 0x0bad_cafe);
  const cases = [
    { what: "stale", bytes: initial.bytes, from: CLIENT_ADDRESS, now: TOKEN_LIFETIME_MS + 1_000 },
    { what: "another host", bytes: initial.bytes, from: elsewhere, now: initial.now },
    { what: "another port", bytes: initial.bytes, from: otherPort, now: initial.now },
    { what: "another client id", bytes: otherId, from: CLIENT_ADDRESS, now: initial.now },
  ];
  for (const { what, bytes, from, now } of cases) {
    const network = freshServer();
    const before = network.server.counters();
    network.server.handleDatagram(bytes.slice(), from, now);
    assert.deepEqual(counterChanges(before, network.server.counters()), {
      datagramsReceived: 1,
      droppedBadToken: 1,
      retriesSent: 1,
      unvalidatedBytesReceived: bytes.length,
      unvalidatedBytesSent: HEADER_LENGTH + TOKEN_LENGTH,
    }, what);
    assert.equal(network.server.connectionCount, 0, what);
    const retry = network.server.pollTransmit(now)!;
    assert.deepEqual(retry.address, from, `${what}: the Retry goes to the sender`);
    const header = decodePacket(retry.datagram);
    assert.ok(typeof header === "object");
    assert.equal(header.type, PacketType.Retry);
    const id = new DataView(bytes.buffer).getUint32(idOffset);
    assert.equal(header.destination, id, `${what}: to the id in the Initial`);
    // The fresh token is valid: the same Initial carrying it is accepted.
    const renewed = bytes.slice();
    renewed.set(header.payload, HEADER_LENGTH + 2);
    network.server.handleDatagram(renewed, from, now);
    assert.equal(
      network.server.counters().connectionsAccepted,
      1,
      `${what}: the fresh token works`,
    );
  }
});

Deno.test("a client whose token went stale in transit follows a fresh Retry and connects", () => {
  const network = new SimulatedNetwork({ seed: 31, config: { handshakeTimeout: 60_000 } });
  // Everything the client sends after the first Retry is lost until the token is stale.
  network.dropFilter = (datagram) =>
    datagram.direction === "toServer" && datagram.time > 0 &&
    datagram.time < TOKEN_LIFETIME_MS + 1_000;
  const { client } = network.connect();
  assert.equal(client.state, "established");
  const counters = network.server.counters();
  assert.ok(counters.droppedBadToken >= 1, "the stale token was refused");
  assert.equal(counters.retriesSent, 2, "and answered with a fresh Retry");
  assert.equal(counters.connectionsAccepted, 1);
});

/** A Retry for `destination` carrying `token`. */
function retry(destination: number, token: Uint8Array): Uint8Array {
  const datagram = new Uint8Array(HEADER_LENGTH + token.length);
  encodeHeader(datagram, {
    type: PacketType.Retry,
    flags: 0,
    destination: connectionId(destination),
    packetNumber: 0,
    sequence: sequenceNumber(0),
    acknowledgement: sequenceNumber(0),
    receiveWindow: 0,
  });
  datagram.set(token, HEADER_LENGTH);
  return datagram;
}

Deno.test("a client follows at most three Retries", () => {
  const network = new SimulatedNetwork({ seed: 32 });
  const client = network.client.connect(SERVER_ADDRESS, 0);
  assert.deepEqual(drainTransmits(network.client, 0).map((d) => d[1]), [PacketType.Initial]);
  const tokensSent: number[] = [];
  for (let round = 1; round <= 6; round++) {
    const token = new Uint8Array(TOKEN_LENGTH).fill(round);
    network.client.handleDatagram(retry(client.localId, token), SERVER_ADDRESS, 0);
    for (const datagram of drainTransmits(network.client, 0)) {
      const packet = decodePacket(datagram);
      assert.ok(typeof packet === "object" && packet.type === PacketType.Initial);
      tokensSent.push(decodeInitialPayload(packet.payload)!.token[0]!);
    }
  }
  assert.deepEqual(tokensSent, [1, 2, 3], "the fourth and later Retries are ignored");
  assert.equal(client.state, "connecting");
});
