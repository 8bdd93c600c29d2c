import assert from "node:assert/strict";
import {
  counterNonce,
  open,
  openInPlace,
  seal,
  sealInPlace,
  TAG_LENGTH,
} from "../../src/secure/aead.ts";
import { UsageError } from "../../src/errors.ts";
import { fromHex, seededRandom, toHex, withBitFlipped } from "./_helpers.ts";

// RFC 8439 section 2.8.2: the AEAD test vector.
const RFC_KEY = fromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
const RFC_NONCE = fromHex("070000004041424344454647");
const RFC_AAD = fromHex("50515253c0c1c2c3c4c5c6c7");
const RFC_PLAINTEXT = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const RFC_CIPHERTEXT = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
  "3ff4def08e4b7a9de576d26586cec64b6116";
const RFC_TAG = "1ae10b594f09e26a7e902ecbd0600691";

Deno.test("seal matches RFC 8439 section 2.8.2", () => {
  const sealed = seal(RFC_KEY, RFC_NONCE, RFC_AAD, RFC_PLAINTEXT);
  assert.equal(toHex(sealed), RFC_CIPHERTEXT + RFC_TAG);
});

Deno.test("open recovers the RFC 8439 plaintext", () => {
  const plaintext = open(RFC_KEY, RFC_NONCE, RFC_AAD, fromHex(RFC_CIPHERTEXT + RFC_TAG));
  assert.deepEqual(plaintext, RFC_PLAINTEXT);
});

Deno.test("open returns null for every single-bit flip of ciphertext, tag and associated data", () => {
  const random = seededRandom(1);
  const key = random(32);
  const nonce = counterNonce(42);
  const associatedData = random(20);
  const sealed = seal(key, nonce, associatedData, random(64));
  assert.notEqual(open(key, nonce, associatedData, sealed), null);
  for (let bit = 0; bit < sealed.length * 8; bit++) {
    assert.equal(open(key, nonce, associatedData, withBitFlipped(sealed, bit)), null, `bit ${bit}`);
  }
  for (let bit = 0; bit < associatedData.length * 8; bit++) {
    const flipped = withBitFlipped(associatedData, bit);
    assert.equal(open(key, nonce, flipped, sealed), null, `associated data bit ${bit}`);
  }
});

Deno.test("open returns null, never throws, for wrong keys, nonces and sizes", () => {
  const key = new Uint8Array(32);
  const nonce = new Uint8Array(12);
  const sealed = seal(key, nonce, new Uint8Array(0), new Uint8Array(10));
  assert.equal(open(withBitFlipped(key, 0), nonce, new Uint8Array(0), sealed), null);
  assert.equal(open(key, counterNonce(1), new Uint8Array(0), sealed), null);
  assert.equal(open(key.subarray(1), nonce, new Uint8Array(0), sealed), null);
  assert.equal(open(key, nonce.subarray(1), new Uint8Array(0), sealed), null);
  for (let length = 0; length < sealed.length; length++) {
    assert.equal(
      open(key, nonce, new Uint8Array(0), sealed.subarray(0, length)),
      null,
      `${length}`,
    );
  }
});

Deno.test("an empty plaintext seals to a bare tag and opens", () => {
  const key = seededRandom(2)(32);
  const sealed = seal(key, counterNonce(0), new Uint8Array([1]), new Uint8Array(0));
  assert.equal(sealed.length, TAG_LENGTH);
  assert.deepEqual(open(key, counterNonce(0), new Uint8Array([1]), sealed), new Uint8Array(0));
});

Deno.test("sealInPlace and openInPlace agree with seal and open on a packet", () => {
  const random = seededRandom(3);
  const key = random(32);
  const nonce = counterNonce(7);
  const header = random(16);
  const payload = random(100);
  const packet = new Uint8Array(200);
  packet.set(header);
  packet.set(payload, 16);
  const sealedLength = sealInPlace(key, nonce, packet, 16, 116);
  assert.equal(sealedLength, 116 + TAG_LENGTH);
  assert.deepEqual(packet.subarray(16, sealedLength), seal(key, nonce, header, payload));

  const datagram = packet.slice(0, sealedLength);
  assert.equal(openInPlace(key, nonce, datagram, 16), 116);
  assert.deepEqual(datagram.subarray(16, 116), payload);
});

Deno.test("openInPlace leaves a forged packet untouched and returns -1", () => {
  const key = seededRandom(4)(32);
  const packet = new Uint8Array(64);
  const length = sealInPlace(key, counterNonce(0), packet, 8, 48);
  const forged = withBitFlipped(packet.subarray(0, length), 100);
  const before = forged.slice();
  assert.equal(openInPlace(key, counterNonce(0), forged, 8), -1);
  assert.deepEqual(forged, before);
  assert.equal(openInPlace(key, counterNonce(0), forged, length + 1), -1);
});

Deno.test("counterNonce is 32 zero bits then the little-endian 64-bit counter", () => {
  assert.equal(toHex(counterNonce(0)), "000000000000000000000000");
  assert.equal(toHex(counterNonce(1)), "000000000100000000000000");
  assert.equal(toHex(counterNonce(0x0102030405)), "000000000504030201000000");
  assert.equal(toHex(counterNonce(Number.MAX_SAFE_INTEGER)), "00000000ffffffffffff1f00");
  assert.throws(() => counterNonce(-1), UsageError);
  assert.throws(() => counterNonce(0.5), UsageError);
});

Deno.test("seal rejects a key or nonce of the wrong size as a usage error", () => {
  assert.throws(
    () => seal(new Uint8Array(31), new Uint8Array(12), new Uint8Array(0), new Uint8Array(0)),
    UsageError,
  );
  assert.throws(
    () => seal(new Uint8Array(32), new Uint8Array(8), new Uint8Array(0), new Uint8Array(0)),
    UsageError,
  );
});
