/**
 * The error the pure argument parsers throw. Its message is written for the
 * user (it ends up after `mochi: ` on stderr), and it is always the user's
 * fault: the CLI turns it into exit status 2.
 *
 * @module
 */

/** A command-line value that cannot be used; `message` says why, for the user. */
export class ArgumentError extends Error {
  /** Creates the error; `message` must make sense on its own, on one line. */
  constructor(message: string) {
    super(message);
    this.name = "ArgumentError";
  }
}
