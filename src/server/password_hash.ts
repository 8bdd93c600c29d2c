/**
 * Password hashing: PBKDF2-HMAC-SHA256 through WebCrypto, with a random salt
 * per record and the iteration count stored beside the hash, so the count
 * can grow over the years without invalidating stored passwords.
 *
 * WebCrypto runs the derivation on a thread of its own, not on the event
 * loop: a hash takes tens of milliseconds of CPU but does not stall the room
 * (`hash_pool.ts` bounds how many run at once).
 *
 * Passwords are NFC-normalised before hashing (as RFC 8265's OpaqueString
 * profile does), so one typed on a keyboard that produces decomposed accents
 * still matches. A password must be 1 to {@link MAX_PASSWORD_BYTES} bytes.
 *
 * @example
 * ```ts
 * import { hashPassword, verifyPassword } from "./password_hash.ts";
 * const record = await hashPassword("correct horse", { iterations: 1_000 });
 * if (!await verifyPassword("correct horse", record)) throw new Error("same password");
 * if (await verifyPassword("wrong", record)) throw new Error("other password");
 * ```
 *
 * @module
 */

import { MochiError, UsageError } from "../errors.ts";

/** The only algorithm of {@link PasswordRecord} today. */
export const PASSWORD_ALGORITHM = "pbkdf2-sha256";

/** Iterations for new records (OWASP's 2023 advice for PBKDF2-HMAC-SHA256). */
export const DEFAULT_ITERATIONS = 600_000;

/** Most iterations a record may ask for: a damaged count must not stall a login. */
export const MAX_ITERATIONS = 10_000_000;

/** Bytes of random salt per record. */
export const SALT_LENGTH = 16;

/** Bytes of derived hash. */
export const HASH_LENGTH = 32;

/** Longest password accepted, in UTF-8 bytes after NFC normalisation. */
export const MAX_PASSWORD_BYTES = 1024;

/** A stored password: everything needed to check one, nothing to recover it. */
export interface PasswordRecord {
  /** Always {@link PASSWORD_ALGORITHM}. */
  algorithm: typeof PASSWORD_ALGORITHM;
  /** PBKDF2 iteration count used for this record. */
  iterations: number;
  /** Random salt, {@link SALT_LENGTH} bytes. */
  salt: Uint8Array;
  /** The derived key, {@link HASH_LENGTH} bytes. */
  hash: Uint8Array;
}

/** How to make a record. */
export interface HashOptions {
  /** PBKDF2 iterations (default {@link DEFAULT_ITERATIONS}); tests pass small counts. */
  iterations?: number;
  /** Source of the salt (default: `crypto.getRandomValues`). */
  randomBytes?: (length: number) => Uint8Array;
}

/** A stored password record is damaged: local state gone bad. */
export class PasswordRecordCorrupt extends MochiError {}

/** A password that cannot be used (empty, or too long). The user's fault. */
export class UnacceptablePassword extends MochiError {}

const encoder = new TextEncoder();

/**
 * Why `password` cannot be used, or undefined when it can: it must not be
 * empty and must fit in {@link MAX_PASSWORD_BYTES}.
 */
export function passwordProblem(password: string): string | undefined {
  if (typeof password !== "string") return "it is not text";
  if (password.length === 0) return "it is empty";
  if (encoder.encode(password.normalize("NFC")).length > MAX_PASSWORD_BYTES) {
    return `it is longer than ${MAX_PASSWORD_BYTES} bytes`;
  }
  return undefined;
}

/**
 * Makes a new record for `password` with a fresh salt. Throws
 * {@link UnacceptablePassword} for an empty or oversized password.
 */
export async function hashPassword(
  password: string,
  options: HashOptions = {},
): Promise<PasswordRecord> {
  const problem = passwordProblem(password);
  if (problem !== undefined) throw new UnacceptablePassword(`Cannot use this password: ${problem}`);
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  checkIterations(iterations);
  const randomBytes = options.randomBytes ??
    ((length) => crypto.getRandomValues(new Uint8Array(length)));
  const salt = randomBytes(SALT_LENGTH).slice();
  if (salt.length !== SALT_LENGTH) {
    throw new UsageError(`Cannot hash a password: the random source gave ${salt.length} bytes`);
  }
  const hash = await pbkdf2Sha256(password, salt, iterations);
  return { algorithm: PASSWORD_ALGORITHM, iterations, salt, hash };
}

/**
 * True when `password` matches `record`. The comparison takes the same time
 * whichever byte differs; an oversized password is simply false.
 */
export async function verifyPassword(password: string, record: PasswordRecord): Promise<boolean> {
  if (passwordProblem(password) !== undefined) return false;
  const derived = await pbkdf2Sha256(password, record.salt, record.iterations);
  return constantTimeEqual(derived, record.hash);
}

/**
 * PBKDF2-HMAC-SHA256 of the NFC form of `password`: {@link HASH_LENGTH}
 * bytes, computed by WebCrypto off the event loop.
 */
export async function pbkdf2Sha256(
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  checkIterations(iterations);
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(password.normalize("NFC")),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt.slice(), iterations },
    key,
    HASH_LENGTH * 8,
  );
  return new Uint8Array(bits);
}

/**
 * Compares two byte arrays in time that depends only on their lengths (which
 * are public here), never on where they differ.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a[index]! ^ b[index]!;
  return difference === 0;
}

/**
 * Validates a record read from storage. Throws {@link PasswordRecordCorrupt}
 * (naming `where`, never the bytes) when anything is off; extra fields are
 * ignored.
 */
export function parsePasswordRecord(value: unknown, where = "the password record"): PasswordRecord {
  const bad = (why: string) => new PasswordRecordCorrupt(`Cannot use ${where}: ${why}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad("it is not a record");
  }
  const { algorithm, iterations, salt, hash } = value as Record<string, unknown>;
  if (algorithm !== PASSWORD_ALGORITHM) throw bad(`its algorithm is not ${PASSWORD_ALGORITHM}`);
  if (
    typeof iterations !== "number" || !Number.isSafeInteger(iterations) || iterations < 1 ||
    iterations > MAX_ITERATIONS
  ) {
    throw bad(`its iteration count is not a whole number from 1 to ${MAX_ITERATIONS}`);
  }
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_LENGTH) {
    throw bad(`its salt is not ${SALT_LENGTH} bytes`);
  }
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_LENGTH) {
    throw bad(`its hash is not ${HASH_LENGTH} bytes`);
  }
  return { algorithm, iterations, salt, hash };
}

function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new UsageError(
      `Cannot hash a password: ${iterations} iterations is not a whole number from 1 to ${MAX_ITERATIONS}`,
    );
  }
}
