/**
 * UploadEnd (client -> server, type 0x0d): every chunk has been sent. The
 * server compares the size and hash with what it stored and answers
 * UploadDone, or FileError `integrity` if they differ.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { byteCountField, fileIdField, sha256Field } from "../fields.ts";

/** Ends an upload with what the sender believes it sent. */
export interface UploadEnd {
  /** Discriminant. */
  readonly type: "uploadEnd";
  /** The upload's id. */
  readonly fileId: string;
  /** The file's size in bytes. */
  readonly size: number;
  /** The SHA-256 of the whole content, 32 raw bytes. */
  readonly sha256: Uint8Array;
}

/** Writes an UploadEnd's fields (after the type byte). */
export function encodeUploadEnd(writer: Writer, frame: UploadEnd): void {
  fileIdField.encode(writer, frame.fileId, "fileId");
  byteCountField.encode(writer, frame.size, "size");
  sha256Field.encode(writer, frame.sha256, "sha256");
}

/** Reads an UploadEnd's fields (after the type byte). */
export function decodeUploadEnd(reader: Reader): UploadEnd {
  return {
    type: "uploadEnd",
    fileId: fileIdField.decode(reader, "fileId"),
    size: byteCountField.decode(reader, "size"),
    sha256: sha256Field.decode(reader, "sha256"),
  };
}
