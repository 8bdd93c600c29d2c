/**
 * UploadReady (server -> client, type 0x8b): the answer to UploadStart: the
 * server holds a place for the file and the client may send FileChunks from
 * `offset` on.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { u32 } from "../codec.ts";
import { byteCountField, fileIdField } from "../fields.ts";

/** Accepts an upload. */
export interface UploadReady {
  /** Discriminant. */
  readonly type: "uploadReady";
  /** The UploadStart's requestId. */
  readonly requestId: number;
  /** The id the server gave the file. */
  readonly fileId: string;
  /** Where to send from: 0 for a new upload, what the server already stored when resuming. */
  readonly offset: number;
}

/** Writes an UploadReady's fields (after the type byte). */
export function encodeUploadReady(writer: Writer, frame: UploadReady): void {
  u32.encode(writer, frame.requestId, "requestId");
  fileIdField.encode(writer, frame.fileId, "fileId");
  byteCountField.encode(writer, frame.offset, "offset");
}

/** Reads an UploadReady's fields (after the type byte). */
export function decodeUploadReady(reader: Reader): UploadReady {
  return {
    type: "uploadReady",
    requestId: u32.decode(reader, "requestId"),
    fileId: fileIdField.decode(reader, "fileId"),
    offset: byteCountField.decode(reader, "offset"),
  };
}
