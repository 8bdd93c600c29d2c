import assert from "node:assert/strict";
import {
  diffieHellman,
  fingerprint,
  keyPairFromPrivateKey,
  publicKeyFromPrivateKey,
} from "../../src/secure/keys.ts";
import { UsageError } from "../../src/errors.ts";
import { fromHex, toHex } from "./_helpers.ts";

// RFC 7748 section 6.1: Alice's and Bob's X25519 keys and their shared secret.
const ALICE_PRIVATE = fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
const ALICE_PUBLIC = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
const BOB_PRIVATE = fromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
const BOB_PUBLIC = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
const SHARED_SECRET = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

Deno.test("public keys match RFC 7748", () => {
  assert.equal(toHex(publicKeyFromPrivateKey(ALICE_PRIVATE)), ALICE_PUBLIC);
  assert.equal(toHex(keyPairFromPrivateKey(BOB_PRIVATE).publicKey), BOB_PUBLIC);
});

Deno.test("Diffie-Hellman matches RFC 7748 from both sides", () => {
  assert.equal(toHex(diffieHellman(ALICE_PRIVATE, fromHex(BOB_PUBLIC))!), SHARED_SECRET);
  assert.equal(toHex(diffieHellman(BOB_PRIVATE, fromHex(ALICE_PUBLIC))!), SHARED_SECRET);
});

Deno.test("Diffie-Hellman with a low-order or malformed public key returns null", () => {
  assert.equal(diffieHellman(ALICE_PRIVATE, new Uint8Array(32)), null);
  const orderOne = new Uint8Array(32);
  orderOne[0] = 1;
  assert.equal(diffieHellman(ALICE_PRIVATE, orderOne), null);
  assert.equal(diffieHellman(ALICE_PRIVATE, new Uint8Array(31)), null);
});

Deno.test("keyPairFromPrivateKey copies the secret so the caller may wipe it", () => {
  const secret = ALICE_PRIVATE.slice();
  const pair = keyPairFromPrivateKey(secret);
  secret.fill(0);
  assert.deepEqual(pair.privateKey, ALICE_PRIVATE);
});

Deno.test("fingerprint is SHA256: plus unpadded base64 of SHA-256 of the raw key", () => {
  // Computed independently with Python:
  //   pub = bytes.fromhex("8520f0...4e6a")  # ALICE_PUBLIC
  //   "SHA256:" + base64.b64encode(hashlib.sha256(pub).digest()).decode().rstrip("=")
  assert.equal(
    fingerprint(fromHex(ALICE_PUBLIC)),
    "SHA256:MAyclgO5Kks57TlYv5JAEUgE20/TcwEsDKR0MtY0Ja4",
  );
});

Deno.test("fingerprint refuses anything but a 32-byte key", () => {
  assert.throws(() => fingerprint(new Uint8Array(33)), UsageError);
  assert.throws(() => publicKeyFromPrivateKey(new Uint8Array(16)), UsageError);
});
