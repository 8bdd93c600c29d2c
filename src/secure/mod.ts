/**
 * mochi's secure channel core: the Noise NX handshake, ChaCha20-Poly1305, and
 * X25519 keys with their fingerprints. Pure code: callers bring the bytes,
 * the randomness and the clock.
 *
 * @example
 * ```ts
 * import { HandshakeState, keyPairFromPrivateKey } from "./mod.ts";
 * const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));
 * const server = keyPairFromPrivateKey(random(32));
 * const client = new HandshakeState({ role: "initiator", ephemeral: random });
 * const responder = new HandshakeState({ role: "responder", ephemeral: random, staticKeyPair: server });
 * responder.readMessage(client.writeMessage());
 * client.readMessage(responder.writeMessage());
 * const clientKeys = client.split();
 * const serverKeys = responder.split();
 * if (clientKeys.sendKey.toString() !== serverKeys.receiveKey.toString()) throw new Error();
 * ```
 *
 * @module
 */

export {
  counterNonce,
  KEY_LENGTH,
  NONCE_LENGTH,
  open,
  openInPlace,
  seal,
  sealInPlace,
  sealInto,
  TAG_LENGTH,
} from "./aead.ts";
export { CipherState } from "./cipher_state.ts";
export { HandshakeError } from "./errors.ts";
export {
  diffieHellman,
  fingerprint,
  type KeyPair,
  keyPairFromPrivateKey,
  publicKeyFromPrivateKey,
  X25519_KEY_LENGTH,
} from "./keys.ts";
export {
  type EphemeralSource,
  type HandshakeOptions,
  type HandshakePatternName,
  type HandshakeRole,
  HandshakeState,
  MAXIMUM_MESSAGE_LENGTH,
  type SplitResult,
} from "./noise.ts";
