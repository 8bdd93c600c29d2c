/**
 * Resolution of paths that the user typed on the command line.
 *
 * `deno task mochi` runs main.ts with the working directory set to the
 * project root, and passes the directory the user was in as `INIT_CWD`.
 * Resolving against `INIT_CWD` makes `deno task mochi send-file ./a.txt`
 * behave exactly like the compiled `mochi send-file ./a.txt`.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";

/** Reads one environment variable; injectable so tests need no permissions. */
export type EnvironmentLookup = (name: string) => string | undefined;

/** The real environment. */
export function processEnvironment(name: string): string | undefined {
  return Deno.env.get(name);
}

/**
 * The directory relative user paths are resolved against: `INIT_CWD` when
 * set (running through `deno task`), else the process's working directory.
 */
export function userWorkingDirectory(
  environment: EnvironmentLookup = processEnvironment,
  currentDirectory: () => string = Deno.cwd,
): string {
  const initialDirectory = environment("INIT_CWD");
  return initialDirectory !== undefined && initialDirectory !== ""
    ? initialDirectory
    : currentDirectory();
}

/**
 * Resolves a path the user gave to an absolute path (absolute paths are
 * returned normalised).
 *
 * @example
 * ```ts
 * import { resolveUserPath } from "./_paths.ts";
 * const path = resolveUserPath("notes.txt", () => "/home/ada", () => "/srv/mochi");
 * if (path !== "/home/ada/notes.txt") throw new Error(path);
 * ```
 */
export function resolveUserPath(
  path: string,
  environment: EnvironmentLookup = processEnvironment,
  currentDirectory: () => string = Deno.cwd,
): string {
  if (isAbsolute(path)) return resolve(path);
  return resolve(userWorkingDirectory(environment, currentDirectory), path);
}
