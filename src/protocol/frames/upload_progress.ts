/**
 * UploadProgress (server -> client, type 0x8c): how much of an upload the
 * server has written to disk, so the sender can show progress and knows what
 * it would not have to send again after a reconnect.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { byteCountField, fileIdField } from "../fields.ts";

/** Reports an upload's progress. */
export interface UploadProgress {
  /** Discriminant. */
  readonly type: "uploadProgress";
  /** The upload's id. */
  readonly fileId: string;
  /** Bytes written to disk so far. */
  readonly stored: number;
}

/** Writes an UploadProgress's fields (after the type byte). */
export function encodeUploadProgress(writer: Writer, frame: UploadProgress): void {
  fileIdField.encode(writer, frame.fileId, "fileId");
  byteCountField.encode(writer, frame.stored, "stored");
}

/** Reads an UploadProgress's fields (after the type byte). */
export function decodeUploadProgress(reader: Reader): UploadProgress {
  return {
    type: "uploadProgress",
    fileId: fileIdField.decode(reader, "fileId"),
    stored: byteCountField.decode(reader, "stored"),
  };
}
