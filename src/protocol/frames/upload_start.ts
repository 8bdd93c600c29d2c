/**
 * UploadStart (client -> server, type 0x0b): announces a file the client is
 * about to send. The server answers UploadReady with the file's id and the
 * offset to send from (0 for a new upload, further on when it resumes one),
 * or FileError carrying the same requestId.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { fixedBytes, optional, u32 } from "../codec.ts";
import { byteCountField, fileNameField, nameField } from "../fields.ts";
import { RESUME_KEY_BYTES } from "../limits.ts";

const optionalResumeKey = optional(fixedBytes(RESUME_KEY_BYTES));
const optionalSize = optional(byteCountField);
const optionalTo = optional(nameField);

/** Asks to upload a file; answered by UploadReady or FileError. */
export interface UploadStart {
  /** Discriminant. */
  readonly type: "uploadStart";
  /** Chosen by the client to match the answer to this request. */
  readonly requestId: number;
  /**
   * 16 random bytes the client keeps with an upload it may have to resume:
   * sent again after a reconnect, they let the server continue the same file
   * rather than start a new one.
   */
  readonly resumeKey?: Uint8Array;
  /** The file's name, 1 to 255 bytes of UTF-8 (no directories: the server checks it). */
  readonly name: string;
  /** The file's size in bytes; absent when unknown (reading from a pipe). */
  readonly size?: number;
  /** The one member the file is for; absent for the whole room. */
  readonly to?: string;
}

/** Writes an UploadStart's fields (after the type byte). */
export function encodeUploadStart(writer: Writer, frame: UploadStart): void {
  u32.encode(writer, frame.requestId, "requestId");
  optionalResumeKey.encode(writer, frame.resumeKey, "resumeKey");
  fileNameField.encode(writer, frame.name, "name");
  optionalSize.encode(writer, frame.size, "size");
  optionalTo.encode(writer, frame.to, "to");
}

/** Reads an UploadStart's fields (after the type byte). */
export function decodeUploadStart(reader: Reader): UploadStart {
  const requestId = u32.decode(reader, "requestId");
  const resumeKey = optionalResumeKey.decode(reader, "resumeKey");
  const name = fileNameField.decode(reader, "name");
  const size = optionalSize.decode(reader, "size");
  const to = optionalTo.decode(reader, "to");
  return {
    type: "uploadStart",
    requestId,
    ...(resumeKey === undefined ? {} : { resumeKey }),
    name,
    ...(size === undefined ? {} : { size }),
    ...(to === undefined ? {} : { to }),
  };
}
