/**
 * DownloadEnd (server -> client, type 0x92): every byte of the file has been
 * sent. The receiver checks what it wrote against `file.size` and
 * `file.sha256`, the hash the server verified when the upload ended.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { type FileInfo, fileInfoField } from "../fields.ts";

/** Ends a download. */
export interface DownloadEnd {
  /** Discriminant. */
  readonly type: "downloadEnd";
  /** The file, complete: `size` and `sha256` are present. */
  readonly file: FileInfo;
}

// Refused on both sides: a receiver must be able to verify what it wrote.
const INCOMPLETE = "file must be complete, with its size and sha256";

/** Writes a DownloadEnd's fields (after the type byte). */
export function encodeDownloadEnd(writer: Writer, frame: DownloadEnd): void {
  fileInfoField.encode(writer, frame.file, "file");
  if (!frame.file.complete || frame.file.size === undefined) writer.fail(INCOMPLETE);
}

/** Reads a DownloadEnd's fields (after the type byte). */
export function decodeDownloadEnd(reader: Reader): DownloadEnd {
  const file = fileInfoField.decode(reader, "file");
  if (!file.complete || file.size === undefined) reader.fail(INCOMPLETE);
  return { type: "downloadEnd", file };
}
