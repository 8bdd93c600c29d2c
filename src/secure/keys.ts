/**
 * X25519 keys: the server's long-term identity key and the ephemeral keys of
 * each handshake, plus the fingerprint people compare and pin.
 *
 * Private keys come from the caller as 32 bytes (from a key file or from the
 * caller's random source), which keeps this file free of I/O and randomness.
 *
 * @example
 * ```ts
 * import { fingerprint, keyPairFromPrivateKey } from "./keys.ts";
 * const server = keyPairFromPrivateKey(new Uint8Array(32).fill(1));
 * const shown = fingerprint(server.publicKey); // "SHA256:..." as ssh-keygen -l prints
 * if (!shown.startsWith("SHA256:")) throw new Error();
 * ```
 *
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { UsageError } from "../errors.ts";

/** Length of an X25519 private key, public key and shared secret in bytes. */
export const X25519_KEY_LENGTH = 32;

/** An X25519 key pair. Both halves are 32 raw bytes. */
export interface KeyPair {
  /** The secret scalar, as given (X25519 clamps it when used). */
  readonly privateKey: Uint8Array;
  /** The public u-coordinate that peers see. */
  readonly publicKey: Uint8Array;
}

/** Derives the public key that belongs to a 32-byte private key. */
export function publicKeyFromPrivateKey(privateKey: Uint8Array): Uint8Array {
  requireKeyLength(privateKey, "private key");
  return x25519.getPublicKey(privateKey);
}

/**
 * Builds a key pair from 32 secret bytes. The bytes are copied, so the caller
 * may wipe its own buffer.
 */
export function keyPairFromPrivateKey(privateKey: Uint8Array): KeyPair {
  const copy = privateKey.slice();
  return { privateKey: copy, publicKey: publicKeyFromPrivateKey(copy) };
}

/**
 * X25519 Diffie-Hellman. Returns the 32-byte shared secret, or `null` when the
 * peer's public key is a low-order point (the result would be all zeros and
 * carry no secret); callers decide whose fault that is.
 */
export function diffieHellman(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  requireKeyLength(privateKey, "private key");
  if (publicKey.length !== X25519_KEY_LENGTH) return null;
  try {
    return x25519.getSharedSecret(privateKey, publicKey);
  } catch {
    // @noble/curves throws on an all-zero shared secret.
    return null;
  }
}

/**
 * The SSH-style fingerprint of a public key: `SHA256:` followed by the
 * unpadded base64 of SHA-256 over the raw 32 bytes, the form `ssh-keygen -l`
 * prints, so users recognise it and can compare it by eye or by voice.
 */
export function fingerprint(publicKey: Uint8Array): string {
  requireKeyLength(publicKey, "public key");
  let binary = "";
  for (const byte of sha256(publicKey)) binary += String.fromCharCode(byte);
  return "SHA256:" + btoa(binary).replace(/=+$/, "");
}

function requireKeyLength(key: Uint8Array, what: string): void {
  if (key.length !== X25519_KEY_LENGTH) {
    throw new UsageError(`Cannot use X25519 ${what}: it has ${key.length} bytes, not 32`);
  }
}
