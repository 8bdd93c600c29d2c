/**
 * Address-validation tokens for stateless retries (QUIC Retry, WireGuard's
 * cookie reply): a server answers an Initial without a valid token with a
 * token and nothing else, keeping no state and doing no public-key work. A
 * client that really is at its source address receives it and repeats its
 * Initial with it; a spoofer never sees it.
 *
 * A token is the issue time (u32, seconds on the caller's clock) and a
 * 16-byte HMAC-SHA256 over the time, the client's address and its connection
 * id, under a secret that is replaced every two lifetimes (the previous one
 * still verifies, so no token dies early).
 *
 * @module
 */

import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** How long a token is accepted. */
export const TOKEN_LIFETIME_MS = 10_000;
/** Bytes of a token. */
export const TOKEN_LENGTH = 4 + 16;

const encoder = new TextEncoder();

/** Issues and checks tokens; time and randomness come from the caller. */
export class RetryTokens {
  readonly #randomBytes: (length: number) => Uint8Array;
  #secret: Uint8Array;
  #previousSecret: Uint8Array | null = null;
  #secretSince: number;

  /** A token issuer whose first secret dates from `now`. */
  constructor(randomBytes: (length: number) => Uint8Array, now: number) {
    this.#randomBytes = randomBytes;
    this.#secret = randomBytes(32);
    this.#secretSince = now;
  }

  /** A token for this address and connection id. */
  issue(address: string, clientId: number, now: number): Uint8Array {
    this.#rotate(now);
    const seconds = Math.floor(now / 1000) >>> 0;
    const token = new Uint8Array(TOKEN_LENGTH);
    new DataView(token.buffer).setUint32(0, seconds);
    token.set(this.#mac(this.#secret, seconds, address, clientId), 4);
    return token;
  }

  /** Whether the token was issued by us to this address and id within the lifetime. */
  check(token: Uint8Array, address: string, clientId: number, now: number): boolean {
    if (token.length !== TOKEN_LENGTH) return false;
    this.#rotate(now);
    const seconds = new DataView(token.buffer, token.byteOffset, 4).getUint32(0);
    const age = Math.floor(now / 1000) - seconds;
    if (age < 0 || age * 1000 > TOKEN_LIFETIME_MS) return false;
    const tag = token.subarray(4);
    for (const secret of [this.#secret, this.#previousSecret]) {
      if (
        secret !== null && equalInConstantTime(tag, this.#mac(secret, seconds, address, clientId))
      ) {
        return true;
      }
    }
    return false;
  }

  #rotate(now: number): void {
    if (now - this.#secretSince < 2 * TOKEN_LIFETIME_MS) return;
    this.#previousSecret = this.#secret;
    this.#secret = this.#randomBytes(32);
    this.#secretSince = now;
  }

  #mac(secret: Uint8Array, seconds: number, address: string, clientId: number): Uint8Array {
    const input = encoder.encode(`${seconds}|${address}|${clientId >>> 0}`);
    return hmac(sha256, secret, input).subarray(0, 16);
  }
}

function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a[index]! ^ b[index]!;
  return difference === 0;
}
