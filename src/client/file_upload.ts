/**
 * Sending a file to the server (docs/files.md, "Upload"): UploadStart, then
 * FileChunks from the offset the server already holds, then UploadEnd with
 * the size and SHA-256; done when the server answers UploadDone.
 *
 * - A file on disk resumes: its resume key (path, size, modification time,
 *   name, recipient) finds the server's partial copy after a lost link or a
 *   killed process, and only the rest is sent. The SHA-256 of the part
 *   already sent is computed again from the local file.
 * - Standard input cannot be read twice: it is sent without a resume key,
 *   and an interruption says so (NotResumable).
 * - Memory is one chunk plus the transport's send buffer: each chunk waits
 *   for room in the connection before the next is read.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ConnectionLost } from "../errors.ts";
import { FILE_CHUNK_BYTES } from "../protocol/mod.ts";
import { hashFilePrefix } from "../files/hashing.ts";
import { bytesEqual } from "../bytes.ts";
import { nextAnswer } from "./file_frames.ts";
import type { FileLink } from "./file_link.ts";
import { FileRefusedByServer, IntegrityFailure, NotResumable } from "./file_errors.ts";
import { type RetryOptions, withReconnects } from "./file_retry.ts";

/** Where the bytes come from. */
export type UploadSource =
  | { readonly kind: "file"; readonly path: string }
  | {
    readonly kind: "stream";
    readonly reader: { read(buffer: Uint8Array): Promise<number | null> };
  };

/** What to send, and to whom. */
export interface UploadRequest {
  /** The file, or a stream (standard input). */
  readonly source: UploadSource;
  /** The name recipients see. */
  readonly name: string;
  /** One member's name, or undefined for the whole room. */
  readonly to?: string;
  /** Opens a new file link (called again after a lost link). */
  readonly connect: () => Promise<FileLink>;
  /** Told the total (undefined while unknown) once, when the server is ready. */
  readonly onStart?: (info: { fileId: string; offset: number; total: number | undefined }) => void;
  /** Told how many bytes the server holds, after each acknowledged chunk. */
  readonly onProgress?: (stored: number) => void;
  /** Retry settings and notices. */
  readonly retry?: RetryOptions;
}

/** The file as the server holds it. */
export interface UploadResult {
  /** The id the server gave the file. */
  readonly fileId: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Its SHA-256, as both sides computed it. */
  readonly sha256: Uint8Array;
  /** Bytes the server already had from an earlier attempt (0 for a fresh upload). */
  readonly resumedFrom: number;
}

/** Sends the file; resolves once the server holds all of it, verified. */
export function uploadFile(request: UploadRequest): Promise<UploadResult> {
  let resumedFrom: number | undefined;
  let streamStarted = false;
  return withReconnects(async (_attempt, progressed) => {
    if (request.source.kind === "stream" && streamStarted) {
      throw new NotResumable(
        "Cannot resume: the upload from standard input was interrupted, and standard input " +
          "cannot be read again (run the command again with the whole input)",
      );
    }
    const file = request.source.kind === "file" ? await describeFile(request.source.path) : null;
    const link = await request.connect();
    progressed();
    try {
      const result = await sendOnce(request, link, file, (offset) => {
        resumedFrom ??= offset;
        streamStarted = true;
      });
      await link.close();
      return { ...result, resumedFrom: resumedFrom ?? 0 };
    } catch (error) {
      await link.abort();
      throw error;
    }
  }, request.retry);
}

interface LocalFile {
  readonly path: string;
  readonly size: number;
  /** Modification time in ms: a file edited since the last attempt is a new upload. */
  readonly mtime: number;
}

async function describeFile(path: string): Promise<LocalFile> {
  const info = await Deno.stat(path);
  if (!info.isFile) throw new Deno.errors.InvalidData(`${path} is not a regular file`);
  return { path, size: info.size, mtime: info.mtime?.getTime() ?? 0 };
}

/** Derives the resume key: the same file, name and recipient give the same key. */
function resumeKeyOf(file: LocalFile, name: string, to: string | undefined): Uint8Array {
  const digest = createHash("sha256")
    .update(JSON.stringify(["mochi upload v1", file.path, file.size, file.mtime, name, to ?? ""]))
    .digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, 16).slice();
}

async function sendOnce(
  request: UploadRequest,
  fileLink: FileLink,
  file: LocalFile | null,
  started: (offset: number) => void,
): Promise<Omit<UploadResult, "resumedFrom">> {
  const link = fileLink.link;
  const requestId = Math.floor(Math.random() * 0xffff_ffff);
  const resumeKey = file === null ? undefined : resumeKeyOf(file, request.name, request.to);
  await link.send({
    type: "uploadStart",
    requestId,
    name: request.name,
    size: file?.size,
    to: request.to,
    resumeKey,
  });
  const ready = await nextAnswer(
    link,
    (frame) =>
      (frame.type === "uploadReady" && frame.requestId === requestId) ||
      (frame.type === "fileError" && frame.requestId === requestId),
  );
  if (ready.type === "fileError") throw new FileRefusedByServer(ready.code, ready.message);
  if (ready.type !== "uploadReady") throw new Error("unreachable");
  const fileId = ready.fileId;
  const offset = ready.offset;
  if (file !== null && offset > file.size) {
    throw new IntegrityFailure(`Cannot resume: the server holds more bytes than ${file.path} has`);
  }
  started(offset);
  request.onStart?.({ fileId, offset, total: file?.size });

  // The server's answers arrive while chunks go out: watch them beside the sending.
  const outcome = watchAnswers(link, fileId, request.onProgress);
  const hash = file === null ? createHash("sha256") : await hashFilePrefix(file.path, offset);
  const opened = file === null ? null : await Deno.open(file.path, { read: true });
  try {
    if (opened !== null) await opened.seek(offset, Deno.SeekMode.Start);
    const reader = opened ?? (request.source as UploadSource & { kind: "stream" }).reader;
    const buffer = new Uint8Array(FILE_CHUNK_BYTES);
    let position = offset;
    for (;;) {
      const filled = await fill(reader, buffer);
      if (filled === 0) break;
      const data = buffer.subarray(0, filled);
      hash.update(data);
      if (outcome.failure !== null) throw outcome.failure;
      // The frame is encoded when send is called, so the buffer may be refilled at once.
      await link.send({ type: "fileChunk", fileId, offset: position, data });
      position += filled;
      if (filled < buffer.length) break;
    }
    if (file !== null && position !== file.size) {
      throw new IntegrityFailure(
        `Cannot send ${file.path}: it changed while being sent (${file.size} bytes at the start, ` +
          `${position} now)`,
      );
    }
    const sha256 = new Uint8Array(hash.digest());
    await link.send({ type: "uploadEnd", fileId, size: position, sha256 });
    const done = await outcome.done;
    if (done.size !== position || !bytesEqual(done.sha256, sha256)) {
      throw new IntegrityFailure("Cannot confirm the upload: the server holds different bytes");
    }
    return { fileId, size: position, sha256 };
  } finally {
    opened?.close();
    outcome.stop();
  }
}

/** Fills `buffer` unless the input ends first; returns how many bytes it holds. */
async function fill(
  reader: { read(buffer: Uint8Array): Promise<number | null> },
  buffer: Uint8Array,
): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const count = await reader.read(buffer.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  return filled;
}

/** Reads the server's answers during an upload: progress, a refusal, the end. */
function watchAnswers(
  link: FileLink["link"],
  fileId: string,
  onProgress: ((stored: number) => void) | undefined,
) {
  let stopped = false;
  const state = {
    failure: null as Error | null,
    done: null as unknown as Promise<{ size: number; sha256: Uint8Array }>,
    stop: () => {
      stopped = true;
    },
  };
  state.done = (async () => {
    try {
      while (!stopped) {
        const frame = await nextAnswer(
          link,
          (frame) =>
            (frame.type === "uploadProgress" || frame.type === "uploadDone" ||
              frame.type === "fileError") && frame.fileId === fileId,
        );
        if (frame.type === "uploadProgress") onProgress?.(frame.stored);
        if (frame.type === "uploadDone") {
          onProgress?.(frame.size);
          return { size: frame.size, sha256: frame.sha256 };
        }
        if (frame.type === "fileError") {
          throw frame.code === "integrity"
            ? new IntegrityFailure(frame.message)
            : new FileRefusedByServer(frame.code, frame.message);
        }
      }
      throw new ConnectionLost("Stopped");
    } catch (error) {
      state.failure = error as Error;
      throw error;
    }
  })();
  state.done.catch(() => {}); // observed through `failure` while sending, awaited at the end
  return state;
}
