/**
 * Exact retransmission timing on a clean 20 ms round trip (10 ms each way,
 * no jitter): the handshake gives SRTT = 20, RTTVAR = 10, so the RTO is the
 * 200 ms floor and the tail-loss probe fires after 2 x 20 + 5 (max ack delay).
 */

import assert from "node:assert/strict";
import { CloseCode } from "../../src/transport/events.ts";
import { PacketType } from "../../src/transport/packet.ts";
import { type SentDatagram, SimulatedNetwork } from "./_simulated_network.ts";

const dataToServer = (network: SimulatedNetwork) =>
  network.sent.filter((d) => d.direction === "toServer" && d.type === PacketType.Data);

function connectedPair() {
  const network = new SimulatedNetwork({ seed: 1 });
  const pair = network.connect();
  assert.equal(pair.client.stats().smoothedRttMs, 20);
  assert.equal(pair.client.stats().retransmissionTimeoutMs, 200);
  return { network, ...pair };
}

/** Drops the first `count` data packets towards the server. */
function dropFirstData(network: SimulatedNetwork, count: number) {
  let dropped = 0;
  network.dropFilter = (datagram: SentDatagram) =>
    datagram.direction === "toServer" && datagram.type === PacketType.Data && dropped++ < count;
}

Deno.test("a lone lost message is recovered by a tail-loss probe after 2 SRTT + max ack delay", () => {
  const { network, client, server } = connectedPair();
  dropFirstData(network, 1);
  const start = network.now;
  network.client.send(client, new TextEncoder().encode("hello"));
  network.runUntil(() => SimulatedNetwork.drain(network.server, server).length === 1);
  const sends = dataToServer(network).map((d) => d.time - start);
  assert.deepEqual(sends, [0, 45]);
  assert.equal(network.now - start, 55, "delivered one way-delay after the probe");
  assert.equal(client.stats().probeTimeouts, 1);
  assert.equal(client.stats().retransmissionTimeouts, 0);
});

Deno.test("when the probe is lost too, the RTO fires 200 ms later and then backs off", () => {
  const { network, client, server } = connectedPair();
  dropFirstData(network, 3);
  const start = network.now;
  network.client.send(client, new TextEncoder().encode("hello"));
  network.runUntil(() => SimulatedNetwork.drain(network.server, server).length === 1);
  const sends = dataToServer(network).map((d) => d.time - start);
  assert.deepEqual(sends, [0, 45, 245, 645]);
  assert.equal(client.stats().retransmissionTimeouts, 2);
  assert.equal(client.stats().retransmissionTimeoutMs, 800, "backed off twice");
  network.runUntil(() => client.isFlushed);
  assert.equal(
    client.stats().retransmissionTimeoutMs,
    200,
    "acknowledged progress ends the backoff",
  );
});

Deno.test("three duplicate ACKs trigger a fast retransmit of the window, without a timeout", () => {
  const { network, client, server } = connectedPair();
  let dataSeen = 0;
  network.dropFilter = (d) =>
    d.direction === "toServer" && d.type === PacketType.Data && ++dataSeen === 3;
  const message = new Uint8Array(20 * 1200);
  network.client.send(client, message);
  network.runUntil(() => SimulatedNetwork.drain(network.server, server).length === 1);
  const stats = client.stats();
  assert.equal(stats.fastRetransmits, 1);
  assert.equal(stats.probeTimeouts, 0);
  assert.equal(stats.retransmissionTimeouts, 0);
  assert.ok(stats.slowStartThreshold < Infinity, "the loss reduced the window");
});

Deno.test("a dead link is declared after five backed-off timeouts, with a reason", () => {
  const { network, client } = connectedPair();
  network.linkUp = false;
  const start = network.now;
  network.client.send(client, new TextEncoder().encode("anyone?"));
  network.runUntil(() => client.state === "closed");
  assert.equal(network.now - start, 45 + 200 * (2 ** 6 - 1));
  const closed = network.clientEvents.find((e) => e.event.type === "closed")!.event;
  assert.ok(closed.type === "closed");
  assert.equal(closed.info.code, CloseCode.Unreachable);
  assert.equal(closed.info.initiator, "transport");
  assert.match(closed.info.reason, /unreachable/);
});

Deno.test("an idle connection stays open on keepalives; a silent one times out", () => {
  const { network, client, server } = connectedPair();
  network.runFor(120_000);
  assert.equal(client.state, "established");
  assert.equal(server.state, "established");
  const pings = network.sent.filter((d) => d.type === PacketType.Ping);
  assert.ok(pings.length >= 20, `keepalives every 5 s, saw ${pings.length}`);
  network.linkUp = false;
  const silentFrom = network.now;
  network.runUntil(() => client.state === "closed" && server.state === "closed");
  assert.ok(network.now - silentFrom <= 15_000);
  assert.equal(client.closeInfo?.code, CloseCode.IdleTimeout);
});

Deno.test("the client gives up on a server that never answers", () => {
  const network = new SimulatedNetwork({ seed: 2 });
  network.linkUp = false;
  const client = network.client.connect({ hostname: "10.0.0.2", port: 55555 }, 0);
  network.runUntil(() => client.state === "closed");
  const initials = network.sent.filter((d) => d.type === PacketType.Initial).map((d) => d.time);
  assert.deepEqual(initials, [0, 1000, 3000, 7000]);
  assert.equal(network.now, 10_000, "gives up at the handshake timeout exactly");
  assert.equal(client.closeInfo?.code, CloseCode.Unreachable);
});

Deno.test("a close is confirmed by both sides", () => {
  const { network, client, server } = connectedPair();
  network.client.close(client, network.now, CloseCode.Normal, "bye");
  network.runUntil(() => client.state === "closed" && server.state === "closed");
  assert.equal(client.closeInfo?.initiator, "local");
  assert.equal(server.closeInfo?.initiator, "peer");
  assert.equal(server.closeInfo?.reason, "bye");
  assert.equal(network.client.connectionCount, 0);
  assert.equal(network.server.connectionCount, 0);
});
