import assert from "node:assert/strict";
import {
  flipBit,
  ImpairmentDecider,
  type Impairments,
  NO_IMPAIRMENTS,
} from "../../src/netsim/impairments.ts";
import { deriveSeed } from "../../src/netsim/prng.ts";
import { type Relay, startRelay } from "../../src/netsim/relay.ts";
import { addressOf, Collector, hex, loopbackSocket, waitFor } from "./_udp.ts";

/** Datagram `index` of a test: its number, then a filler that depends on it. */
function datagram(index: number, length = 64): Uint8Array {
  const bytes = new Uint8Array(length).fill(index & 0xff);
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

function indexOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
}

function relayTo(
  upstream: Collector,
  impairments: Partial<Impairments>,
  idleTimeoutMs?: number,
): Relay {
  return startRelay({
    listen: { hostname: "127.0.0.1", port: 0 },
    upstream: { hostname: "127.0.0.1", port: upstream.address.port },
    impairments: { ...NO_IMPAIRMENTS, ...impairments },
    idleTimeoutMs,
  });
}

function relayAddress(relay: Relay): Deno.NetAddr {
  return { transport: "udp", hostname: relay.address.hostname, port: relay.address.port };
}

Deno.test("relay: listen port 0 reports the bound port; a busy port is refused", async () => {
  const sink = new Collector();
  const relay = relayTo(sink, {});
  try {
    assert.equal(relay.address.hostname, "127.0.0.1");
    assert.ok(relay.address.port > 0);
    assert.throws(() =>
      startRelay({
        listen: relay.address,
        upstream: { hostname: "127.0.0.1", port: sink.address.port },
        impairments: NO_IMPAIRMENTS,
      }), Deno.errors.AddrInUse);
  } finally {
    await relay.close();
    await relay.close(); // closing twice is harmless
    await sink.close();
  }
});

Deno.test("relay: loss, duplication and corruption hit exactly the datagrams the seed picks", async () => {
  const impairments = {
    ...NO_IMPAIRMENTS,
    lossPercent: 20,
    duplicatePercent: 10,
    corruptPercent: 10,
    seed: 7,
  };
  const sink = new Collector();
  const relay = relayTo(sink, impairments);
  const client = loopbackSocket();
  // What the relay must do: the first flow's client-to-upstream decider.
  const decider = new ImpairmentDecider(impairments, deriveSeed(7, 0, 0));
  const expected: string[] = [];
  const total = 1000;
  const expectedCounters = { dropped: 0, duplicated: 0, corrupted: 0 };
  try {
    for (let index = 0; index < total; index++) {
      const bytes = datagram(index);
      const fate = decider.decide(bytes.length);
      if (fate.drop) {
        expectedCounters.dropped++;
      } else {
        const sent = bytes.slice();
        if (fate.corruptBitIndex >= 0) {
          flipBit(sent, fate.corruptBitIndex);
          expectedCounters.corrupted++;
        }
        expected.push(hex(sent));
        if (fate.duplicate) {
          expected.push(hex(bytes));
          expectedCounters.duplicated++;
        }
      }
      await client.send(bytes, relayAddress(relay));
      // Pace by windows so no socket buffer overflows (that loss would not be the relay's).
      if (index % 50 === 49) {
        await waitFor(() => sink.arrivals.length === expected.length, `window ending at ${index}`);
      }
    }
    await waitFor(() => sink.arrivals.length === expected.length, "all datagrams");
    const received = sink.arrivals.map((arrival) => hex(arrival.bytes));
    assert.deepEqual(received.toSorted(), expected.toSorted());
    const counters = relay.counters().clientToUpstream;
    assert.equal(counters.received, total);
    assert.equal(counters.dropped, expectedCounters.dropped);
    assert.equal(counters.duplicated, expectedCounters.duplicated);
    assert.equal(counters.corrupted, expectedCounters.corrupted);
    assert.equal(
      counters.forwarded,
      total - expectedCounters.dropped + expectedCounters.duplicated,
    );
    // The seed's picks are near the asked rates (5 sigma).
    assert.ok(Math.abs(expectedCounters.dropped - 200) < 65, `dropped ${expectedCounters.dropped}`);
  } finally {
    client.close();
    await relay.close();
    await sink.close();
  }
});

Deno.test("relay: replies go back to the right client; each client has its own upstream socket", async () => {
  const echo = new Collector({ echo: true });
  const relay = relayTo(echo, {});
  const clients = [new Collector(), new Collector()];
  try {
    for (let index = 0; index < 20; index++) {
      for (const [clientNumber, client] of clients.entries()) {
        await client.socket.send(datagram(clientNumber * 1000 + index), relayAddress(relay));
      }
    }
    await waitFor(() => clients.every((client) => client.arrivals.length === 20), "echoes");
    for (const [clientNumber, client] of clients.entries()) {
      const indexes = client.arrivals.map((arrival) => indexOf(arrival.bytes));
      assert.deepEqual(
        indexes,
        Array.from({ length: 20 }, (_, index) => clientNumber * 1000 + index),
      );
      assert.ok(client.arrivals.every((arrival) => arrival.from.port === relay.address.port));
    }
    const upstreamSources = new Set(echo.arrivals.map((arrival) => arrival.from.port));
    assert.equal(upstreamSources.size, 2);
    for (const client of clients) assert.ok(!upstreamSources.has(client.address.port));
    const counters = relay.counters();
    assert.equal(counters.clientToUpstream.forwarded, 40);
    assert.equal(counters.upstreamToClient.forwarded, 40);
    assert.equal(counters.clientsTotal, 2);
    assert.equal(counters.clientsActive, 2);
  } finally {
    await relay.close();
    await Promise.all([...clients, echo].map((collector) => collector.close()));
  }
});

Deno.test("relay: without jitter or reordering, order is kept, with and without delay", async () => {
  for (const delayMs of [0, 3]) {
    const sink = new Collector();
    const relay = relayTo(sink, { delayMs, lossPercent: 10, duplicatePercent: 10, seed: 9 });
    const client = loopbackSocket();
    try {
      for (let index = 0; index < 300; index++) {
        await client.send(datagram(index), relayAddress(relay));
        // Awaited sends complete without yielding to I/O: pace them, or the
        // relay's socket buffer (256 small datagrams) overflows.
        if (index % 50 === 49) {
          await waitFor(() => relay.counters().clientToUpstream.received === index + 1, "relay");
        }
      }
      const expected = relay.counters().clientToUpstream;
      await waitFor(
        () => sink.arrivals.length === 300 - expected.dropped + expected.duplicated,
        "all datagrams",
      );
      const order = sink.arrivals.map((arrival) => indexOf(arrival.bytes));
      // Duplicates follow their original; nothing else may move.
      assert.ok(
        order.every((index, position) => position === 0 || index >= order[position - 1]!),
        `delay ${delayMs}: ${order}`,
      );
    } finally {
      client.close();
      await relay.close();
      await sink.close();
    }
  }
});

Deno.test("relay: the delay applies in each direction (round trip = 2 x delay)", async () => {
  const delayMs = 15;
  const echo = new Collector({ echo: true });
  const relay = relayTo(echo, { delayMs });
  const client = new Collector();
  const roundTrips: number[] = [];
  try {
    for (let index = 0; index < 8; index++) {
      const sentAt = performance.now();
      await client.socket.send(datagram(index), relayAddress(relay));
      await waitFor(() => client.arrivals.length === index + 1, `echo ${index}`);
      roundTrips.push(client.arrivals[index]!.at - sentAt);
    }
    // The relay may send up to 0.5 ms early per direction; a loaded machine makes it late.
    for (const roundTrip of roundTrips) {
      assert.ok(roundTrip >= 2 * delayMs - 1, `round trip ${roundTrip} ms`);
    }
    const median = roundTrips.toSorted((a, b) => a - b)[4]!;
    assert.ok(median < 2 * delayMs + 15, `median round trip ${median} ms`);
  } finally {
    await relay.close();
    await client.close();
    await echo.close();
  }
});

Deno.test("relay: jitter spreads one-way delays within delay +/- jitter", async () => {
  const sink = new Collector();
  const relay = relayTo(sink, { delayMs: 10, jitterMs: 4, seed: 5 });
  const client = loopbackSocket();
  const sentAt: number[] = [];
  try {
    for (let index = 0; index < 100; index++) {
      sentAt.push(performance.now());
      await client.send(datagram(index), relayAddress(relay));
      if (index % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await waitFor(() => sink.arrivals.length === 100, "all datagrams");
    const delays = sink.arrivals.map((arrival) => arrival.at - sentAt[indexOf(arrival.bytes)]!);
    for (const delay of delays) assert.ok(delay >= 6 - 0.6, `delay ${delay} ms below 10 - 4`);
    const sorted = delays.toSorted((a, b) => a - b);
    assert.ok(sorted[50]! < 14 + 10, `median one-way delay ${sorted[50]} ms`);
    assert.ok(sorted[90]! - sorted[10]! > 2, "jitter should spread the delays");
  } finally {
    client.close();
    await relay.close();
    await sink.close();
  }
});

Deno.test("relay: reordered datagrams arrive after later ones; nothing is lost", async () => {
  const impairments = { ...NO_IMPAIRMENTS, delayMs: 2, reorderPercent: 25, seed: 3 };
  const sink = new Collector();
  const relay = relayTo(sink, impairments);
  const client = loopbackSocket();
  const decider = new ImpairmentDecider(impairments, deriveSeed(3, 0, 0));
  const total = 200;
  try {
    let expectedReordered = 0;
    for (let index = 0; index < total; index++) {
      if (decider.decide(64).reorder) expectedReordered++;
      await client.send(datagram(index), relayAddress(relay));
    }
    await waitFor(() => sink.arrivals.length === total, "all datagrams");
    const order = sink.arrivals.map((arrival) => indexOf(arrival.bytes));
    assert.deepEqual(
      order.toSorted((a, b) => a - b),
      Array.from({ length: total }, (_, index) => index),
    );
    const overtaken = order.filter((index, position) =>
      order.slice(position + 1).some((later) => later < index)
    );
    assert.ok(overtaken.length > 0, "some datagrams should be overtaken");
    assert.equal(relay.counters().clientToUpstream.reordered, expectedReordered);
  } finally {
    client.close();
    await relay.close();
    await sink.close();
  }
});

Deno.test("relay: idle clients expire, and come back as new clients", async () => {
  const sink = new Collector();
  const relay = relayTo(sink, {}, 40);
  const client = loopbackSocket();
  try {
    await client.send(datagram(1), relayAddress(relay));
    await waitFor(() => relay.counters().clientsExpired === 1, "expiry", 2000);
    assert.equal(relay.counters().clientsActive, 0);
    await client.send(datagram(2), relayAddress(relay));
    await waitFor(() => sink.arrivals.length === 2, "second datagram");
    assert.equal(relay.counters().clientsTotal, 2);
    const sources = new Set(sink.arrivals.map((arrival) => arrival.from.port));
    assert.equal(sources.size, 2, "a new mapping uses a new upstream socket");
  } finally {
    client.close();
    await relay.close();
    await sink.close();
  }
});

Deno.test("relay: clients beyond maxClients are refused and counted", async () => {
  const sink = new Collector();
  const relay = startRelay({
    listen: { hostname: "127.0.0.1", port: 0 },
    upstream: addressOf(sink.socket),
    impairments: NO_IMPAIRMENTS,
    maxClients: 1,
  });
  const first = loopbackSocket();
  const second = loopbackSocket();
  try {
    await first.send(datagram(1), relayAddress(relay));
    await waitFor(() => sink.arrivals.length === 1, "first client's datagram");
    await second.send(datagram(2), relayAddress(relay));
    await waitFor(() => relay.counters().clientsRejected === 1, "refusal");
    assert.equal(sink.arrivals.length, 1);
  } finally {
    first.close();
    second.close();
    await relay.close();
    await sink.close();
  }
});

Deno.test("relay: close() returns at once with datagrams still queued, and discards them", async () => {
  const sink = new Collector();
  const relay = relayTo(sink, { delayMs: 10_000 });
  const client = loopbackSocket();
  try {
    for (let index = 0; index < 10; index++) {
      await client.send(datagram(index), relayAddress(relay));
    }
    await waitFor(
      () => relay.counters().clientToUpstream.received === 10,
      "datagrams at the relay",
    );
    const startedClosing = performance.now();
    await relay.close();
    assert.ok(performance.now() - startedClosing < 1000);
    assert.equal(relay.counters().clientToUpstream.forwarded, 0);
    assert.equal(sink.arrivals.length, 0);
  } finally {
    client.close();
    await relay.close();
    await sink.close();
  }
});
