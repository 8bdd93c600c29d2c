/**
 * UploadDone (server -> client, type 0x8d): the answer to UploadEnd when the
 * size and hash matched: the server holds the whole file and others may
 * download it.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { byteCountField, fileIdField, sha256Field } from "../fields.ts";

/** Confirms a complete, verified upload. */
export interface UploadDone {
  /** Discriminant. */
  readonly type: "uploadDone";
  /** The file's id. */
  readonly fileId: string;
  /** The file's size in bytes, as stored. */
  readonly size: number;
  /** The SHA-256 of the content as stored, 32 raw bytes. */
  readonly sha256: Uint8Array;
}

/** Writes an UploadDone's fields (after the type byte). */
export function encodeUploadDone(writer: Writer, frame: UploadDone): void {
  fileIdField.encode(writer, frame.fileId, "fileId");
  byteCountField.encode(writer, frame.size, "size");
  sha256Field.encode(writer, frame.sha256, "sha256");
}

/** Reads an UploadDone's fields (after the type byte). */
export function decodeUploadDone(reader: Reader): UploadDone {
  return {
    type: "uploadDone",
    fileId: fileIdField.decode(reader, "fileId"),
    size: byteCountField.decode(reader, "size"),
    sha256: sha256Field.decode(reader, "sha256"),
  };
}
