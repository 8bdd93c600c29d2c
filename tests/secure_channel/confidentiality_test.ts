/**
 * Requirement 4: a capture of every datagram of a session (retransmissions
 * and duplicates included) holds none of the secrets sent through it: not the
 * chat text, not the account or room password sent as messages, not even
 * any 8-byte piece of them.
 */

import assert from "node:assert/strict";
import { PacketType } from "../../src/transport/packet.ts";
import { SimulatedNetwork } from "../transport/_simulated_network.ts";
import { contains, readAll, utf8 } from "./_session.ts";

const SECRETS = [
  "meet me at the old lighthouse at seven",
  "correct horse battery staple",
  "room-password-hunter2",
];

/** Every 8-byte window of the UTF-8 encoding of `text`. */
function windows(text: string): Uint8Array[] {
  const bytes = utf8(text);
  return Array.from({ length: bytes.length - 7 }, (_, start) => bytes.subarray(start, start + 8));
}

/** Whether any captured datagram holds any 8-byte window of `text`. */
function leaks(capture: Uint8Array[], text: string): boolean {
  const pieces = windows(text);
  return capture.some((datagram) => pieces.some((piece) => contains(datagram, piece)));
}

Deno.test("no secret, nor any 8 bytes of one, appears in the captured datagrams", () => {
  const lossy = { lossPercent: 10, duplicatePercent: 5, reorderPercent: 5 };
  const network = new SimulatedNetwork({ seed: 51, toServer: lossy, toClient: lossy });
  const { client, server } = network.connect();
  // The client logs in and joins a room, then chats; the server relays the chat back.
  for (const secret of SECRETS) network.client.send(client, utf8(secret));
  const atServer: string[] = [];
  network.runUntil(() => {
    atServer.push(...readAll(network.server, server));
    return atServer.length === SECRETS.length;
  });
  assert.deepEqual(atServer, SECRETS, "the secrets did cross the link");
  network.server.send(server, utf8(SECRETS[0]!));
  network.runUntil(() => client.hasUnread);
  assert.deepEqual(readAll(network.client, client), [SECRETS[0]]);
  network.client.close(client, network.now);
  network.runUntil(() => client.state === "closed" && server.state === "closed");

  const capture = network.sent.map((datagram) => datagram.bytes);
  assert.ok(network.sent.some((d) => d.direction === "toServer" && d.type === PacketType.Data));
  for (const secret of SECRETS) {
    assert.equal(capture.some((datagram) => contains(datagram, utf8(secret))), false, secret);
    assert.equal(leaks(capture, secret), false, `a piece of "${secret}"`);
  }
});

Deno.test("the leak search finds a secret in a datagram that carries it (control)", () => {
  const plain = new Uint8Array(200);
  plain.set(utf8("correct horse battery staple").subarray(5, 13), 77);
  assert.equal(leaks([new Uint8Array(200), plain], "correct horse battery staple"), true);
  assert.equal(leaks([new Uint8Array(200)], "correct horse battery staple"), false);
});
