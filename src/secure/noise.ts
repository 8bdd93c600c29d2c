/**
 * The Noise handshake (spec revision 34, section 5.3) for
 * `Noise_NX_25519_ChaChaPoly_SHA256`, as a pure state machine: bytes in,
 * bytes out, no I/O, no clock, no randomness of its own.
 *
 * Theory of operation:
 *
 * ```text
 * NX:
 *   -> e                   client sends its ephemeral key; payload in clear
 *   <- e, ee, s, es        server proves its static key; payload encrypted
 * ```
 *
 * - The initiator (client) calls `writeMessage`, then `readMessage`; the
 *   responder (server) calls `readMessage`, then `writeMessage`. Calling them
 *   out of turn is a `UsageError` (our bug); a message the peer got wrong is a
 *   `HandshakeError` (their fault, or an attacker's).
 * - Message 1 carries no MAC: a responder cannot detect tampering with it,
 *   so its payload must not be trusted before the handshake completes. Any
 *   change to it changes the transcript hash, so the initiator's
 *   `readMessage` of message 2 fails and no keys come out.
 * - Any failure poisons the state: every later call throws, because a half
 *   mixed transcript must never be continued.
 * - Once `isComplete`, `split()` yields the transport keys exactly once (two
 *   holders of one key would reuse nonces). The initiator must check
 *   `remoteStaticPublicKey` against its pinned key before trusting anything.
 *
 * `NN` (no static keys) is supported only so the test vectors can check this
 * machinery against a second pattern; mochi uses `NX`.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { CipherState } from "./cipher_state.ts";
import { HandshakeError } from "./errors.ts";
import { diffieHellman, type KeyPair, keyPairFromPrivateKey, X25519_KEY_LENGTH } from "./keys.ts";
import { SymmetricState } from "./symmetric_state.ts";

/** The handshake patterns this implementation knows. */
export type HandshakePatternName = "NX" | "NN";

/** Which side of the handshake this state plays: the client initiates. */
export type HandshakeRole = "initiator" | "responder";

/** Where a handshake's ephemeral private key comes from: the key itself, or a random source. */
export type EphemeralSource = Uint8Array | ((length: number) => Uint8Array);

/** How to set up one side of a handshake. */
export interface HandshakeOptions {
  /** `initiator` for the client, `responder` for the server. */
  readonly role: HandshakeRole;
  /** The ephemeral private key (32 bytes), or a function returning `length` random bytes. */
  readonly ephemeral: EphemeralSource;
  /** The responder's long-term key pair; required for the responder in NX. */
  readonly staticKeyPair?: KeyPair;
  /** Bytes both sides must agree on (e.g. a protocol version); empty by default. */
  readonly prologue?: Uint8Array;
  /** `NX` unless testing. */
  readonly pattern?: HandshakePatternName;
}

/** Everything a completed handshake yields. */
export interface SplitResult {
  /** Raw key for messages from initiator to responder. */
  readonly initiatorToResponderKey: Uint8Array;
  /** Raw key for messages from responder to initiator. */
  readonly responderToInitiatorKey: Uint8Array;
  /** This side's sending key: one of the two above, chosen by role. */
  readonly sendKey: Uint8Array;
  /** This side's receiving key: the other one. */
  readonly receiveKey: Uint8Array;
  /** Noise transport CipherState for sending (its own copy of `sendKey`). */
  readonly sender: CipherState;
  /** Noise transport CipherState for receiving (its own copy of `receiveKey`). */
  readonly receiver: CipherState;
  /** The final handshake hash: identifies this session (e.g. for channel binding). */
  readonly handshakeHash: Uint8Array;
  /** The peer's static public key, if the pattern sent one (NX: the server's, seen by the client). */
  readonly remoteStaticPublicKey: Uint8Array | null;
}

type DiffieHellmanToken = "ee" | "es" | "se" | "ss";
type Token = "e" | "s" | DiffieHellmanToken;

// Whose key each Diffie-Hellman token combines: [initiator's, responder's].
const KEY_KINDS: Record<DiffieHellmanToken, readonly ["e" | "s", "e" | "s"]> = {
  ee: ["e", "e"],
  es: ["e", "s"],
  se: ["s", "e"],
  ss: ["s", "s"],
};

const PATTERNS: Record<HandshakePatternName, readonly (readonly Token[])[]> = {
  NX: [["e"], ["e", "ee", "s", "es"]],
  NN: [["e"], ["e", "ee"]],
};

/** Noise's limit on any one message. */
export const MAXIMUM_MESSAGE_LENGTH = 65535;
const TAG_LENGTH = 16;
const EMPTY = new Uint8Array(0);

/** One side of a Noise handshake. */
export class HandshakeState {
  /** This side's role. */
  readonly role: HandshakeRole;
  readonly #messages: readonly (readonly Token[])[];
  readonly #symmetric: SymmetricState;
  readonly #ephemeralSource: EphemeralSource;
  readonly #staticKeyPair: KeyPair | null;
  #ephemeralKeyPair: KeyPair | null = null;
  #remoteEphemeral: Uint8Array | null = null;
  #remoteStatic: Uint8Array | null = null;
  #messageIndex = 0;
  #failed = false;
  #split = false;

  /** Sets up one side; nothing is sent until `writeMessage`. */
  constructor(options: HandshakeOptions) {
    const pattern = options.pattern ?? "NX";
    this.role = options.role;
    this.#messages = PATTERNS[pattern];
    this.#ephemeralSource = options.ephemeral;
    this.#staticKeyPair = options.staticKeyPair ?? null;
    const sendsStatic = this.#tokensOf(this.role).includes("s");
    if (sendsStatic && this.#staticKeyPair === null) {
      throw new UsageError(`Cannot start a ${pattern} ${this.role}: a static key pair is required`);
    }
    this.#symmetric = new SymmetricState(`Noise_${pattern}_25519_ChaChaPoly_SHA256`);
    this.#symmetric.mixHash(options.prologue ?? EMPTY);
  }

  /** Whether every handshake message has been written or read. */
  get isComplete(): boolean {
    return this.#messageIndex >= this.#messages.length;
  }

  /** Whether the next step is this side's `writeMessage` (else `readMessage`, or done). */
  get isMyTurnToWrite(): boolean {
    return !this.isComplete && this.#writerOf(this.#messageIndex) === this.role;
  }

  /** The peer's static public key once received (NX initiator: after message 2). */
  get remoteStaticPublicKey(): Uint8Array | null {
    return this.#remoteStatic?.slice() ?? null;
  }

  /** The handshake hash so far. */
  get handshakeHash(): Uint8Array {
    return this.#symmetric.handshakeHash();
  }

  /** Builds this side's next handshake message around `payload`. */
  writeMessage(payload: Uint8Array = EMPTY): Uint8Array {
    this.#checkTurn("write");
    return this.#poisonOnFailure(() => {
      const parts: Uint8Array[] = [];
      for (const token of this.#messages[this.#messageIndex]!) {
        if (token === "e") {
          this.#ephemeralKeyPair = keyPairFromPrivateKey(this.#newEphemeralPrivateKey());
          parts.push(this.#ephemeralKeyPair.publicKey);
          this.#symmetric.mixHash(this.#ephemeralKeyPair.publicKey);
        } else if (token === "s") {
          parts.push(this.#symmetric.encryptAndHash(this.#staticKeyPair!.publicKey));
        } else {
          this.#mixDiffieHellman(token);
        }
      }
      parts.push(this.#symmetric.encryptAndHash(payload));
      const message = concatenate(parts);
      if (message.length > MAXIMUM_MESSAGE_LENGTH) {
        throw new UsageError(`Cannot write a handshake message of ${message.length} bytes`);
      }
      this.#messageIndex++;
      return message;
    });
  }

  /** Consumes the peer's next handshake message and returns its payload. */
  readMessage(message: Uint8Array): Uint8Array {
    this.#checkTurn("read");
    return this.#poisonOnFailure(() => {
      if (message.length > MAXIMUM_MESSAGE_LENGTH) {
        throw new HandshakeError(
          `Cannot read handshake message: ${message.length} bytes is too long`,
        );
      }
      let offset = 0;
      const take = (length: number, what: string): Uint8Array => {
        if (message.length - offset < length) {
          throw new HandshakeError(`Cannot read handshake message: truncated in the ${what}`);
        }
        offset += length;
        return message.subarray(offset - length, offset);
      };
      for (const token of this.#messages[this.#messageIndex]!) {
        if (token === "e") {
          this.#remoteEphemeral = take(X25519_KEY_LENGTH, "ephemeral key").slice();
          this.#symmetric.mixHash(this.#remoteEphemeral);
        } else if (token === "s") {
          const length = X25519_KEY_LENGTH + (this.#symmetric.hasKey() ? TAG_LENGTH : 0);
          this.#remoteStatic = this.#decrypt(take(length, "static key"), "static key");
        } else {
          this.#mixDiffieHellman(token);
        }
      }
      if (this.#symmetric.hasKey() && message.length - offset < TAG_LENGTH) {
        throw new HandshakeError("Cannot read handshake message: truncated in the payload");
      }
      const payload = this.#decrypt(message.subarray(offset), "payload");
      this.#messageIndex++;
      return payload;
    });
  }

  /** Derives the transport keys; only once, and only after the last message. */
  split(): SplitResult {
    if (this.#failed) throw new UsageError("Cannot split: the handshake failed");
    if (!this.isComplete) throw new UsageError("Cannot split: the handshake is not complete");
    if (this.#split) throw new UsageError("Cannot split: the keys were already taken");
    this.#split = true;
    const handshakeHash = this.#symmetric.handshakeHash();
    const [initiatorToResponderKey, responderToInitiatorKey] = this.#symmetric.split();
    this.#wipeEphemeral();
    const isInitiator = this.role === "initiator";
    const sendKey = isInitiator ? initiatorToResponderKey : responderToInitiatorKey;
    const receiveKey = isInitiator ? responderToInitiatorKey : initiatorToResponderKey;
    return {
      initiatorToResponderKey,
      responderToInitiatorKey,
      sendKey,
      receiveKey,
      sender: new CipherState(sendKey),
      receiver: new CipherState(receiveKey),
      handshakeHash,
      remoteStaticPublicKey: this.remoteStaticPublicKey,
    };
  }

  #checkTurn(action: "write" | "read"): void {
    if (this.#failed) {
      throw new UsageError(`Cannot ${action} a handshake message: the handshake failed`);
    }
    if (this.isComplete) {
      throw new UsageError(`Cannot ${action} a handshake message: the handshake is complete`);
    }
    if ((action === "write") !== this.isMyTurnToWrite) {
      throw new UsageError(`Cannot ${action} a handshake message: it is not this side's turn`);
    }
  }

  #poisonOnFailure<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.#failed = true;
      this.#symmetric.wipe();
      this.#wipeEphemeral();
      throw error;
    }
  }

  #decrypt(ciphertext: Uint8Array, what: string): Uint8Array {
    const plaintext = this.#symmetric.decryptAndHash(ciphertext);
    if (plaintext === null) {
      throw new HandshakeError(`Cannot read handshake message: the ${what} failed authentication`);
    }
    return plaintext;
  }

  /**
   * In a token like `es` the first letter names the initiator's key and the
   * second the responder's, so each side picks its own private key and the
   * peer's public key by its role.
   */
  #mixDiffieHellman(token: DiffieHellmanToken): void {
    const [initiatorKind, responderKind] = KEY_KINDS[token];
    const isInitiator = this.role === "initiator";
    const localKind = isInitiator ? initiatorKind : responderKind;
    const remoteKind = isInitiator ? responderKind : initiatorKind;
    const local = localKind === "e" ? this.#ephemeralKeyPair : this.#staticKeyPair;
    const remote = remoteKind === "e" ? this.#remoteEphemeral : this.#remoteStatic;
    if (local === null || remote === null) {
      throw new UsageError(`Cannot mix ${token}: a key it needs is missing (a bug in the pattern)`);
    }
    const shared = diffieHellman(local.privateKey, remote);
    if (shared === null) {
      throw new HandshakeError("Cannot complete handshake: the peer sent an invalid public key");
    }
    this.#symmetric.mixKey(shared);
    shared.fill(0);
  }

  #newEphemeralPrivateKey(): Uint8Array {
    const source = this.#ephemeralSource;
    const privateKey = typeof source === "function" ? source(X25519_KEY_LENGTH) : source;
    if (privateKey.length !== X25519_KEY_LENGTH) {
      throw new UsageError(`Cannot make an ephemeral key from ${privateKey.length} bytes, not 32`);
    }
    return privateKey;
  }

  #wipeEphemeral(): void {
    this.#ephemeralKeyPair?.privateKey.fill(0);
    this.#ephemeralKeyPair = null;
  }

  #writerOf(messageIndex: number): HandshakeRole {
    return messageIndex % 2 === 0 ? "initiator" : "responder";
  }

  #tokensOf(role: HandshakeRole): Token[] {
    return this.#messages.filter((_, index) => this.#writerOf(index) === role).flat();
  }
}

function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const result = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}
