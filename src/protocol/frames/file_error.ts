/**
 * FileError (server -> client, type 0x8e): an upload or download failed or
 * was refused. It names the file when there is one, and the UploadStart's
 * requestId when the refusal answers one (before any file id exists). The
 * session goes on: only that transfer has ended.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { enumeration, optional, u32 } from "../codec.ts";
import { explanationField, fileIdField } from "../fields.ts";

/** Why a transfer failed, with each code's wire value. */
export const FileErrorCode = {
  /** No file with that id (never was, expired, or not visible to this member). */
  noSuchFile: 0,
  /** The file is larger than the server accepts. */
  fileTooLarge: 1,
  /** The server has no room for the file. */
  storageFull: 2,
  /** The file name is not acceptable (path separators, control characters...). */
  badFileName: 3,
  /** A chunk did not start where the previous one ended, or a download offset is past the end. */
  badOffset: 4,
  /** UploadEnd's size or hash differs from what the server stored. */
  integrity: 5,
  /** The upload a download was following was abandoned or expired. */
  uploadFailed: 6,
  /** UploadStart's `to` names no account. */
  noSuchMember: 7,
  /** The member may not do this (the server's rules: whose upload it is, who a file is for). */
  notAllowed: 8,
  /** The server failed (storage error, bug); trying again later may work. */
  internalError: 9,
  /** The member has as many uploads in progress as the server allows. */
  tooManyUploads: 10,
} as const;

/** A file error code. */
export type FileErrorCode = keyof typeof FileErrorCode;

const codeField = enumeration<FileErrorCode>(FileErrorCode);
const optionalFileId = optional(fileIdField);
const optionalRequestId = optional(u32);

/** A failed or refused transfer. */
export interface FileErrorFrame {
  /** Discriminant. */
  readonly type: "fileError";
  /** The file concerned, when it has an id. */
  readonly fileId?: string;
  /** The UploadStart's requestId, when this answers one. */
  readonly requestId?: number;
  /** Why. */
  readonly code: FileErrorCode;
  /** A human-readable explanation, 0 to 1024 bytes of UTF-8 (may be empty). */
  readonly message: string;
}

/** Writes a FileErrorFrame's fields (after the type byte). */
export function encodeFileErrorFrame(writer: Writer, frame: FileErrorFrame): void {
  optionalFileId.encode(writer, frame.fileId, "fileId");
  optionalRequestId.encode(writer, frame.requestId, "requestId");
  codeField.encode(writer, frame.code, "code");
  explanationField.encode(writer, frame.message, "message");
}

/** Reads a FileErrorFrame's fields (after the type byte). */
export function decodeFileErrorFrame(reader: Reader): FileErrorFrame {
  const fileId = optionalFileId.decode(reader, "fileId");
  const requestId = optionalRequestId.decode(reader, "requestId");
  const code = codeField.decode(reader, "code");
  const message = explanationField.decode(reader, "message");
  return {
    type: "fileError",
    ...(fileId === undefined ? {} : { fileId }),
    ...(requestId === undefined ? {} : { requestId }),
    code,
    message,
  };
}
