/**
 * The secure channel as the transport sees it: a SecurityProvider that runs
 * Noise NX in the Initial and Accept packets, protects every later packet
 * with AEAD, and issues retry tokens.
 *
 * The handshake parameters (connection id, initial sequence number) travel as
 * Noise payloads: the client's in the clear in message 1 but bound into the
 * transcript, so a change on the path makes message 2 fail at the client;
 * the server's encrypted in message 2.
 *
 * @module
 */

import {
  decodeHandshake,
  encodeHandshake,
  HANDSHAKE_PARAMETERS_LENGTH,
  type HandshakeParameters,
} from "../transport/packet.ts";
import type {
  ClientHandshake,
  SecurityProvider,
  ServerHandshakeOutcome,
} from "../transport/security.ts";
import type { ConnectionId } from "../transport/sequence.ts";
import { TAG_LENGTH } from "./aead.ts";
import { HandshakeError } from "./errors.ts";
import { type KeyPair, X25519_KEY_LENGTH } from "./keys.ts";
import { HandshakeState } from "./noise.ts";
import { AeadPacketProtection, DEFAULT_KEY_UPDATE_PACKETS } from "./packet_protection.ts";
import { RetryTokens } from "./retry_token.ts";

/** Bound into every handshake: peers of another protocol or version cannot complete one. */
export const PROLOGUE = new TextEncoder().encode("mochi/1 Noise_NX_25519_ChaChaPoly_SHA256");

/** What the secure channel needs from its owner. */
export interface NoiseSecurityOptions {
  /** Cryptographically random bytes (the driver) or seeded ones (tests). */
  randomBytes: (length: number) => Uint8Array;
  /** The server's static key pair; a client has none. */
  identity?: KeyPair;
  /** The current time, for the first token secret. */
  now: number;
  /** Packets per key generation (see packet_protection.ts). */
  keyUpdatePackets?: number;
}

/** Noise NX with ChaCha20-Poly1305 packet protection. */
export class NoiseSecurity implements SecurityProvider {
  /** The Poly1305 tag. */
  readonly packetOverhead = TAG_LENGTH;
  readonly #randomBytes: (length: number) => Uint8Array;
  readonly #identity: KeyPair | undefined;
  readonly #tokens: RetryTokens;
  readonly #keyUpdatePackets: number;

  /** A provider for a client (no identity) or a server (with one). */
  constructor(options: NoiseSecurityOptions) {
    this.#randomBytes = options.randomBytes;
    this.#identity = options.identity;
    this.#tokens = new RetryTokens(options.randomBytes, options.now);
    this.#keyUpdatePackets = options.keyUpdatePackets ?? DEFAULT_KEY_UPDATE_PACKETS;
  }

  /** Message 1 (`-> e`) carrying our parameters; completes on message 2. */
  startClient(parameters: HandshakeParameters): ClientHandshake {
    const ephemeral = this.#randomBytes(X25519_KEY_LENGTH);
    const payload = encodeParameters(parameters);
    const begin = () => {
      const state = new HandshakeState({ role: "initiator", ephemeral, prologue: PROLOGUE });
      return { state, message: state.writeMessage(payload) };
    };
    const { message } = begin();
    return {
      message,
      complete: (reply) => {
        // A fresh state for every reply: a forged one must not end the handshake.
        const { state } = begin();
        let serverPayload: Uint8Array;
        try {
          serverPayload = state.readMessage(reply);
        } catch (error) {
          if (error instanceof HandshakeError) return null;
          throw error;
        }
        const serverParameters = decodeParameters(serverPayload);
        if (serverParameters === null) return null;
        const keys = state.split();
        return {
          parameters: serverParameters,
          protection: new AeadPacketProtection(
            keys.sendKey,
            keys.receiveKey,
            this.#keyUpdatePackets,
          ),
          peerIdentity: keys.remoteStaticPublicKey,
        };
      },
    };
  }

  /** Reads the client's parameters from message 1 (an ephemeral key, then the clear payload). */
  peekClientParameters(message: Uint8Array): HandshakeParameters | null {
    if (message.length !== X25519_KEY_LENGTH + HANDSHAKE_PARAMETERS_LENGTH) return null;
    return decodeParameters(message.subarray(X25519_KEY_LENGTH));
  }

  /** Reads message 1 and writes message 2 (`<- e, ee, s, es`) with our parameters. */
  answer(message: Uint8Array, parameters: HandshakeParameters): ServerHandshakeOutcome | null {
    if (this.#identity === undefined) return null;
    const state = new HandshakeState({
      role: "responder",
      ephemeral: this.#randomBytes,
      staticKeyPair: this.#identity,
      prologue: PROLOGUE,
    });
    let reply: Uint8Array;
    try {
      state.readMessage(message);
      reply = state.writeMessage(encodeParameters(parameters));
    } catch (error) {
      if (error instanceof HandshakeError) return null; // e.g. a low-order ephemeral key
      throw error;
    }
    const keys = state.split();
    return {
      parameters: decodeParameters(message.subarray(X25519_KEY_LENGTH))!,
      protection: new AeadPacketProtection(keys.sendKey, keys.receiveKey, this.#keyUpdatePackets),
      peerIdentity: null,
      reply,
    };
  }

  /** See RetryTokens.issue. */
  issueToken(address: string, clientId: ConnectionId, now: number): Uint8Array {
    return this.#tokens.issue(address, clientId, now);
  }

  /** See RetryTokens.check. */
  checkToken(token: Uint8Array, address: string, clientId: ConnectionId, now: number): boolean {
    return this.#tokens.check(token, address, clientId, now);
  }
}

function encodeParameters(parameters: HandshakeParameters): Uint8Array {
  const bytes = new Uint8Array(HANDSHAKE_PARAMETERS_LENGTH);
  encodeHandshake(bytes, 0, parameters);
  return bytes;
}

function decodeParameters(payload: Uint8Array): HandshakeParameters | null {
  return payload.length === HANDSHAKE_PARAMETERS_LENGTH ? decodeHandshake(payload) : null;
}
