/**
 * mochi's error hierarchy. Every error says whose fault it was, so the CLI can
 * choose an exit status and a message without parsing text.
 *
 * @module
 */

/** Base class of every error mochi raises on purpose. */
export class MochiError extends Error {
  /** Creates an error with a message in the form `Cannot <do what>: <why>`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The local caller used an API wrongly (a bug in our own code or bad user input). */
export class UsageError extends MochiError {}

/** The remote peer broke the protocol: malformed, oversized or out-of-place data. */
export class ProtocolViolation extends MochiError {}

/** The network failed us: the peer is unreachable, silent, or went away. */
export class ConnectionLost extends MochiError {}
