/**
 * The room password, stored as a PBKDF2 record (`password_hash.ts`) under
 * `["room", "password"]` in the server's KV. Only the record is kept: the
 * password itself is never stored, printed or logged, and the errors here
 * never contain it.
 *
 * The server reads the record on every check, so `mochi server
 * set-room-password` takes effect at once, even while the server runs (a KV
 * write from another process is safe). With no record stored, every check
 * fails: a room without a password is closed, never open.
 *
 * Where the password comes from (a file, the environment, a prompt) is the
 * command line's business: see `src/cli/_room_password_source.ts`.
 *
 * @example
 * ```ts
 * import { checkRoomPassword, setRoomPassword } from "./room_password.ts";
 * const kv = await Deno.openKv(":memory:");
 * await setRoomPassword(kv, "open sesame", { iterations: 1_000 });
 * if (!await checkRoomPassword(kv, "open sesame")) throw new Error("same password");
 * kv.close();
 * ```
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import type { HashPool } from "./hash_pool.ts";
import { retryWhileLocked } from "./kv_retry.ts";
import {
  type HashOptions,
  hashPassword,
  parsePasswordRecord,
  passwordProblem,
  PasswordRecordCorrupt,
  UnacceptablePassword,
  verifyPassword,
} from "./password_hash.ts";

/** Where the room password's record lives in the server's KV. */
export const ROOM_PASSWORD_KEY: Deno.KvKey = ["room", "password"];

/** Options of {@link setRoomPassword} and {@link checkRoomPassword}. */
export interface RoomPasswordOptions extends HashOptions {
  /** Bounds concurrent hashing (the server passes its pool). */
  pool?: HashPool;
}

/** The stored room password record is damaged: local state gone bad. */
export class RoomPasswordCorrupt extends MochiError {}

/**
 * Stores (replacing any) the room password. Throws `UnacceptablePassword`
 * for an empty or oversized one.
 */
export async function setRoomPassword(
  kv: Deno.Kv,
  password: string,
  options: RoomPasswordOptions = {},
): Promise<void> {
  const problem = passwordProblem(password);
  if (problem !== undefined) {
    throw new UnacceptablePassword(`Cannot use this room password: ${problem}`);
  }
  const record = await withPool(options, () => hashPassword(password, options));
  await retryWhileLocked(() => kv.set(ROOM_PASSWORD_KEY, record));
}

/**
 * True when `password` is the room password; false when it is not, or when
 * none is stored. Throws {@link RoomPasswordCorrupt} for a damaged record and
 * `HashPoolBusy` when the pool is full.
 */
export async function checkRoomPassword(
  kv: Deno.Kv,
  password: string,
  options: RoomPasswordOptions = {},
): Promise<boolean> {
  const entry = await retryWhileLocked(() => kv.get(ROOM_PASSWORD_KEY));
  if (entry.versionstamp === null) return false;
  const record = parseRecord(entry.value);
  return await withPool(options, () => verifyPassword(password, record));
}

/**
 * True when a room password is stored (and its record is sound: a damaged
 * one throws {@link RoomPasswordCorrupt}).
 */
export async function hasRoomPassword(kv: Deno.Kv): Promise<boolean> {
  const entry = await retryWhileLocked(() => kv.get(ROOM_PASSWORD_KEY));
  if (entry.versionstamp === null) return false;
  parseRecord(entry.value);
  return true;
}

function parseRecord(value: unknown) {
  try {
    return parsePasswordRecord(value, "the stored room password");
  } catch (error) {
    if (error instanceof PasswordRecordCorrupt) {
      throw new RoomPasswordCorrupt(error.message, { cause: error });
    }
    throw error;
  }
}

function withPool<T>(options: RoomPasswordOptions, task: () => Promise<T>): Promise<T> {
  return options.pool === undefined ? task() : options.pool.run(task);
}
