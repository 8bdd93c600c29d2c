/**
 * The transport's small pieces: wrap-around arithmetic, the header codec's
 * golden bytes, RFC 6298 arithmetic, the congestion window, the
 * deadline heap.
 */

import assert from "node:assert/strict";
import { CongestionController } from "../../src/transport/congestion.ts";
import { DeadlineQueue } from "../../src/transport/deadline_queue.ts";
import {
  decodeClosePayload,
  decodeInitialPayload,
  decodePacket,
  encodeClosePayload,
  encodeHeader,
  encodeInitialPayload,
  HEADER_LENGTH,
  PacketFlags,
  PacketType,
} from "../../src/transport/packet.ts";
import { RttEstimator } from "../../src/transport/rtt.ts";
import {
  connectionId,
  sequenceAdd,
  sequenceDistance,
  sequenceNumber,
} from "../../src/transport/sequence.ts";

Deno.test("sequence distance is signed and survives the wrap", () => {
  const top = sequenceNumber(0xffff_fffe);
  assert.equal(sequenceDistance(top, sequenceNumber(1)), 3);
  assert.equal(sequenceDistance(sequenceNumber(1), top), -3);
  assert.equal(sequenceAdd(top, 5), 3);
  assert.equal(sequenceAdd(sequenceNumber(2), -5), 0xffff_fffd);
  assert.equal(sequenceDistance(sequenceNumber(0), sequenceNumber(0x7fff_ffff)), 0x7fff_ffff);
  assert.equal(sequenceNumber(-1), 0xffff_ffff);
});

Deno.test("a header encodes to the documented golden bytes and back", () => {
  const buffer = new Uint8Array(HEADER_LENGTH + 3);
  encodeHeader(buffer, {
    type: PacketType.Data,
    flags: PacketFlags.AckRequested,
    destination: connectionId(0x01020304),
    packetNumber: 7,
    sequence: sequenceNumber(0xfffffff0),
    acknowledgement: sequenceNumber(0x10),
    receiveWindow: 300,
  });
  buffer.set([0xaa, 0xbb, 0xcc], HEADER_LENGTH);
  assert.deepEqual(
    [...buffer.subarray(0, HEADER_LENGTH)],
    [
      1,
      3,
      2,
      0,
      1,
      2,
      3,
      4,
      0,
      0,
      0,
      7,
      0xff,
      0xff,
      0xff,
      0xf0,
      0,
      0,
      0,
      0x10,
      0,
      0,
      1,
      0x2c,
    ],
  );
  const packet = decodePacket(buffer);
  assert.ok(typeof packet === "object");
  assert.equal(packet.sequence, 0xfffffff0);
  assert.equal(packet.packetNumber, 7);
  assert.deepEqual([...packet.payload], [0xaa, 0xbb, 0xcc]);
  assert.equal(decodePacket(buffer.subarray(0, HEADER_LENGTH - 1)), "truncated");
  const badFlags = buffer.slice();
  badFlags[2] = 0x80;
  assert.equal(decodePacket(badFlags), "malformed");
});

Deno.test("initial payloads round-trip with padding and reject bad lengths", () => {
  const token = new Uint8Array([1, 2, 3]);
  const message = new Uint8Array(40).fill(9);
  const payload = encodeInitialPayload({ token, message }, 1176);
  assert.equal(payload.length, 1176);
  const decoded = decodeInitialPayload(payload)!;
  assert.deepEqual([...decoded.token], [...token]);
  assert.deepEqual([...decoded.message], [...message]);
  assert.equal(decodeInitialPayload(new Uint8Array(3)), null);
  const lying = payload.slice();
  lying[1] = 200; // a token longer than any we accept
  assert.equal(decodeInitialPayload(lying), null);
  const overrun = encodeInitialPayload({ token, message }, 0).subarray(0, 20);
  assert.equal(decodeInitialPayload(overrun), null);
});

Deno.test("close payloads round-trip and reject bad lengths", () => {
  assert.deepEqual(decodeClosePayload(encodeClosePayload(4, "bye")), { code: 4, reason: "bye" });
  assert.equal(decodeClosePayload(new Uint8Array(1)), null);
  assert.equal(decodeClosePayload(new Uint8Array(300)), null);
  const long = encodeClosePayload(1, "x".repeat(1000));
  assert.equal(long.length, 2 + 256);
});

Deno.test("RTT estimation follows RFC 6298 exactly", () => {
  const rtt = new RttEstimator({
    initialRetransmissionTimeout: 1000,
    minRetransmissionTimeout: 200,
    maxRetransmissionTimeout: 60_000,
  });
  assert.equal(rtt.retransmissionTimeout, 1000);
  rtt.addSample(100);
  assert.equal(rtt.smoothed, 100);
  assert.equal(rtt.variance, 50);
  assert.equal(rtt.retransmissionTimeout, 300);
  rtt.addSample(200);
  assert.equal(rtt.variance, 0.75 * 50 + 0.25 * 100);
  assert.equal(rtt.smoothed, 0.875 * 100 + 0.125 * 200);
  assert.equal(rtt.retransmissionTimeout, 112.5 + 4 * 62.5);
  rtt.backOff();
  rtt.backOff();
  assert.equal(rtt.retransmissionTimeout, 4 * 362.5);
  for (let i = 0; i < 20; i++) rtt.backOff();
  assert.equal(rtt.retransmissionTimeout, 60_000);
  rtt.addSample(1);
  assert.ok(rtt.retransmissionTimeout >= 200, "lower bound holds");
  assert.equal(rtt.minimum, 1);
});

Deno.test("congestion window: slow start, one reduction per round trip, collapse on timeout", () => {
  const congestion = new CongestionController(10, 1000);
  congestion.onAcknowledged(10);
  assert.equal(congestion.window, 20);
  // SRTT 11 ms over a 10 ms base: no queue, so the loss is taken for random loss.
  assert.ok(congestion.onLoss(sequenceNumber(100), sequenceNumber(120), 11, 10));
  assert.equal(congestion.window, 18, "random-looking loss keeps 90 %");
  assert.equal(congestion.onLoss(sequenceNumber(110), sequenceNumber(125), 11, 10), false);
  assert.equal(congestion.window, 18, "the same round trip does not reduce again");
  congestion.onAcknowledged(18, 30, 10);
  assert.equal(congestion.window, 19, "with a queue, avoidance adds one packet per window");
  congestion.onAcknowledged(19, 11, 10);
  assert.equal(congestion.window, 23, "without one, it adds four");
  // SRTT 30 ms over a 10 ms base: a queue is building, so the loss is congestion.
  assert.ok(congestion.onLoss(sequenceNumber(121), sequenceNumber(150), 30, 10));
  assert.equal(congestion.window, 11, "a loss with a queue behind it halves");
  congestion.onTimeout(sequenceNumber(160));
  assert.equal(congestion.window, 2);
  for (let i = 0; i < 10_000; i++) congestion.onAcknowledged(100);
  assert.equal(congestion.window, 1000, "capped at the maximum");
});

Deno.test("the deadline queue returns due items in order and skips stale deadlines", () => {
  const queue = new DeadlineQueue<string>();
  queue.schedule("a", 30);
  queue.schedule("b", 10);
  queue.schedule("c", 20);
  queue.schedule("b", 40);
  queue.schedule("c", null);
  assert.equal(queue.peek(), 30);
  assert.equal(queue.popDue(25), null);
  assert.equal(queue.popDue(35), "a");
  assert.equal(queue.popDue(100), "b");
  assert.equal(queue.popDue(100), null);
  assert.equal(queue.size, 0);
});
