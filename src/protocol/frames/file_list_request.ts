/**
 * FileListRequest (client -> server, type 0x0e): asks which files the server
 * holds that this member may see; answered by FileList. No fields.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";

/** Asks for the file list. */
export interface FileListRequest {
  /** Discriminant. */
  readonly type: "fileListRequest";
}

/** Writes a FileListRequest's fields: there are none. */
export function encodeFileListRequest(_writer: Writer, _frame: FileListRequest): void {}

/** Reads a FileListRequest's fields: there are none. */
export function decodeFileListRequest(_reader: Reader): FileListRequest {
  return { type: "fileListRequest" };
}
