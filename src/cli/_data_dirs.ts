/**
 * Default locations of mochi's data, following the XDG base directory spec:
 *
 * - server: `--data DIR`, default `$XDG_DATA_HOME/mochi/server`
 *   (`~/.local/share/mochi/server`);
 * - client: `$MOCHI_HOME`, default `$XDG_DATA_HOME/mochi` (`~/.local/share/mochi`).
 *
 * The functions take the environment as an argument so tests need no
 * permissions and no real home directory.
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import { type EnvironmentLookup, processEnvironment, resolveUserPath } from "./_paths.ts";

/** No home directory could be found to put the default data directory in. */
export class DataDirectoryError extends Error {
  /** Creates the error; the message tells the user which variable to set. */
  constructor(message: string) {
    super(message);
    this.name = "DataDirectoryError";
  }
}

/**
 * `$XDG_DATA_HOME`, or `~/.local/share` when it is unset or relative (the
 * XDG spec says relative values are to be ignored).
 */
export function dataHome(environment: EnvironmentLookup = processEnvironment): string {
  const xdgDataHome = environment("XDG_DATA_HOME");
  if (xdgDataHome !== undefined && isAbsolute(xdgDataHome)) return xdgDataHome;
  // USERPROFILE: Windows has no HOME by default.
  const home = environment("HOME") || environment("USERPROFILE");
  if (!home) {
    throw new DataDirectoryError(
      "Cannot find a home directory for mochi's data: set HOME or XDG_DATA_HOME",
    );
  }
  return join(home, ".local", "share");
}

/**
 * The server's default data directory (accounts, history, identity key):
 * `$XDG_DATA_HOME/mochi/server`.
 *
 * @example
 * ```ts
 * import { defaultServerDataDirectory } from "./_data_dirs.ts";
 * const directory = defaultServerDataDirectory((name) => name === "HOME" ? "/home/ada" : undefined);
 * if (directory !== "/home/ada/.local/share/mochi/server") throw new Error(directory);
 * ```
 */
export function defaultServerDataDirectory(
  environment: EnvironmentLookup = processEnvironment,
): string {
  return join(dataHome(environment), "mochi", "server");
}

/**
 * The client's state directory (keys, pinned servers, history): `$MOCHI_HOME`
 * resolved like a user path, else `$XDG_DATA_HOME/mochi`.
 */
export function clientHomeDirectory(
  environment: EnvironmentLookup = processEnvironment,
  currentDirectory: () => string = Deno.cwd,
): string {
  const mochiHome = environment("MOCHI_HOME");
  if (mochiHome !== undefined && mochiHome !== "") {
    return resolveUserPath(mochiHome, environment, currentDirectory);
  }
  return join(dataHome(environment), "mochi");
}
