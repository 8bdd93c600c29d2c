/**
 * The transport's small pieces: wrap-around arithmetic, CRC32C, the header
 * codec's golden bytes, RFC 6298 arithmetic, the congestion window, the
 * deadline heap.
 */

import assert from "node:assert/strict";
import { CongestionController } from "../../src/transport/congestion.ts";
import { crc32c } from "../../src/transport/crc32c.ts";
import { DeadlineQueue } from "../../src/transport/deadline_queue.ts";
import {
  decodeClosePayload,
  decodePacket,
  encodeClosePayload,
  encodeHeader,
  HEADER_LENGTH,
  PacketFlags,
  PacketType,
} from "../../src/transport/packet.ts";
import { Crc32cProtection } from "../../src/transport/protection.ts";
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

Deno.test("CRC32C matches the RFC 3720 check values", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.equal(crc32c(ascending), 0x46dd794e);
  for (let length = 0; length < 40; length++) {
    const bytes = ascending.subarray(0, Math.min(length, 32));
    assert.equal(crc32c(bytes), crc32c(bytes.slice()), "views and copies agree");
  }
});

Deno.test("a header encodes to the documented golden bytes and back", () => {
  const protection = new Crc32cProtection();
  const buffer = new Uint8Array(HEADER_LENGTH + 3 + 4);
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
  const length = protection.seal(buffer, HEADER_LENGTH, HEADER_LENGTH + 3);
  assert.equal(length, buffer.length);
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
  const opened = protection.open(buffer, HEADER_LENGTH);
  assert.equal(opened, HEADER_LENGTH + 3);
  const packet = decodePacket(buffer, opened);
  assert.ok(typeof packet === "object");
  assert.equal(packet.sequence, 0xfffffff0);
  assert.deepEqual([...packet.payload], [0xaa, 0xbb, 0xcc]);
  for (let bit = 0; bit < buffer.length * 8; bit++) {
    const flipped = buffer.slice();
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    assert.equal(protection.open(flipped, HEADER_LENGTH), -1, `bit ${bit} flip is caught`);
  }
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
