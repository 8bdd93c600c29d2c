/**
 * FileList (server -> client, type 0x8f): the answer to FileListRequest:
 * every file the member may see, complete or still streaming, at most 10,000.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { list } from "../codec.ts";
import { type FileInfo, fileInfoField } from "../fields.ts";
import { MAX_FILES } from "../limits.ts";

const filesField = list(fileInfoField, { maxCount: MAX_FILES });

/** The files the server holds for this member. */
export interface FileList {
  /** Discriminant. */
  readonly type: "fileList";
  /** The files, in the server's order (oldest offer first). */
  readonly files: readonly FileInfo[];
}

/** Writes a FileList's fields (after the type byte). */
export function encodeFileList(writer: Writer, frame: FileList): void {
  filesField.encode(writer, frame.files, "files");
}

/** Reads a FileList's fields (after the type byte). */
export function decodeFileList(reader: Reader): FileList {
  return { type: "fileList", files: filesField.decode(reader, "files") };
}
