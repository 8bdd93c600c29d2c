/**
 * Requirement 3: replaying any captured packet is dropped or handled
 * idempotently, and never delivers a message twice nor makes a second
 * connection.
 *
 * Sealed packets are caught by the anti-replay window (droppedReplayed), in
 * every key generation. Handshake packets are not sealed, so they are
 * handled idempotently instead: a replayed Initial of a live connection
 * repeats its Accept (the same bytes), a replayed Accept draws at most an
 * acknowledgement, a replayed Retry is refused and counted once connected. Once the
 * connection is gone, an Initial's token bounds what a replay can do.
 */

import assert from "node:assert/strict";
import { TOKEN_LIFETIME_MS } from "../../src/secure/retry_token.ts";
import { HEADER_LENGTH, PacketType } from "../../src/transport/packet.ts";
import { SERVER_ADDRESS, SimulatedNetwork } from "../transport/_simulated_network.ts";
import {
  chatSession,
  counterChanges,
  type Delivery,
  drainEvents,
  drainTransmits,
  type ObservedNetwork,
  quietNetwork,
  readAll,
  recordSession,
  typeName,
  utf8,
} from "./_session.ts";

const isSealed = (type: number) => type >= PacketType.Data && type <= PacketType.CloseAck;

/** A session that crosses several key generations: 30 lines each way, one at a time. */
function longChat(network: SimulatedNetwork): void {
  const { client, server } = network.connect();
  for (let index = 0; index < 30; index++) {
    network.client.send(client, utf8(`client line ${index}`));
    network.runUntil(() => server.hasUnread);
    readAll(network.server, server);
    network.server.send(server, utf8(`server line ${index}`));
    network.runUntil(() => client.hasUnread);
    readAll(network.client, client);
  }
  network.runFor(6_000); // keepalive Pings too
}

function replay(observed: ObservedNetwork, delivery: Delivery, now: number) {
  const endpoint = observed.network[delivery.to];
  const before = endpoint.counters();
  observed.inject(delivery.to, delivery.bytes, delivery.from, now);
  return {
    changes: counterChanges(before, endpoint.counters()),
    sent: drainTransmits(endpoint, now),
    events: drainEvents(endpoint),
  };
}

Deno.test("replaying every datagram of a live session delivers nothing twice", () => {
  const observed = recordSession(
    () => new SimulatedNetwork({ seed: 41, keyUpdatePackets: 16 }),
    longChat,
  );
  const { network, deliveries } = observed;
  const client = observed.connections.client[0]!;
  const server = observed.connections.server[0]!;
  const accept = deliveries.find((delivery) => delivery.bytes[1] === PacketType.Accept)!.bytes;
  const received = [client.stats().messagesReceived, server.stats().messagesReceived];
  assert.deepEqual(received, [30, 30]);
  for (const side of ["client", "server"]) {
    const sealed = deliveries.filter((d) => d.to === side && isSealed(d.bytes[1]!)).length;
    assert.ok(sealed >= 3 * 16, `${sealed} sealed packets to the ${side}: three key generations`);
  }

  network.runFor(1_000); // the session moved on
  const outcomes = new Map<string, number>();
  for (const delivery of deliveries) {
    const type = delivery.bytes[1]!;
    const where = `${typeName(type)} #${delivery.ordinal} to the ${delivery.to}`;
    const { changes, sent, events } = replay(observed, delivery, network.now);
    assert.deepEqual(events, [], where);
    if (isSealed(type)) {
      assert.deepEqual(changes, { datagramsReceived: 1, droppedReplayed: 1 }, where);
      assert.deepEqual(sent, [], where);
    } else if (type === PacketType.Initial) {
      // The live connection's Initial: the same Accept again, no new connection.
      assert.deepEqual(changes, { datagramsReceived: 1 }, where);
      assert.deepEqual(sent.map((datagram) => datagram[1]), [PacketType.Accept], where);
      assert.deepEqual(sent[0]!.subarray(HEADER_LENGTH), accept.subarray(HEADER_LENGTH), where);
    } else if (type === PacketType.Accept) {
      // The client re-acknowledges it (its first acknowledgement may have been lost).
      assert.deepEqual(changes, { datagramsReceived: 1 }, where);
      assert.deepEqual(sent.map((datagram) => datagram[1]), [PacketType.Ack], where);
    } else {
      assert.equal(type, PacketType.Retry);
      assert.deepEqual(changes, { datagramsReceived: 1, droppedForged: 1 }, where);
      assert.deepEqual(sent, [], "a Retry is refused once connected");
    }
    outcomes.set(typeName(type), (outcomes.get(typeName(type)) ?? 0) + 1);
  }
  assert.deepEqual([...outcomes.keys()].sort(), [
    "Accept",
    "Ack",
    "Data",
    "Initial",
    "Ping",
    "Retry",
  ]);
  assert.equal(network.server.connectionCount, 1);
  assert.equal(network.server.counters().connectionsAccepted, 1);
  assert.deepEqual([client.stats().messagesReceived, server.stats().messagesReceived], received);
  assert.equal(client.hasUnread || server.hasUnread, false);

  // The acknowledgements the replays drew were never delivered; the session goes on.
  network.client.send(client, utf8("after the replays"));
  network.server.send(server, utf8("still here"));
  const atServer: string[] = [];
  const atClient: string[] = [];
  network.runUntil(() => {
    atServer.push(...readAll(network.server, server));
    atClient.push(...readAll(network.client, client));
    return atServer.length > 0 && atClient.length > 0;
  });
  network.runFor(2_000);
  atServer.push(...readAll(network.server, server));
  atClient.push(...readAll(network.client, client));
  assert.deepEqual([atServer, atClient], [["after the replays"], ["still here"]]);
});

Deno.test("a replay from another address neither counts as fresh nor moves the connection", () => {
  const observed = recordSession(quietNetwork, (network) => {
    const { client, server } = network.connect();
    network.client.send(client, utf8("hello"));
    network.runUntil(() => server.hasUnread);
  });
  const server = observed.connections.server[0]!;
  const address = observed.network.server.addressOf(server);
  const attacker = { hostname: "192.0.2.66", port: 6666 };
  for (const delivery of observed.deliveries.filter((d) => d.to === "server")) {
    if (!isSealed(delivery.bytes[1]!)) continue;
    const before = observed.network.server.counters();
    observed.inject("server", delivery.bytes, attacker, observed.network.now);
    const changes = counterChanges(before, observed.network.server.counters());
    assert.deepEqual(changes, { datagramsReceived: 1, droppedReplayed: 1 });
  }
  assert.deepEqual(observed.network.server.addressOf(server), address);
  assert.equal(server.stats().messagesReceived, 1);
});

Deno.test("after the session, sealed replays find no connection and old tokens are refused", () => {
  const observed = recordSession(quietNetwork, chatSession);
  const { network, deliveries } = observed;
  assert.equal(network.server.connectionCount, 0, "the closed connection is forgotten");
  for (const delivery of deliveries.filter((d) => isSealed(d.bytes[1]!))) {
    const { changes, sent } = replay(observed, delivery, network.now);
    assert.deepEqual(changes, { datagramsReceived: 1, droppedUnknownConnection: 1 });
    assert.deepEqual(sent, []);
  }
  const initials = deliveries.filter((delivery) => delivery.bytes[1] === PacketType.Initial);
  const tokened = initials[1]!;
  // After the token's lifetime: refused, answered by a Retry only.
  const stale = tokened.now + TOKEN_LIFETIME_MS + 1_000;
  for (let copy = 0; copy < 20; copy++) {
    const { changes, sent } = replay(observed, tokened, stale);
    assert.equal(changes.droppedBadToken, 1);
    assert.equal(changes.connectionsAccepted, undefined);
    assert.deepEqual(sent.map((datagram) => datagram[1]), [PacketType.Retry]);
  }
  assert.equal(network.server.connectionCount, 0);
});

Deno.test("within its lifetime, a token replayed after the session gives at most one connection", () => {
  // A token binds an address and client id for its lifetime, not one use
  // (as QUIC's Retry tokens). So a captured Initial replayed, from the
  // client's own address, after its connection closed but within the
  // lifetime, costs the server one handshake: later copies repeat that
  // connection's Accept. The replayer cannot use it (it lacks the client's
  // ephemeral private key) and the Accepts go to the genuine client, which
  // has no such connection.
  const observed = recordSession(quietNetwork, chatSession);
  const { network, deliveries } = observed;
  const tokened = deliveries.filter((delivery) => delivery.bytes[1] === PacketType.Initial)[1]!;
  assert.ok(network.now < tokened.now + TOKEN_LIFETIME_MS, "still within the lifetime");
  const before = network.server.counters();
  const accepts: Uint8Array[] = [];
  for (let copy = 0; copy < 50; copy++) {
    accepts.push(...replay(observed, tokened, network.now + copy).sent);
  }
  const changes = counterChanges(before, network.server.counters());
  assert.equal(changes.connectionsAccepted, 1);
  assert.equal(network.server.connectionCount, 1);
  assert.deepEqual(new Set(accepts.map((datagram) => datagram[1])), new Set([PacketType.Accept]));
  // The genuine client drops those Accepts: it has no connection for them.
  const clientBefore = network.client.counters();
  for (const accept of accepts) {
    observed.inject("client", accept, SERVER_ADDRESS, network.now);
  }
  assert.deepEqual(counterChanges(clientBefore, network.client.counters()), {
    datagramsReceived: accepts.length,
    droppedUnknownConnection: accepts.length,
  });
});
