import assert from "node:assert/strict";
import { HandshakeError, HandshakeState, keyPairFromPrivateKey } from "../../src/secure/mod.ts";
import type { KeyPair } from "../../src/secure/keys.ts";
import { UsageError } from "../../src/errors.ts";
import { seededRandom, toHex, withBitFlipped } from "./_helpers.ts";

const PROLOGUE = new TextEncoder().encode("mochi test prologue");
const CLIENT_HELLO = new TextEncoder().encode("hello from the client");
const SERVER_HELLO = new TextEncoder().encode("hello from the server");

function pair(seed: number, serverKey?: KeyPair) {
  const random = seededRandom(seed);
  const staticKeyPair = serverKey ?? keyPairFromPrivateKey(random(32));
  const initiator = new HandshakeState({
    role: "initiator",
    prologue: PROLOGUE,
    ephemeral: random,
  });
  const responder = new HandshakeState({
    role: "responder",
    prologue: PROLOGUE,
    ephemeral: random,
    staticKeyPair,
  });
  return { initiator, responder, staticKeyPair };
}

/** Messages 1 and 2 of an honest handshake, made by states nobody reuses. */
function honestMessages(seed: number, serverKey: KeyPair) {
  const { initiator, responder } = pair(seed, serverKey);
  const message1 = initiator.writeMessage(CLIENT_HELLO);
  responder.readMessage(message1);
  return { message1, message2: responder.writeMessage(SERVER_HELLO) };
}

Deno.test("an NX handshake with random keys agrees on split keys and the server's identity", () => {
  for (let seed = 0; seed < 20; seed++) {
    const { initiator, responder, staticKeyPair } = pair(seed);
    assert.ok(initiator.isMyTurnToWrite && !responder.isMyTurnToWrite);
    assert.deepEqual(responder.readMessage(initiator.writeMessage(CLIENT_HELLO)), CLIENT_HELLO);
    assert.equal(initiator.remoteStaticPublicKey, null);
    assert.deepEqual(initiator.readMessage(responder.writeMessage(SERVER_HELLO)), SERVER_HELLO);
    const client = initiator.split();
    const server = responder.split();
    assert.equal(client.sendKey.length, 32);
    assert.deepEqual(client.initiatorToResponderKey, server.initiatorToResponderKey);
    assert.deepEqual(client.responderToInitiatorKey, server.responderToInitiatorKey);
    assert.notDeepEqual(client.initiatorToResponderKey, client.responderToInitiatorKey);
    assert.deepEqual(client.sendKey, server.receiveKey);
    assert.deepEqual(client.receiveKey, server.sendKey);
    assert.deepEqual(client.handshakeHash, server.handshakeHash);
    assert.deepEqual(client.remoteStaticPublicKey, staticKeyPair.publicKey);
    assert.equal(server.remoteStaticPublicKey, null);
    const line = new TextEncoder().encode("a chat line");
    const sealed = client.sender.encryptWithAd(new Uint8Array(0), line);
    assert.deepEqual(server.receiver.decryptWithAd(new Uint8Array(0), sealed), line);
  }
});

Deno.test("different prologues make the handshake fail", () => {
  const random = seededRandom(5);
  const initiator = new HandshakeState({
    role: "initiator",
    prologue: PROLOGUE,
    ephemeral: random,
  });
  const responder = new HandshakeState({
    role: "responder",
    prologue: new TextEncoder().encode("another version"),
    ephemeral: random,
    staticKeyPair: keyPairFromPrivateKey(random(32)),
  });
  responder.readMessage(initiator.writeMessage());
  assert.throws(() => initiator.readMessage(responder.writeMessage()), HandshakeError);
});

Deno.test("every single-bit flip of message 2 makes the initiator's readMessage throw", () => {
  const serverKey = keyPairFromPrivateKey(seededRandom(6)(32));
  const { message2 } = honestMessages(7, serverKey);
  for (let bit = 0; bit < message2.length * 8; bit++) {
    const { initiator, responder } = pair(7, serverKey);
    responder.readMessage(initiator.writeMessage(CLIENT_HELLO));
    assert.deepEqual(responder.writeMessage(SERVER_HELLO), message2);
    assert.throws(
      () => initiator.readMessage(withBitFlipped(message2, bit)),
      HandshakeError,
      `bit ${bit}`,
    );
    assert.throws(() => initiator.split(), UsageError);
  }
});

Deno.test("every single-bit flip of message 1 makes the handshake fail", () => {
  // Message 1 has no MAC (no key exists yet), so the responder cannot notice
  // the change; it changes the transcript, so message 2 fails at the initiator.
  const serverKey = keyPairFromPrivateKey(seededRandom(8)(32));
  const { message1 } = honestMessages(9, serverKey);
  for (let bit = 0; bit < message1.length * 8; bit++) {
    const { initiator, responder } = pair(9, serverKey);
    assert.deepEqual(initiator.writeMessage(CLIENT_HELLO), message1);
    let message2: Uint8Array;
    try {
      responder.readMessage(withBitFlipped(message1, bit));
      message2 = responder.writeMessage(SERVER_HELLO);
    } catch (error) {
      assert.ok(error instanceof HandshakeError, `bit ${bit}: ${error}`);
      continue;
    }
    assert.throws(() => initiator.readMessage(message2), HandshakeError, `bit ${bit}`);
  }
});

Deno.test("truncated handshake messages throw HandshakeError", () => {
  const serverKey = keyPairFromPrivateKey(seededRandom(10)(32));
  const { message1, message2 } = honestMessages(11, serverKey);
  // Below 32 bytes, message 1 cannot hold the ephemeral key.
  for (let length = 0; length < 32; length++) {
    const { responder } = pair(11, serverKey);
    assert.throws(() => responder.readMessage(message1.subarray(0, length)), HandshakeError);
  }
  // Every prefix of message 2 is rejected, down to the empty message.
  for (let length = 0; length < message2.length; length++) {
    const { initiator, responder } = pair(11, serverKey);
    responder.readMessage(initiator.writeMessage(CLIENT_HELLO));
    responder.writeMessage(SERVER_HELLO);
    assert.throws(
      () => initiator.readMessage(message2.subarray(0, length)),
      HandshakeError,
      `${length}`,
    );
  }
});

Deno.test("a low-order ephemeral key from the initiator fails with HandshakeError", () => {
  const { responder } = pair(12);
  responder.readMessage(new Uint8Array(32));
  assert.throws(() => responder.writeMessage(), HandshakeError);
});

Deno.test("an oversized message is the peer's fault; writing one is ours", () => {
  const { initiator, responder } = pair(13);
  assert.throws(() => responder.readMessage(new Uint8Array(65536)), HandshakeError);
  assert.throws(() => initiator.writeMessage(new Uint8Array(65535)), UsageError);
});

Deno.test("calls out of turn, after failure, or a second split are usage errors", () => {
  const { initiator, responder } = pair(14);
  assert.throws(() => initiator.readMessage(new Uint8Array(32)), UsageError);
  assert.throws(() => responder.writeMessage(), UsageError);
  assert.throws(() => initiator.split(), UsageError);
  responder.readMessage(initiator.writeMessage());
  initiator.readMessage(responder.writeMessage());
  assert.throws(() => initiator.writeMessage(), UsageError);
  initiator.split();
  assert.throws(() => initiator.split(), UsageError);

  const failed = pair(15);
  failed.responder.readMessage(failed.initiator.writeMessage());
  assert.throws(() => failed.initiator.readMessage(new Uint8Array(10)), HandshakeError);
  assert.throws(() => failed.initiator.readMessage(failed.responder.writeMessage()), UsageError);
});

Deno.test("the NX responder needs a static key pair", () => {
  assert.throws(
    () => new HandshakeState({ role: "responder", ephemeral: new Uint8Array(32) }),
    UsageError,
  );
});

Deno.test("the ephemeral source is used as given and randomness comes only from it", () => {
  const first = pair(16).initiator.writeMessage();
  const again = pair(16).initiator.writeMessage();
  const other = pair(17).initiator.writeMessage();
  assert.equal(toHex(first), toHex(again));
  assert.notEqual(toHex(first), toHex(other));
});
