/**
 * Requirement 7: keys change every `keyUpdatePackets` packets without any
 * signalling; a lossy, reordering transfer across many key generations
 * delivers exactly, and packets reordered across a boundary still open
 * because the receiver keeps the previous generation.
 */

import assert from "node:assert/strict";
import { AeadPacketProtection } from "../../src/secure/packet_protection.ts";
import { HEADER_LENGTH, PacketType } from "../../src/transport/packet.ts";
import { SimulatedNetwork } from "../transport/_simulated_network.ts";
import { recordSession, type Side, utf8 } from "./_session.ts";

const KEY_UPDATE_PACKETS = 64;

/** The 32-bit packet number in a datagram's header. */
function packetNumberOf(datagram: Uint8Array): number {
  return new DataView(datagram.buffer, datagram.byteOffset).getUint32(8);
}

Deno.test("a lossy, reordering transfer across many key generations delivers exactly", () => {
  const impaired = { lossPercent: 5, reorderPercent: 10, jitterMs: 4 };
  const count = 300;
  const lines = (who: string) =>
    Array.from({ length: count }, (_, index) => `${who} ${index} `.padEnd(1000, "."));
  const received: Record<Side, string[]> = { client: [], server: [] };
  const observed = recordSession(
    () =>
      new SimulatedNetwork({
        seed: 71,
        keyUpdatePackets: KEY_UPDATE_PACKETS,
        toServer: impaired,
        toClient: impaired,
      }),
    (network) => {
      const { client, server } = network.connect();
      for (const line of lines("from the client")) network.client.send(client, utf8(line));
      for (const line of lines("from the server")) network.server.send(server, utf8(line));
      const decoder = new TextDecoder();
      network.runUntil(() => {
        for (const [side, connection] of [["client", client], ["server", server]] as const) {
          const messages = SimulatedNetwork.drain(network[side], connection);
          received[side].push(...messages.map((bytes) => decoder.decode(bytes)));
        }
        return received.client.length === count && received.server.length === count;
      });
    },
  );
  assert.deepEqual(received.server, lines("from the client"));
  assert.deepEqual(received.client, lines("from the server"));

  for (const side of ["client", "server"] as const) {
    // No packet ever failed to open: both sides always agreed on the key.
    assert.equal(observed.network[side].counters().droppedForged, 0, side);
    const sealed = observed.deliveries.filter((delivery) =>
      delivery.to === side && delivery.bytes[1]! >= PacketType.Data
    );
    const numbers = sealed.map((delivery) => packetNumberOf(delivery.bytes));
    const generations = Math.floor(Math.max(...numbers) / KEY_UPDATE_PACKETS);
    assert.ok(generations >= 5, `${generations} key updates towards the ${side}`);
    // Packets that arrived for the first time after a packet of the next
    // generation had: they opened (nothing was forged, and a first arrival
    // is not a replay), so the previous generation's key was still there.
    let newest = -1;
    const seen = new Set<number>();
    let acrossBoundary = 0;
    for (const number of numbers) {
      const generation = Math.floor(number / KEY_UPDATE_PACKETS);
      if (!seen.has(number) && generation < newest) acrossBoundary++;
      seen.add(number);
      newest = Math.max(newest, generation);
    }
    assert.ok(acrossBoundary > 0, `reordered across a key boundary towards the ${side}`);
  }
});

const KEY_A = new Uint8Array(32).fill(0xa1);
const KEY_B = new Uint8Array(32).fill(0xb2);

function pair(senderUpdates = KEY_UPDATE_PACKETS, receiverUpdates = KEY_UPDATE_PACKETS) {
  return {
    sender: new AeadPacketProtection(KEY_A, KEY_B, senderUpdates),
    receiver: new AeadPacketProtection(KEY_B, KEY_A, receiverUpdates),
  };
}

/** A sealed datagram: header (packet number in it) and a short payload. */
function seal(sender: AeadPacketProtection, packetNumber: number): Uint8Array {
  const payload = utf8(`packet ${packetNumber}`);
  const buffer = new Uint8Array(HEADER_LENGTH + payload.length + sender.overhead);
  buffer[0] = 1;
  buffer[1] = PacketType.Data;
  new DataView(buffer.buffer).setUint32(8, packetNumber >>> 0);
  buffer.set(payload, HEADER_LENGTH);
  const length = sender.seal(buffer, HEADER_LENGTH, HEADER_LENGTH + payload.length, packetNumber);
  return buffer.subarray(0, length);
}

function open(receiver: AeadPacketProtection, datagram: Uint8Array): string {
  const copy = datagram.slice();
  const outcome = receiver.open(copy, HEADER_LENGTH, packetNumberOf(copy));
  return typeof outcome === "string"
    ? outcome
    : new TextDecoder().decode(copy.subarray(HEADER_LENGTH, outcome));
}

Deno.test("the key changes at the boundary, with no signal on the wire", () => {
  const sealed = (() => {
    const { sender } = pair();
    return Array.from({ length: 130 }, (_, number) => seal(sender, number));
  })();
  // A receiver that never updates opens generation 0 only.
  const stale = pair(KEY_UPDATE_PACKETS, 2 ** 24).receiver;
  assert.equal(open(stale, sealed[63]!), "packet 63");
  assert.equal(open(stale, sealed[64]!), "forged");
  // One that updates at the same boundary opens them all.
  const { receiver } = pair();
  for (const datagram of sealed) assert.notEqual(open(receiver, datagram), "forged");
  assert.equal(receiver.sendGeneration, 0, "receiving does not move our own sending key");
});

Deno.test("the previous generation is kept for reordered packets; older ones are erased", () => {
  const { sender, receiver } = pair();
  const sealed = Array.from({ length: 140 }, (_, number) => seal(sender, number));
  const held = new Set([10, 63, 100]);
  for (let number = 0; number < 70; number++) {
    if (!held.has(number)) assert.equal(open(receiver, sealed[number]!), `packet ${number}`);
  }
  assert.equal(open(receiver, sealed[63]!), "packet 63", "one generation back");
  assert.equal(open(receiver, sealed[63]!), "replayed");
  for (let number = 70; number < 135; number++) {
    if (!held.has(number)) open(receiver, sealed[number]!);
  }
  assert.equal(open(receiver, sealed[100]!), "packet 100", "one generation back");
  assert.equal(open(receiver, sealed[10]!), "forged", "two generations back: key erased");
});

Deno.test("a receiver looks up to eight generations ahead, and no further", () => {
  const { sender, receiver } = pair();
  const sealed = Array.from({ length: 64 * 12 }, (_, number) => seal(sender, number));
  for (let number = 0; number <= 70; number++) open(receiver, sealed[number]!);
  // Generation 1 now; everything in between was lost.
  assert.equal(open(receiver, sealed[64 * 10]!), "forged", "generation 10 from generation 1");
  assert.equal(open(receiver, sealed[64 * 9 + 5]!), "packet 581", "generation 9: eight ahead");
  assert.equal(open(receiver, sealed[64 * 10]!), "packet 640", "now only one ahead");
});

Deno.test("a sealed packet's header is authenticated, its payload encrypted", () => {
  const { sender, receiver } = pair();
  const datagram = seal(sender, 5);
  assert.equal(datagram.length, HEADER_LENGTH + "packet 5".length + 16);
  assert.notDeepEqual(datagram.subarray(HEADER_LENGTH, HEADER_LENGTH + 8), utf8("packet 5"));
  const altered = datagram.slice();
  altered[20]! ^= 0x01; // the receive window
  assert.equal(open(receiver, altered), "forged");
  assert.equal(open(receiver, datagram), "packet 5", "a forgery moves nothing");
});
