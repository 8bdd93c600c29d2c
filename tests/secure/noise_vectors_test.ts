/**
 * Checks the handshake against the cacophony test vectors, copied in
 * tests/vectors/noise_nx_25519_chachapoly_sha256.json (see its `source`).
 */

import assert from "node:assert/strict";
import { type CipherState, HandshakeState, keyPairFromPrivateKey } from "../../src/secure/mod.ts";
import type { HandshakePatternName } from "../../src/secure/noise.ts";
import { fromHex, toHex } from "./_helpers.ts";

interface VectorMessage {
  payload: string;
  ciphertext: string;
}

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_ephemeral: string;
  resp_prologue: string;
  resp_ephemeral: string;
  resp_static?: string;
  handshake_hash: string;
  messages: VectorMessage[];
}

const file = JSON.parse(
  await Deno.readTextFile(
    new URL("../vectors/noise_nx_25519_chachapoly_sha256.json", import.meta.url),
  ),
) as { source: string; vectors: Vector[] };

function vectorFor(protocolName: string): Vector {
  const vector = file.vectors.find((candidate) => candidate.protocol_name === protocolName);
  assert.ok(vector, `no vector for ${protocolName}`);
  return vector;
}

function checkVector(pattern: HandshakePatternName): void {
  const vector = vectorFor(`Noise_${pattern}_25519_ChaChaPoly_SHA256`);
  const initiator = new HandshakeState({
    role: "initiator",
    pattern,
    prologue: fromHex(vector.init_prologue),
    ephemeral: fromHex(vector.init_ephemeral),
  });
  const responder = new HandshakeState({
    role: "responder",
    pattern,
    prologue: fromHex(vector.resp_prologue),
    ephemeral: fromHex(vector.resp_ephemeral),
    staticKeyPair: vector.resp_static
      ? keyPairFromPrivateKey(fromHex(vector.resp_static))
      : undefined,
  });

  const [first, second, ...transport] = vector.messages;
  assert.ok(first && second);
  const message1 = initiator.writeMessage(fromHex(first.payload));
  assert.equal(toHex(message1), first.ciphertext, "message 1");
  assert.equal(toHex(responder.readMessage(message1)), first.payload);
  const message2 = responder.writeMessage(fromHex(second.payload));
  assert.equal(toHex(message2), second.ciphertext, "message 2");
  assert.equal(toHex(initiator.readMessage(message2)), second.payload);

  assert.ok(initiator.isComplete && responder.isComplete);
  const initiatorKeys = initiator.split();
  const responderKeys = responder.split();
  assert.equal(toHex(initiatorKeys.handshakeHash), vector.handshake_hash);
  assert.equal(toHex(responderKeys.handshakeHash), vector.handshake_hash);
  if (vector.resp_static) {
    const expected = keyPairFromPrivateKey(fromHex(vector.resp_static)).publicKey;
    assert.deepEqual(initiatorKeys.remoteStaticPublicKey, expected);
  }

  // After the handshake, cacophony alternates: initiator first, then responder.
  transport.forEach((message, index) => {
    const initiatorSends = index % 2 === 0;
    const sender: CipherState = initiatorSends ? initiatorKeys.sender : responderKeys.sender;
    const receiver: CipherState = initiatorSends ? responderKeys.receiver : initiatorKeys.receiver;
    const ciphertext = sender.encryptWithAd(new Uint8Array(0), fromHex(message.payload));
    assert.equal(toHex(ciphertext), message.ciphertext, `transport message ${index}`);
    assert.equal(toHex(receiver.decryptWithAd(new Uint8Array(0), ciphertext)!), message.payload);
  });
}

Deno.test("the vectors file names where it came from", () => {
  assert.match(file.source, /cacophony/);
});

Deno.test("Noise_NX_25519_ChaChaPoly_SHA256 matches the cacophony vector", () => {
  checkVector("NX");
});

Deno.test("Noise_NN_25519_ChaChaPoly_SHA256 matches the cacophony vector", () => {
  checkVector("NN");
});
