/**
 * FileData (server -> client, type 0x91): the next piece of a download's
 * content, in order from the Download's offset on.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { byteCountField, chunkDataField, fileIdField } from "../fields.ts";

/** A piece of a download. */
export interface FileData {
  /** Discriminant. */
  readonly type: "fileData";
  /** The file's id. */
  readonly fileId: string;
  /** Where `data` starts in the file, in bytes. */
  readonly offset: number;
  /** The content, 0 to `MAX_CHUNK_BYTES` bytes. */
  readonly data: Uint8Array;
}

/** Writes a FileData's fields (after the type byte). */
export function encodeFileData(writer: Writer, frame: FileData): void {
  fileIdField.encode(writer, frame.fileId, "fileId");
  byteCountField.encode(writer, frame.offset, "offset");
  chunkDataField.encode(writer, frame.data, "data");
}

/** Reads a FileData's fields (after the type byte). */
export function decodeFileData(reader: Reader): FileData {
  return {
    type: "fileData",
    fileId: fileIdField.decode(reader, "fileId"),
    offset: byteCountField.decode(reader, "offset"),
    data: chunkDataField.decode(reader, "data"),
  };
}
