/**
 * Requirement 2: flipping any single bit of any packet leads to a drop, never
 * to delivery of altered data nor to a connection with altered parameters.
 *
 * Method: `chatSession` is recorded once over a perfect link (15 deliveries,
 * every packet type). For each delivery and each bit, the flipped copy is
 * injected into a fresh replica of the session stopped just before the
 * genuine copy would have arrived (`replicaBefore` replays the seeded session
 * from scratch). A replica is reused for the next bit only when the previous
 * flip left it untouched (a counted drop, or a Retry, for which the server
 * keeps no state); otherwise it is rebuilt.
 *
 * What the design guarantees (endpoint.ts, channel.ts, packet_protection.ts):
 * - Sealed packets (Data, Ack, Ping, Close, CloseAck): the header is
 *   associated data, the payload is encrypted and the packet number is the
 *   nonce, so a flip fails decoding (version, type, flags, reserved), routing
 *   (destination) or authentication (everything else; a flipped packet number
 *   may instead name one already seen: replayed). The one exception is pinned
 *   below and reported: the type byte decides whether a packet is sealed at
 *   all, and Data (3) and Close (6) are one bit away from Accept (2).
 * - Handshake packets are not sealed and their headers are not authenticated.
 *   Their integrity comes from elsewhere: the Initial's Noise message and the
 *   client's parameters enter the Noise transcript, so any change makes the
 *   Accept fail at the client; the Accept is Noise message 2 (AEAD under that
 *   transcript); the token is an HMAC bound to address and client id. So a
 *   flip in a handshake packet is dropped, draws a stateless Retry, changes
 *   only what the handshake ignores (padding; header fields other than the
 *   version, type, flags and, on a Retry or Accept, the destination) and
 *   yields the very same keys, or yields a server-side connection the client
 *   can never complete. Never a client connection with other keys, another
 *   server id or another server identity. Two of those ignored header fields
 *   are still used, unauthenticated: the echoed packet number (an RTT sample)
 *   and the Accept's receive window (ignored, see regressions_test.ts).
 */

import { DEFAULT_TRANSPORT_CONFIG } from "../../src/transport/config.ts";
import assert from "node:assert/strict";
import { TOKEN_LENGTH } from "../../src/secure/retry_token.ts";
import type { EndpointCounters } from "../../src/transport/endpoint.ts";
import {
  decodeInitialPayload,
  decodePacket,
  HEADER_LENGTH,
  PacketFlags,
  PacketType,
} from "../../src/transport/packet.ts";
import { SERVER_ADDRESS } from "../transport/_simulated_network.ts";
import {
  chatSession,
  counterChanges,
  drainEvents,
  drainTransmits,
  DROP_COUNTERS,
  flipped,
  messagesDelivered,
  quietNetwork,
  recordSession,
  type Replica,
  replicaBefore,
  type Snapshot,
  snapshot,
  typeName,
} from "./_session.ts";

const recorded = recordSession(quietNetwork, chatSession);
const deliveries = recorded.deliveries;
const genuineClient = recorded.connections.client[0]!;
const serverPublicKey = recorded.network.serverIdentity.publicKey;

/** What one injected flip did to the receiving endpoint. */
interface Outcome {
  changes: Partial<Record<keyof EndpointCounters, number>>;
  sent: Uint8Array[];
  events: string[];
  before: Snapshot;
  after: Snapshot;
}

function injectFlip(replica: Replica, bit: number): Outcome {
  const { to, from, now, bytes } = replica.pending;
  const before = snapshot(replica, to);
  replica.inject(to, flipped(bytes, bit), from, now);
  const sent = drainTransmits(replica.network[to], now);
  const events = drainEvents(replica.network[to]);
  const after = snapshot(replica, to);
  return { changes: counterChanges(before.counters, after.counters), sent, events, before, after };
}

/** The drop counter a flip increased, if the flip was a single counted drop and nothing else. */
function dropReason(outcome: Outcome): string | null {
  const { datagramsReceived, ...rest } = outcome.changes;
  const keys = Object.keys(rest) as Array<keyof typeof rest>;
  if (datagramsReceived !== 1 || keys.length !== 1 || rest[keys[0]!] !== 1) return null;
  return (DROP_COUNTERS as readonly string[]).includes(keys[0]!) ? keys[0]! : null;
}

/** Runs `judge` on every bit, rebuilding the replica whenever a flip changed its state. */
function eachFlip(
  ordinal: number,
  bits: Iterable<number>,
  judge: (replica: Replica, bit: number) => "untouched" | "changed",
): number {
  let replica: Replica | null = null;
  let count = 0;
  for (const bit of bits) {
    replica ??= replicaBefore(quietNetwork, chatSession, ordinal);
    if (judge(replica, bit) === "changed") replica = null;
    count++;
  }
  return count;
}

function* range(start: number, end: number, step = 1): Generator<number> {
  for (let index = start; index < end; index += step) yield index;
}

function typeOf(datagram: Uint8Array): number {
  return datagram[1]!;
}

function ordinalOf(to: "client" | "server", type: number, occurrence = 0): number {
  const matching = deliveries.filter((delivery) =>
    delivery.to === to && typeOf(delivery.bytes) === type
  );
  return matching[occurrence]!.ordinal;
}

function tokenOf(initial: Uint8Array): Uint8Array {
  const packet = decodePacket(initial);
  assert.ok(typeof packet === "object");
  return decodeInitialPayload(packet.payload)!.token.slice();
}

/** Delivers the server's Accept to the replica's client and, if it completes, checks its keys. */
function clientCompletesWithGenuineKeys(replica: Replica, accept: Uint8Array): boolean {
  const client = replica.connections.client[0]!;
  const forgedBefore = client.stats().forgedPacketsDropped;
  replica.inject("client", accept, SERVER_ADDRESS, replica.pending.now);
  if (client.state === "connecting") {
    assert.equal(client.stats().forgedPacketsDropped, forgedBefore + 1, "a rejected Accept counts");
    return false;
  }
  assert.equal(client.state, "established");
  assert.equal(client.remoteId, genuineClient.remoteId, "the genuine server id");
  assert.deepEqual(client.peerIdentity, serverPublicKey, "the genuine server identity");
  // Same keys: the client's first sealed packet opens at the server.
  const server = replica.connections.server[0]!;
  const [acknowledgement] = drainTransmits(replica.network.client, replica.pending.now);
  assert.equal(typeOf(acknowledgement!), PacketType.Ack);
  const received = server.stats().packetsReceived;
  const counters = replica.network.server.counters();
  replica.inject("server", acknowledgement!, replica.pending.from, replica.pending.now);
  assert.equal(replica.network.server.counters().droppedForged, counters.droppedForged);
  assert.equal(server.stats().packetsReceived, received + 1, "the server opened it");
  return true;
}

Deno.test("the recorded session holds every packet type, as sent", () => {
  const types = deliveries.map((delivery) => typeName(typeOf(delivery.bytes)));
  assert.deepEqual(new Set(types), new Set(Object.keys(PacketType)));
  // A perfect link: what arrived is exactly what was sent (network.sent).
  assert.deepEqual(
    deliveries.map((delivery) => delivery.bytes),
    recorded.network.sent.map((datagram) => datagram.bytes),
  );
});

Deno.test("a flipped bit in any sealed packet is dropped and counted, never delivered", () => {
  const sealed = deliveries.filter((delivery) =>
    typeOf(delivery.bytes) >= PacketType.Data && typeOf(delivery.bytes) <= PacketType.CloseAck
  );
  const acceptGaps: string[] = [];
  let flips = 0;
  for (const delivery of sealed) {
    const original = typeOf(delivery.bytes);
    flips += eachFlip(delivery.ordinal, range(0, delivery.bytes.length * 8), (replica, bit) => {
      const outcome = injectFlip(replica, bit);
      const where = `${typeName(original)} #${delivery.ordinal} to the ${delivery.to}, bit ${bit}`;
      assert.equal(messagesDelivered(outcome.after), messagesDelivered(outcome.before), where);
      assert.equal(outcome.changes.connectionsAccepted, undefined, where);
      const byte = bit >>> 3;
      const newType = byte === 1 ? original ^ (1 << (bit & 7)) : original;
      if (newType === PacketType.Accept) {
        // Flipped into an unsealed Accept: refused as forged by the
        // connection (regressions_test.ts), never answered.
        assert.deepEqual(outcome.events, [], where);
        assert.equal(dropReason(outcome), "droppedForged", where);
        assert.deepEqual(outcome.sent, [], where);
        acceptGaps.push(`${typeName(original)} to the ${delivery.to}`);
        return "untouched";
      }
      const expected = expectedReasons(byte, bit, newType);
      assert.ok(
        expected.includes(dropReason(outcome) ?? "none"),
        `${where}: ${dropReason(outcome)}`,
      );
      assert.deepEqual(outcome.sent, [], where);
      assert.deepEqual(outcome.events, [], where);
      return "untouched";
    });
  }
  assert.equal(flips, sealed.reduce((sum, delivery) => sum + delivery.bytes.length * 8, 0));
  assert.equal(sealed.length, 11);
  // The flips that turn a sealed packet into an Accept (one bit from Data and Close).
  assert.deepEqual(acceptGaps, ["Data to the server", "Data to the client", "Close to the server"]);

  function expectedReasons(byte: number, bit: number, newType: number): string[] {
    if (byte === 0) return ["droppedWrongVersion"];
    if (byte === 1) {
      if (newType === PacketType.Initial) return ["droppedUnexpectedInitial"];
      if (newType < PacketType.Initial || newType > PacketType.Retry) return ["droppedMalformed"];
      return ["droppedForged"]; // another sealed type: the header is associated data
    }
    if (byte === 2) {
      const flag = 1 << (bit & 7);
      const known = flag === PacketFlags.OutOfOrder || flag === PacketFlags.AckRequested;
      return [known ? "droppedForged" : "droppedMalformed"];
    }
    if (byte === 3) return ["droppedMalformed"];
    if (byte < 8) return ["droppedUnknownConnection"];
    // The packet number is the nonce: another one fails to open, or was seen already.
    if (byte < 12) return ["droppedForged", "droppedReplayed"];
    return ["droppedForged"];
  }
});

Deno.test("a flipped bit in the first Initial draws at most a stateless Retry, never a connection", () => {
  const ordinal = ordinalOf("server", PacketType.Initial, 0);
  const genuineRetry = deliveries[ordinal + 1]!.bytes;
  assert.equal(typeOf(genuineRetry), PacketType.Retry);
  // Layout: header [0, 24), token length [24, 26), message length [26, 28),
  // ephemeral key [28, 60), client id [60, 64), initial sequence [64, 68), padding.
  const tally = new Map<string, number>();
  eachFlip(ordinal, range(0, deliveries[ordinal]!.bytes.length * 8), (replica, bit) => {
    const outcome = injectFlip(replica, bit);
    const byte = bit >>> 3;
    const where = `bit ${bit}`;
    assert.equal(outcome.changes.connectionsAccepted, undefined, where);
    assert.equal(replica.network.server.connectionCount, 0, where);
    assert.deepEqual(outcome.events, [], where);
    if (outcome.changes.retriesSent === undefined) {
      const reason = dropReason(outcome);
      assert.ok(reason !== null, where);
      assert.deepEqual(outcome.sent, [], where);
      tally.set(reason, (tally.get(reason) ?? 0) + 1);
      return "untouched";
    }
    // A Retry and nothing else; the server remembers nothing of it.
    assert.deepEqual(outcome.sent.map((datagram) => datagram.length), [
      HEADER_LENGTH + TOKEN_LENGTH,
    ], where);
    const [retry] = outcome.sent;
    if (byte >= 60 && byte < 64) {
      assert.notDeepEqual(retry!.subarray(4, 8), genuineRetry.subarray(4, 8), "to the altered id");
    } else if (byte >= 8 && byte < 12) {
      // The packet number is echoed for the round trip; the token is the same.
      assert.deepEqual(retry!.subarray(HEADER_LENGTH), genuineRetry.subarray(HEADER_LENGTH));
    } else {
      // Fields the server ignores (padding, the ephemeral key, the initial
      // sequence, other header fields): the very same Retry.
      assert.deepEqual(retry, genuineRetry, where);
    }
    tally.set("retry", (tally.get("retry") ?? 0) + 1);
    return "untouched";
  });
  assert.ok((tally.get("retry") ?? 0) > 9_000, JSON.stringify([...tally]));
});

Deno.test("a flipped bit in the Retry costs at most a refused token, never a connection", () => {
  const ordinal = ordinalOf("client", PacketType.Retry);
  const genuineToken = tokenOf(deliveries[ordinal + 1]!.bytes);
  let refused = 0;
  eachFlip(ordinal, range(0, deliveries[ordinal]!.bytes.length * 8), (replica, bit) => {
    const outcome = injectFlip(replica, bit);
    const where = `bit ${bit}`;
    if (outcome.sent.length === 0) {
      assert.ok(dropReason(outcome) !== null, where); // version, type, flags, destination
      return "untouched";
    }
    // The client followed it: its next Initial carries the token it read.
    assert.deepEqual(outcome.sent.map(typeOf), [PacketType.Initial], where);
    const token = tokenOf(outcome.sent[0]!);
    if ((bit >>> 3) < HEADER_LENGTH) {
      assert.deepEqual(token, genuineToken, where); // header fields the client does not use
    } else {
      assert.notDeepEqual(token, genuineToken, where);
      const server = replica.network.server;
      const before = server.counters();
      replica.inject("server", outcome.sent[0]!, replica.pending.from, replica.pending.now);
      const changes = counterChanges(before, server.counters());
      assert.equal(changes.droppedBadToken, 1, where);
      assert.equal(changes.retriesSent, 1, "answered with a fresh Retry");
      assert.equal(changes.connectionsAccepted, undefined, where);
      refused++;
    }
    return "changed";
  });
  assert.equal(refused, TOKEN_LENGTH * 8, "every bit of the token");
});

Deno.test("a flipped bit in the Initial with a token never gives the client other parameters", () => {
  const ordinal = ordinalOf("server", PacketType.Initial, 1);
  const genuineAccept = deliveries[ordinal + 1]!.bytes;
  assert.equal(typeOf(genuineAccept), PacketType.Accept);
  // Layout: header [0, 24), token length [24, 26), token [26, 46), message
  // length [46, 48), ephemeral key [48, 80), client id [80, 84), initial
  // sequence [84, 88), padding [88, 1200): every bit up to the padding, a
  // sample of it (each padding bit is ignored alike, and each costs a
  // handshake and a replica).
  const length = deliveries[ordinal]!.bytes.length;
  const bits = [...range(0, 88 * 8), ...range(88 * 8, length * 8, 11)];
  const outcomes = new Map<string, number>();
  const count = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
  eachFlip(ordinal, bits, (replica, bit) => {
    const outcome = injectFlip(replica, bit);
    const byte = bit >>> 3;
    const where = `bit ${bit}`;
    if (outcome.changes.connectionsAccepted === undefined) {
      assert.deepEqual(outcome.events, [], where);
      if (outcome.changes.retriesSent === 1) {
        assert.equal(outcome.changes.droppedBadToken, 1, where); // token or client id
        assert.ok((byte >= 24 && byte < 46) || (byte >= 80 && byte < 84), where);
      } else {
        assert.ok(dropReason(outcome) !== null, where);
        assert.deepEqual(outcome.sent, [], where);
      }
      count("refused");
      return "untouched";
    }
    // The server took it: a connection and its Accept.
    assert.deepEqual(outcome.sent.map(typeOf), [PacketType.Accept], where);
    const accept = outcome.sent[0]!;
    if (clientCompletesWithGenuineKeys(replica, accept)) {
      // Only fields the handshake ignores: the header, the padding.
      assert.ok(byte < HEADER_LENGTH || byte >= 88, where);
      assert.deepEqual(accept.subarray(HEADER_LENGTH), genuineAccept.subarray(HEADER_LENGTH));
      count("same handshake");
    } else {
      // The ephemeral key or the initial sequence: the server answered a
      // handshake the client never started, and the client refused it. (The
      // server keeps that connection for this address and client id: see
      // known_gaps_test.ts.)
      assert.ok(byte >= 48 && byte < 88 && !(byte >= 80 && byte < 84), where);
      count("refused by the client");
    }
    return "changed";
  });
  assert.equal(outcomes.get("refused by the client"), (32 + 4) * 8);
});

Deno.test("a flipped bit in the Accept is refused, or changes nothing the keys depend on", () => {
  const ordinal = ordinalOf("client", PacketType.Accept);
  const windowGaps: number[] = [];
  let refused = 0;
  eachFlip(ordinal, range(0, deliveries[ordinal]!.bytes.length * 8), (replica, bit) => {
    const client = replica.connections.client[0]!;
    const outcome = injectFlip(replica, bit);
    const byte = bit >>> 3;
    const where = `bit ${bit}`;
    if (client.state === "connecting") {
      assert.deepEqual(outcome.sent, [], where);
      assert.deepEqual(outcome.events, [], where);
      const rejected = outcome.after.connections[0]!.stats.forgedPacketsDropped -
        outcome.before.connections[0]!.stats.forgedPacketsDropped;
      // Dropped by the endpoint (version, type, flags, destination) or by Noise.
      assert.ok(dropReason(outcome) !== null || rejected === 1, where);
      if (byte >= HEADER_LENGTH) refused++;
      return "untouched";
    }
    // Only header fields the handshake does not read.
    assert.ok(byte < HEADER_LENGTH, where);
    assert.deepEqual(outcome.events, ["connected"], where);
    assert.equal(client.remoteId, genuineClient.remoteId, where);
    assert.deepEqual(client.peerIdentity, serverPublicKey, where);
    // Until the first sealed packet the client assumes the initial window.
    if (client.stats().peerReceiveWindow !== DEFAULT_TRANSPORT_CONFIG.initialWindow) {
      windowGaps.push(bit);
    }
    // Same keys: the client's acknowledgement opens at the server.
    const server = replica.connections.server[0]!;
    const received = server.stats().packetsReceived;
    const forged = replica.network.server.counters().droppedForged;
    for (const datagram of outcome.sent) {
      replica.inject("server", datagram, replica.pending.from, replica.pending.now);
    }
    assert.equal(replica.network.server.counters().droppedForged, forged, where);
    assert.equal(server.stats().packetsReceived, received + outcome.sent.length, where);
    return "changed";
  });
  assert.equal(
    refused,
    (deliveries[ordinal]!.bytes.length - HEADER_LENGTH) * 8,
    "all payload bits",
  );
  // The Accept's header is not authenticated, but nothing in it is used: its
  // receive window is ignored (regressions_test.ts).
  assert.deepEqual(windowGaps, []);
});
