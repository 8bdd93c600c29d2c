/**
 * Errors of the wire protocol. Decoding failures are the peer's fault
 * (`FrameError`, a `ProtocolViolation`); encoding failures are ours
 * (`FrameEncodingError`, a `UsageError`): a value the wire cannot carry was
 * handed to the encoder.
 *
 * @module
 */

import { ProtocolViolation, UsageError } from "../errors.ts";

/**
 * Received bytes are not one well-formed frame: empty, truncated, trailing
 * bytes, an unknown frame type, an oversize field, invalid UTF-8 or an
 * out-of-range value. The message reads `Cannot decode <frame>: <why>`.
 *
 * @example
 * ```ts
 * import { FrameError } from "./errors.ts";
 * const error = new FrameError("Cannot decode Say: text is not valid UTF-8");
 * if (!(error instanceof FrameError)) throw new Error("unreachable");
 * ```
 */
export class FrameError extends ProtocolViolation {}

/**
 * A frame given to the encoder breaks the protocol's limits (a name of 33
 * characters, a text over 4096 bytes, a lone surrogate, a non-integer...).
 * The message reads `Cannot encode <frame>: <why>`.
 */
export class FrameEncodingError extends UsageError {}
