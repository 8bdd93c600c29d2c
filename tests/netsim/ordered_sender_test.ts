import assert from "node:assert/strict";
import { OrderedSender } from "../../src/netsim/ordered_sender.ts";
import { Collector, loopbackSocket, waitFor } from "./_udp.ts";

Deno.test("OrderedSender keeps a burst in order on a fresh socket (plain Deno sends reverse it)", async () => {
  const sink = new Collector();
  const socket = loopbackSocket();
  const errors: unknown[] = [];
  const sender = new OrderedSender(socket, (error) => errors.push(error));
  try {
    for (let index = 0; index < 50; index++) sender.send(new Uint8Array([index]), sink.address);
    await waitFor(() => sink.arrivals.length === 50, "the burst");
    assert.deepEqual(
      sink.arrivals.map((arrival) => arrival.bytes[0]),
      Array.from({ length: 50 }, (_, index) => index),
    );
    assert.equal(sender.queued, 0);
    assert.deepEqual(errors, []);
  } finally {
    await sender.close();
    socket.close();
    await sink.close();
  }
});

Deno.test("OrderedSender.close discards the queue and ignores later sends", async () => {
  const sink = new Collector();
  const socket = loopbackSocket();
  const sender = new OrderedSender(socket, () => {});
  try {
    for (let index = 0; index < 100; index++) sender.send(new Uint8Array([index]), sink.address);
    await sender.close();
    sender.send(new Uint8Array([255]), sink.address);
    assert.equal(sender.queued, 0);
    // At most the one send that was in flight went out.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(sink.arrivals.length <= 1, `${sink.arrivals.length} arrived`);
  } finally {
    socket.close();
    await sink.close();
  }
});
