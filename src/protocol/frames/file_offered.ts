/**
 * FileOffered (server -> client, type 0x90): a new file is available, pushed
 * when an upload starts to the room's members and file sessions allowed to
 * see it (everyone, or only the member it is for). Its `complete` may still
 * be false: a download follows the upload.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { type FileInfo, fileInfoField } from "../fields.ts";

/** Announces a file. */
export interface FileOffered {
  /** Discriminant. */
  readonly type: "fileOffered";
  /** The file as the server holds it at the time. */
  readonly file: FileInfo;
}

/** Writes a FileOffered's fields (after the type byte). */
export function encodeFileOffered(writer: Writer, frame: FileOffered): void {
  fileInfoField.encode(writer, frame.file, "file");
}

/** Reads a FileOffered's fields (after the type byte). */
export function decodeFileOffered(reader: Reader): FileOffered {
  return { type: "fileOffered", file: fileInfoField.decode(reader, "file") };
}
