/**
 * Checking a request to start an upload before the store does anything with
 * it. The server's decoder already bounds what comes off the wire; this is
 * the store's own line of defence, so that whatever reaches it (a negative,
 * fractional or endless size, a name that is a path) ends in a
 * {@link FileRefused}, never a crash or a stray file.
 *
 * @module
 */

import { requireFileName } from "./file_names.ts";
import { FileRefused } from "./file_refused.ts";
import { bytesToHex } from "../../bytes.ts";
import { RESUME_KEY_LENGTH } from "./file_records.ts";
import { isByteCount, type StorageLimits, tooLargeToStart } from "./quota.ts";

/** What the server asks for when a member starts an upload. */
export interface UploadRequest {
  /** The sender's account (normalised name). */
  senderAccount: string;
  /** The sender's display name. */
  sender: string;
  /** The recipient's account, for a private file (with `to`). */
  toAccount?: string;
  /** The recipient's display name, for a private file (with `toAccount`). */
  to?: string;
  /** The file's name (1..255 UTF-8 bytes, no paths, no control characters). */
  name: string;
  /** The size announced; undefined when unknown (e.g. a pipe). */
  size?: number;
  /** 16 bytes naming the upload for a resume; without it the upload cannot be resumed. */
  resumeKey?: Uint8Array;
}

/** A request that passed {@link checkUploadRequest}; `resumeKey` in hex. */
export interface CheckedUploadRequest {
  senderAccount: string;
  sender: string;
  toAccount: string | undefined;
  to: string | undefined;
  name: string;
  size: number | undefined;
  resumeKey: string | undefined;
}

/**
 * Validates `request` against `limits`: `badFileName`, `fileTooLarge` (a
 * known size over the limit), `integrity` (a size that is no byte count),
 * `internalError` (the server's own fields missing or malformed).
 */
export function checkUploadRequest(
  request: UploadRequest,
  limits: StorageLimits,
): CheckedUploadRequest {
  const internal = (why: string) =>
    new FileRefused("internalError", `Cannot start the upload: ${why}`);
  if (typeof request !== "object" || request === null) throw internal("the request is missing");
  const { senderAccount, sender, toAccount, to, size, resumeKey } = request;
  if (!isText(senderAccount) || !isText(sender)) throw internal("the sender is unknown");
  const addressed = isText(to) && isText(toAccount);
  if (!addressed && (to !== undefined || toAccount !== undefined)) {
    throw internal("a recipient needs both a name and an account");
  }
  const name = requireFileName(request.name);
  if (size !== undefined) {
    if (typeof size === "number" && size > limits.maxFileSize) throw tooLargeToStart(size, limits);
    if (!isByteCount(size)) {
      throw new FileRefused("integrity", "Cannot start the upload: its size is not a byte count");
    }
  }
  if (
    resumeKey !== undefined &&
    (!(resumeKey instanceof Uint8Array) || resumeKey.length !== RESUME_KEY_LENGTH)
  ) {
    throw internal(`a resume key must have ${RESUME_KEY_LENGTH} bytes`);
  }
  return {
    senderAccount,
    sender,
    toAccount: addressed ? toAccount : undefined,
    to: addressed ? to : undefined,
    name,
    size,
    resumeKey: resumeKey === undefined ? undefined : bytesToHex(resumeKey),
  };
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}
