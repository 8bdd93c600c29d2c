/**
 * Retrying Deno KV operations while another process holds the SQLite lock.
 *
 * The server, `mochi users` and `mochi server set-room-password` may all use
 * one KV file at once. Deno KV does not wait for SQLite's lock: an operation
 * that meets it fails at once with "database is locked" (or "busy"). Each
 * operation here is a single read or a single atomic commit, so running it
 * again is safe.
 *
 * (The same loop as the private one in `identity.ts`, shared here for the
 * account and room-password code.)
 *
 * @example
 * ```ts ignore
 * import { retryWhileLocked } from "./kv_retry.ts";
 * const kv = await Deno.openKv(":memory:");
 * const entry = await retryWhileLocked(() => kv.get(["room", "password"]));
 * kv.close();
 * ```
 *
 * @module
 */

/** How long {@link retryWhileLocked} keeps retrying, in total, in milliseconds. */
export const LOCKED_RETRY_LIMIT_MS = 5_000;

/**
 * Runs `operation`, and again (with a growing, jittered pause of 5 ms up to
 * 100 ms) while it fails because the database is locked, for at most
 * {@link LOCKED_RETRY_LIMIT_MS}. Any other error is thrown at once.
 */
export async function retryWhileLocked<T>(operation: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let delay = 5;; delay = Math.min(delay * 2, 100)) {
    try {
      return await operation();
    } catch (error) {
      if (!isLockedError(error) || Date.now() - started > LOCKED_RETRY_LIMIT_MS) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
  }
}

/** True for SQLite's "database is locked" / "database is busy" errors. */
export function isLockedError(error: unknown): boolean {
  return error instanceof Error && /database is (locked|busy)/i.test(error.message);
}
