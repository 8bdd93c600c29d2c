/**
 * Reading a held file, from an offset, as fast as the caller asks: the
 * whole of a complete file, or an upload still streaming, followed as it
 * grows.
 *
 * Rules:
 * - a reader of an incomplete file that has caught up with `stored` waits
 *   on the file's change signal (woken by every write, the completion and a
 *   failure), never by polling;
 * - `read` resolves with null only at the end of a complete file; a failed
 *   or expired upload makes it reject with `uploadFailed`;
 * - memory stays bounded: one buffer of at most {@link MAX_READ_BYTES} per
 *   reader, whatever the file's size;
 * - the reader holds its own open file, so a complete file deleted by the
 *   sweep (or a `.part` renamed on completion) still reads to its end;
 * - one `read` at a time per reader.
 *
 * @module
 */

import { closeQuietly, readFully } from "./_disk.ts";
import type { FileEntry } from "./_file_entry.ts";
import { FileRefused } from "./file_refused.ts";
import type { StoredFileInfo } from "./file_records.ts";

/** The most bytes one `read` returns (the codec's largest chunk). */
export const MAX_READ_BYTES = 262_144;

/** A download as the server's connection code drives it. */
export interface DownloadReader {
  /** The file's live info. */
  readonly info: StoredFileInfo;
  /**
   * Up to `maxBytes` (capped at {@link MAX_READ_BYTES}) from the current
   * position, waiting for an incomplete file to grow; null at the end of a
   * complete file.
   */
  read(maxBytes: number): Promise<Uint8Array | null>;
  /** Closes the file; a `read` waiting meanwhile rejects. */
  close(): Promise<void>;
}

/** What a reader needs from its store. */
export interface ReaderHost {
  /** True once the store is closed. */
  isClosed(): boolean;
  /** The reader closed: stop tracking it. */
  forget(reader: FileDownload): void;
}

/** The store's {@link DownloadReader}: made by `FileStore.openDownload`, not by callers. */
export class FileDownload implements DownloadReader {
  readonly #host: ReaderHost;
  readonly #entry: FileEntry;
  readonly #file: Deno.FsFile;
  #position: number;
  #buffer = new Uint8Array(0);
  #reading = false;
  #closed = false;

  /** Takes over `file`, positioned at `position`. */
  constructor(host: ReaderHost, entry: FileEntry, file: Deno.FsFile, position: number) {
    this.#host = host;
    this.#entry = entry;
    this.#file = file;
    this.#position = position;
  }

  /** The file's live info. */
  get info(): StoredFileInfo {
    return this.#entry.info;
  }

  /** See {@link DownloadReader.read}. */
  async read(maxBytes: number): Promise<Uint8Array | null> {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new FileRefused("internalError", "Cannot read the file: asked for no bytes");
    }
    if (this.#reading) {
      throw new FileRefused("internalError", "Cannot read the file: a read is already running");
    }
    this.#reading = true;
    try {
      return await this.#readWhenReady(Math.min(maxBytes, MAX_READ_BYTES));
    } finally {
      this.#reading = false;
    }
  }

  /** See {@link DownloadReader.close}. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    closeQuietly(this.#file);
    this.#host.forget(this);
    // Wakes a read of ours that is waiting (and, harmlessly, the file's other readers).
    this.#entry.changed.notify();
    return Promise.resolve();
  }

  async #readWhenReady(wanted: number): Promise<Uint8Array | null> {
    for (;;) {
      this.#requireUsable();
      const info = this.#entry.info;
      const failure = this.#entry.failure;
      if (failure !== undefined) throw new FileRefused(failure.code, failure.message);
      const end = info.complete ? info.size ?? info.stored : info.stored;
      if (this.#position < end) {
        return await this.#readChunk(Math.min(wanted, end - this.#position));
      }
      if (info.complete) {
        if (this.#position > end) {
          throw new FileRefused(
            "badOffset",
            `Cannot download the file from byte ${this.#position}: it has only ${end} bytes`,
          );
        }
        return null;
      }
      await this.#entry.changed.wait();
    }
  }

  async #readChunk(length: number): Promise<Uint8Array> {
    if (this.#buffer.length < length) this.#buffer = new Uint8Array(length);
    let count: number;
    try {
      count = await readFully(this.#file, this.#buffer.subarray(0, length));
    } catch (error) {
      this.#requireUsable();
      throw new FileRefused("internalError", "Cannot read the file: the server's disk failed", {
        cause: error,
      });
    }
    this.#requireUsable();
    if (count < length) {
      throw new FileRefused("internalError", "Cannot read the file: it is shorter than recorded");
    }
    this.#position += count;
    return this.#buffer.slice(0, count);
  }

  #requireUsable(): void {
    // The store closing closes its readers too: say why, rather than just "closed".
    if (this.#host.isClosed()) {
      throw new FileRefused("internalError", "Cannot read the file: the server is stopping");
    }
    if (this.#closed) {
      throw new FileRefused("internalError", "Cannot read the file: the download was closed");
    }
  }
}
