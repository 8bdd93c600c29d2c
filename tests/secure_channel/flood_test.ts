/**
 * Requirement 5: a flood of spoofed handshake initiations costs the server
 * no state and no public-key work, and its answers are far smaller than what
 * the flood sent (the 3x anti-amplification rule); a real client still
 * connects afterwards. Initials too short to be worth an answer get none.
 */

import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { Mulberry32 } from "../../src/netsim/prng.ts";
import { NoiseSecurity } from "../../src/secure/channel.ts";
import { TOKEN_LENGTH } from "../../src/secure/retry_token.ts";
import { MIN_INITIAL_LENGTH, type PeerAddress } from "../../src/transport/endpoint.ts";
import {
  decodeInitialPayload,
  decodePacket,
  encodeInitialPayload,
  HEADER_LENGTH,
  PacketType,
} from "../../src/transport/packet.ts";
import { SERVER_ADDRESS, SimulatedNetwork } from "../transport/_simulated_network.ts";
import { readAll, utf8 } from "./_session.ts";

const FLOOD = 100_000;
const RETRY_LENGTH = HEADER_LENGTH + TOKEN_LENGTH;

/** A full garbage collection: `--expose-gc` set at run time, as Node allows. */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

/** The JavaScript heap plus the buffers outside it (datagram bytes live there). */
function memoryInUse(): number {
  const usage = Deno.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** A real client's first Initial (padded to the MTU), as a template for spoofed ones. */
function initialTemplate(): Uint8Array {
  const network = new SimulatedNetwork({ seed: 60 });
  network.client.connect(SERVER_ADDRESS, 0);
  const transmit = network.client.pollTransmit(0)!;
  assert.equal(transmit.datagram[1], PacketType.Initial);
  return transmit.datagram.slice();
}

/** Offsets in an Initial without a token: header, two lengths, ephemeral key, client id. */
const EPHEMERAL_OFFSET = HEADER_LENGTH + 4;
const CLIENT_ID_OFFSET = EPHEMERAL_OFFSET + 32;

/** The i-th spoofed Initial: fresh ephemeral key and client id, from the i-th fake address. */
function spoofed(template: Uint8Array, random: Mulberry32, index: number) {
  const datagram = template.slice();
  const view = new DataView(datagram.buffer);
  for (let offset = 0; offset < 32; offset += 4) {
    view.setUint32(EPHEMERAL_OFFSET + offset, random.nextUint32());
  }
  view.setUint32(CLIENT_ID_OFFSET, (random.nextUint32() | 1) >>> 0);
  const address: PeerAddress = {
    hostname: `198.18.${(index >>> 8) & 0xff}.${index & 0xff}`,
    port: 1024 + (index % 60_000),
  };
  return { datagram, address };
}

Deno.test("100,000 spoofed Initials leave no state, cost no public-key work, and draw small Retries", () => {
  const template = initialTemplate();
  assert.equal(template.length, 1200);
  const network = new SimulatedNetwork({ seed: 61 });
  const server = network.server;
  const random = new Mulberry32(62);
  let handshakesAnswered = 0;
  const answer = NoiseSecurity.prototype.answer;
  NoiseSecurity.prototype.answer = function (...parameters) {
    handshakesAnswered++;
    return answer.apply(this, parameters);
  };
  try {
    let retries = 0;
    const flood = (from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const { datagram, address } = spoofed(template, random, index);
        server.handleDatagram(datagram, address, network.now);
        if (index % 1_000 === 999) retries += drainRetries(index);
      }
    };
    // Each answer is a Retry of 44 bytes to the spoofed address, and nothing else.
    const drainRetries = (last: number): number => {
      let count = 0;
      for (let transmit = server.pollTransmit(network.now); transmit; count++) {
        assert.equal(transmit.datagram.length, RETRY_LENGTH);
        assert.equal(transmit.datagram[1], PacketType.Retry);
        assert.ok(transmit.address.hostname.startsWith("198.18."));
        transmit = server.pollTransmit(network.now);
      }
      assert.equal(count, 1_000, `1,000 Retries by Initial ${last}`);
      return count;
    };

    flood(0, 1_000); // warm up the code paths before measuring
    collectGarbage();
    const memoryBefore = memoryInUse();
    flood(1_000, FLOOD);
    collectGarbage();
    const memoryGrowth = memoryInUse() - memoryBefore;

    assert.equal(retries, FLOOD);
    assert.equal(server.connectionCount, 0);
    assert.equal(handshakesAnswered, 0, "no public-key work for an unvalidated address");
    const counters = server.counters();
    assert.equal(counters.connectionsAccepted, 0);
    assert.equal(counters.retriesSent, FLOOD);
    assert.equal(counters.unvalidatedBytesReceived, FLOOD * 1200);
    assert.equal(counters.unvalidatedBytesSent, FLOOD * RETRY_LENGTH);
    assert.ok(counters.unvalidatedBytesSent * 3 <= counters.unvalidatedBytesReceived, "3x rule");
    assert.ok(RETRY_LENGTH * 3 < MIN_INITIAL_LENGTH, "even for the shortest Initial answered");
    assert.ok(memoryGrowth < 5 * 2 ** 20, `grew ${(memoryGrowth / 2 ** 20).toFixed(1)} MiB`);

    // A real client still gets in, with one handshake's public-key work.
    const { client, server: accepted } = network.connect();
    assert.equal(handshakesAnswered, 1);
    network.client.send(client, utf8("made it through the flood"));
    network.runUntil(() => accepted.hasUnread);
    assert.deepEqual(readAll(server, accepted), ["made it through the flood"]);
    assert.equal(server.connectionCount, 1);
  } finally {
    NoiseSecurity.prototype.answer = answer;
  }
});

Deno.test("an Initial shorter than 512 bytes gets no answer at all", () => {
  const template = initialTemplate();
  const packet = decodePacket(template);
  assert.ok(typeof packet === "object");
  const { message } = decodeInitialPayload(packet.payload)!;
  const network = new SimulatedNetwork({ seed: 63 });
  const initialOf = (length: number) => {
    const datagram = new Uint8Array(length);
    datagram.set(template.subarray(0, HEADER_LENGTH));
    datagram.set(
      encodeInitialPayload({ token: new Uint8Array(0), message }, length - HEADER_LENGTH),
      HEADER_LENGTH,
    );
    return datagram;
  };
  const from = { hostname: "203.0.113.5", port: 5555 };
  for (const length of [HEADER_LENGTH + 4 + message.length, 100, 300, MIN_INITIAL_LENGTH - 1]) {
    network.server.handleDatagram(initialOf(length), from, 0);
  }
  assert.equal(network.server.pollTransmit(0), null, "no answer");
  let counters = network.server.counters();
  assert.equal(counters.droppedShortInitial, 4);
  assert.equal(counters.retriesSent, 0);
  assert.equal(counters.unvalidatedBytesSent, 0);

  network.server.handleDatagram(initialOf(MIN_INITIAL_LENGTH), from, 0);
  counters = network.server.counters();
  assert.equal(counters.retriesSent, 1, "512 bytes is enough");
  assert.equal(network.server.pollTransmit(0)!.datagram.length, RETRY_LENGTH);
});
