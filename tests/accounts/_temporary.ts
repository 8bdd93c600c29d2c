/**
 * Temporary data directories for the account tests, removed afterwards
 * whatever happens, and KV handles that are always closed.
 *
 * @module
 */

import { openServerKv } from "../../src/server/identity.ts";

/** Runs `body` with a fresh temporary directory, then removes it. */
export async function withTemporaryDirectory<T>(
  body: (directory: string) => Promise<T>,
): Promise<T> {
  const directory = await Deno.makeTempDir({ prefix: "mochi-accounts-" });
  try {
    return await body(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

/** Runs `body` with the server KV of a fresh data directory, then closes and removes it. */
export function withServerKv<T>(
  body: (kv: Deno.Kv, directory: string) => Promise<T>,
): Promise<T> {
  return withTemporaryDirectory(async (directory) => {
    const kv = await openServerKv(directory);
    try {
      return await body(kv, directory);
    } finally {
      kv.close();
    }
  });
}

/** Iterations small enough for fast tests (the default, 600,000, is tested once on its own). */
export const FAST = { iterations: 1_000 } as const;
