/**
 * Temporary directories for the identity and known-servers tests, removed
 * afterwards whatever happens.
 *
 * @module
 */

/** Runs `body` with a fresh temporary directory, then removes it. */
export async function withTemporaryDirectory<T>(
  body: (directory: string) => Promise<T>,
): Promise<T> {
  const directory = await Deno.makeTempDir({ prefix: "mochi-identity-" });
  try {
    return await body(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}
