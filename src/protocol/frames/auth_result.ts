/**
 * AuthResult (server -> client, type 0x82): the answer to Register or Login.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { enumeration } from "../codec.ts";
import { explanationField, millisecondsField } from "../fields.ts";

/** How an authentication ended, with each outcome's wire value. */
export const AuthOutcome = {
  /** Logged in (after Register: the account exists now and is logged in). */
  ok: 0,
  /** Login: no such account, or the wrong password (deliberately not told apart). */
  wrongCredentials: 1,
  /** Register: another account holds this name (after normalisation). */
  nameTaken: 2,
  /** Register: the name is not acceptable (characters, length after normalisation). */
  invalidName: 3,
  /** Register: the server does not accept new accounts. */
  registrationClosed: 4,
  /** Too many attempts: wait `retryAfterMs`. */
  rateLimited: 5,
} as const;

/** An authentication outcome. */
export type AuthOutcome = keyof typeof AuthOutcome;

const outcomeField = enumeration<AuthOutcome>(AuthOutcome);

/** Whether the client is now logged in, and if not, why. */
export interface AuthResult {
  /** Discriminant. */
  readonly type: "authResult";
  /** What happened. */
  readonly outcome: AuthOutcome;
  /** With `rateLimited`: how long to wait before trying again; otherwise 0. */
  readonly retryAfterMs: number;
  /** A human-readable explanation, 0 to 1024 bytes of UTF-8 (may be empty). */
  readonly message: string;
}

/** Writes an AuthResult's fields (after the type byte). */
export function encodeAuthResult(writer: Writer, frame: AuthResult): void {
  outcomeField.encode(writer, frame.outcome, "outcome");
  millisecondsField.encode(writer, frame.retryAfterMs, "retryAfterMs");
  explanationField.encode(writer, frame.message, "message");
}

/** Reads an AuthResult's fields (after the type byte). */
export function decodeAuthResult(reader: Reader): AuthResult {
  return {
    type: "authResult",
    outcome: outcomeField.decode(reader, "outcome"),
    retryAfterMs: millisecondsField.decode(reader, "retryAfterMs"),
    message: explanationField.decode(reader, "message"),
  };
}
