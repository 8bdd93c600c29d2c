/**
 * FileChunk (client -> server, type 0x0c): the next piece of an upload's
 * content. Chunks arrive in order, each starting where the previous one
 * ended; the server acknowledges progress with UploadProgress.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { byteCountField, chunkDataField, fileIdField } from "../fields.ts";

/** A piece of an upload. */
export interface FileChunk {
  /** Discriminant. */
  readonly type: "fileChunk";
  /** The upload's id, from UploadReady. */
  readonly fileId: string;
  /** Where `data` starts in the file, in bytes. */
  readonly offset: number;
  /** The content: `FILE_CHUNK_BYTES` but for the last chunk, at most `MAX_CHUNK_BYTES`. */
  readonly data: Uint8Array;
}

/** Writes a FileChunk's fields (after the type byte). */
export function encodeFileChunk(writer: Writer, frame: FileChunk): void {
  fileIdField.encode(writer, frame.fileId, "fileId");
  byteCountField.encode(writer, frame.offset, "offset");
  chunkDataField.encode(writer, frame.data, "data");
}

/** Reads a FileChunk's fields (after the type byte). */
export function decodeFileChunk(reader: Reader): FileChunk {
  return {
    type: "fileChunk",
    fileId: fileIdField.decode(reader, "fileId"),
    offset: byteCountField.decode(reader, "offset"),
    data: chunkDataField.decode(reader, "data"),
  };
}
