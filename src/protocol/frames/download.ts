/**
 * Download (client -> server, type 0x0f): asks for a file's content from
 * `offset` on (more than 0 to resume a download cut short). The server
 * answers FileData frames, then DownloadEnd, or FileError. A file still
 * being uploaded is followed: its bytes are sent as they arrive.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { byteCountField, fileIdField } from "../fields.ts";

/** Asks for a file's content. */
export interface Download {
  /** Discriminant. */
  readonly type: "download";
  /** The file's id. */
  readonly fileId: string;
  /** Where to start, in bytes: what the client already holds. */
  readonly offset: number;
}

/** Writes a Download's fields (after the type byte). */
export function encodeDownload(writer: Writer, frame: Download): void {
  fileIdField.encode(writer, frame.fileId, "fileId");
  byteCountField.encode(writer, frame.offset, "offset");
}

/** Reads a Download's fields (after the type byte). */
export function decodeDownload(reader: Reader): Download {
  return {
    type: "download",
    fileId: fileIdField.decode(reader, "fileId"),
    offset: byteCountField.decode(reader, "offset"),
  };
}
