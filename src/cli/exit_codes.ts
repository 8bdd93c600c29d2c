/**
 * Exit statuses of the `mochi` command, in one place so that scripts (and the
 * README's table) can rely on them. A status names the kind of failure, never
 * where in the code it happened.
 *
 * @example
 * ```ts
 * import { EXIT } from "./exit_codes.ts";
 * if (EXIT.USAGE !== 2) throw new Error("usage errors exit 2");
 * ```
 * @module
 */

/** Every exit status `mochi` uses. Values are stable: scripts depend on them. */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Any failure that has no more specific status (I/O error, bug, interrupted transfer). */
  FAILURE: 1,
  /** Bad command line: unknown command or option, missing or malformed value. */
  USAGE: 2,
  /** The server rejected the account name or password. */
  WRONG_CREDENTIALS: 3,
  /** The account is fine but the room password is wrong. */
  WRONG_ROOM_PASSWORD: 4,
  /** `--register` asked for a name that another account already holds. */
  NAME_TAKEN: 5,
  /** No answer from the server (wrong address, server down, network blocks UDP). */
  SERVER_UNREACHABLE: 6,
  /**
   * The server proved a different identity key from the one pinned on first
   * use: either the server was reinstalled or someone is in the middle.
   */
  SERVER_KEY_CHANGED: 7,
  /** Received data failed verification (a file whose hash does not match, corrupt local state). */
  INTEGRITY: 8,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = typeof EXIT[keyof typeof EXIT];
