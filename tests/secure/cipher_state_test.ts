import assert from "node:assert/strict";
import { CipherState } from "../../src/secure/cipher_state.ts";
import { seal } from "../../src/secure/aead.ts";
import { seededRandom, withBitFlipped } from "./_helpers.ts";

const EMPTY = new Uint8Array(0);

Deno.test("without a key, a CipherState passes bytes through unchanged", () => {
  const cipher = new CipherState();
  assert.equal(cipher.hasKey(), false);
  assert.deepEqual(cipher.encryptWithAd(EMPTY, new Uint8Array([1, 2])), new Uint8Array([1, 2]));
  assert.deepEqual(cipher.decryptWithAd(EMPTY, new Uint8Array([3])), new Uint8Array([3]));
});

Deno.test("a failed decryption leaves the nonce where it was", () => {
  const key = seededRandom(20)(32);
  const sender = new CipherState(key);
  const receiver = new CipherState(key);
  const sealed = sender.encryptWithAd(EMPTY, new Uint8Array([9]));
  assert.equal(receiver.decryptWithAd(EMPTY, withBitFlipped(sealed, 3)), null);
  assert.equal(receiver.nonce, 0);
  assert.deepEqual(receiver.decryptWithAd(EMPTY, sealed), new Uint8Array([9]));
  assert.equal(receiver.nonce, 1);
});

Deno.test("rekey derives the key from encrypting zeros under nonce 2^64-1, on both sides", () => {
  const key = seededRandom(21)(32);
  const sender = new CipherState(key);
  const receiver = new CipherState(key);
  sender.rekey();
  receiver.rekey();
  const maximumNonce = new Uint8Array([0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
  const expectedKey = seal(key, maximumNonce, EMPTY, new Uint8Array(32)).subarray(0, 32);
  const line = new Uint8Array([1, 2, 3]);
  const sealed = sender.encryptWithAd(EMPTY, line);
  assert.deepEqual(new CipherState(expectedKey).encryptWithAd(EMPTY, line), sealed);
  assert.deepEqual(receiver.decryptWithAd(EMPTY, sealed), line);
  assert.equal(new CipherState(key).decryptWithAd(EMPTY, sealed), null);
});
