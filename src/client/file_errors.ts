/**
 * Why a file transfer failed, one class per exit status the file commands
 * give (README, "Exit statuses").
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import type { FileErrorCode } from "../protocol/mod.ts";

/** The server refused: too large, storage full, no such file... (exit 1). */
export class FileRefusedByServer extends MochiError {
  /** The server's reason code. */
  readonly code: FileErrorCode;

  /** A refusal with the server's code and explanation. */
  constructor(code: FileErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The bytes did not match the SHA-256 or the size they were sent with (exit 8). */
export class IntegrityFailure extends MochiError {}

/** A transfer from standard input was interrupted: the input cannot be read again (exit 1). */
export class NotResumable extends MochiError {}

/** The server broke the file conversation (a chunk out of place...); the transfer retries. */
export class FileProtocolError extends MochiError {}
