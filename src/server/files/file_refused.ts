/**
 * The one error the file store throws at its callers: {@link FileRefused},
 * carrying a code the server copies into a `fileError` frame, and a message
 * in the form `Cannot <do what>: <why>` that is safe to show the client.
 *
 * @module
 */

import { MochiError } from "../../errors.ts";

/**
 * Why a file operation was refused: the wire's `FileErrorCode`, name for
 * name. The store itself never uses `noSuchMember` (the server looks the
 * recipient up before asking it); the code is here so the server's own
 * refusals can be the same error type.
 */
export type FileRefusedCode =
  | "noSuchFile"
  | "noSuchMember"
  | "fileTooLarge"
  | "storageFull"
  | "badFileName"
  | "badOffset"
  | "integrity"
  | "uploadFailed"
  | "notAllowed"
  | "internalError"
  | "tooManyUploads";

/** Every {@link FileRefusedCode}, for exhaustive tests and mappings. */
export const FILE_REFUSED_CODES: readonly FileRefusedCode[] = [
  "noSuchFile",
  "noSuchMember",
  "fileTooLarge",
  "storageFull",
  "badFileName",
  "badOffset",
  "integrity",
  "uploadFailed",
  "notAllowed",
  "internalError",
  "tooManyUploads",
];

/**
 * The store would not, or could not, do what was asked. `internalError` is
 * the server's own fault (or a caller's bug); every other code is the
 * request's or the situation's.
 *
 * @example
 * ```ts
 * import { FileRefused } from "./file_refused.ts";
 * const refusal = new FileRefused("noSuchFile", "Cannot download the file: no such file");
 * if (refusal.code !== "noSuchFile") throw refusal;
 * ```
 */
export class FileRefused extends MochiError {
  /** What the refusal is about, as the wire names it. */
  readonly code: FileRefusedCode;

  /** Creates a refusal; `message` goes to the client as it is. */
  constructor(code: FileRefusedCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
