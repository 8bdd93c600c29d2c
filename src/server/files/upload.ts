/**
 * One upload in progress: the open `.part` file, the running SHA-256, and
 * the rules for what may be written.
 *
 * Rules:
 * - operations run one at a time, in call order (each waits for the one
 *   before), so a chunk, the end and a detach never interleave;
 * - a chunk must start exactly at `stored`, and may not take the file past
 *   the server's limit, its declared size, or the storage left: a chunk
 *   that would is refused and the upload aborted (its `.part` deleted);
 * - the storage a chunk needs is charged before it is written, so
 *   concurrent uploads cannot together overrun the limit;
 * - `finish` renames the `.part` to its final name only after the size and
 *   hash matched and the data reached the disk; the KV record turns
 *   complete after that; a mismatch aborts;
 * - `detach` keeps a resumable upload (its `.part` and record, expiring
 *   `ttl` later) and aborts any other;
 * - once detached, finished, aborted or closed, the object refuses writes:
 *   a resumed upload is a new object.
 *
 * @module
 */

import { bytesEqual } from "../../bytes.ts";
import type { Hash } from "node:crypto";
import { closeQuietly, diskRefusal, writeAll } from "./_disk.ts";
import type { AttachedUpload, FileEntry } from "./_file_entry.ts";
import { FileRefused } from "./file_refused.ts";
import { SHA256_LENGTH, snapshot, type StoredFileInfo } from "./file_records.ts";
import {
  chargeOf,
  grewTooLarge,
  isByteCount,
  noRoomFor,
  type StorageLedger,
  type StorageLimits,
} from "./quota.ts";

/** An upload as the server's connection code drives it. */
export interface Upload {
  /** The file's live info (`stored` grows as chunks are written). */
  readonly info: StoredFileInfo;
  /** Appends `data` at `offset` (which must be `info.stored`); resolves with `stored` after. */
  write(offset: number, data: Uint8Array): Promise<number>;
  /** Verifies `size` and `sha256` and makes the file complete; resolves with its info. */
  finish(size: number, sha256: Uint8Array): Promise<StoredFileInfo>;
  /** The connection went away: keep a resumable upload for later, abort any other. */
  detach(): Promise<void>;
  /** Deletes the upload; downloads following it fail with `uploadFailed` and `reason`. */
  abort(reason: string): Promise<void>;
}

/** What an upload needs from its store. */
export interface UploadHost {
  readonly limits: StorageLimits;
  readonly ledger: StorageLedger;
  readonly ttlMs: number;
  now(): number;
  partPath(fileId: string): string;
  finalPath(fileId: string): string;
  /** Saves the entry's record as `info` says; false when the file was dropped meanwhile. */
  saveRecord(entry: FileEntry, info: StoredFileInfo): Promise<boolean>;
  /** Drops the file everywhere; followers fail with `reason`. */
  drop(entry: FileEntry, reason: string): Promise<void>;
}

type UploadState = "open" | "detached" | "finished" | "aborted" | "closed";

/** The store's {@link Upload}: made by `FileStore.beginUpload`, not by callers. */
export class UploadSession implements Upload, AttachedUpload {
  readonly #host: UploadHost;
  readonly #entry: FileEntry;
  readonly #file: Deno.FsFile;
  readonly #hash: Hash;
  #state: UploadState = "open";
  #queue: Promise<unknown> = Promise.resolve();

  /** Takes over `file` (open for writing at `entry.info.stored`) and `hash` (of those bytes). */
  constructor(host: UploadHost, entry: FileEntry, file: Deno.FsFile, hash: Hash) {
    this.#host = host;
    this.#entry = entry;
    this.#file = file;
    this.#hash = hash;
  }

  /** The file's live info. */
  get info(): StoredFileInfo {
    return this.#entry.info;
  }

  /** See {@link Upload.write}. */
  write(offset: number, data: Uint8Array): Promise<number> {
    return this.#serially(() => this.#write(offset, data));
  }

  /** See {@link Upload.finish}. */
  finish(size: number, sha256: Uint8Array): Promise<StoredFileInfo> {
    return this.#serially(() => this.#finish(size, sha256));
  }

  /** See {@link Upload.detach}. */
  detach(): Promise<void> {
    return this.#serially(async () => {
      if (this.#state !== "open") return;
      if (this.#entry.resumeKey === undefined) {
        await this.#abortNow("the sender went away before finishing");
        return;
      }
      this.#release("detached");
      const info = this.#entry.info;
      info.expiresAt = this.#host.now() + this.#host.ttlMs;
      await this.#host.saveRecord(this.#entry, info);
    });
  }

  /** See {@link Upload.abort}. */
  abort(reason: string): Promise<void> {
    return this.#serially(() => this.#abortNow(String(reason)));
  }

  /** Closes the file without deleting anything (the server is stopping). */
  closeForShutdown(): Promise<void> {
    return this.#serially(() => {
      if (this.#state === "open") this.#release("closed");
      return Promise.resolve();
    });
  }

  async #write(offset: number, data: Uint8Array): Promise<number> {
    this.#requireOpen("store the chunk");
    const info = this.#entry.info;
    if (!(data instanceof Uint8Array)) {
      throw new FileRefused("internalError", "Cannot store the chunk: its data is not bytes");
    }
    if (!isByteCount(offset) || offset !== info.stored) {
      const given = isByteCount(offset) ? `byte ${offset}` : "an invalid offset";
      throw new FileRefused(
        "badOffset",
        `Cannot store the chunk: it starts at ${given}, but the server holds ${info.stored} bytes; send from byte ${info.stored}`,
      );
    }
    if (data.length === 0) return info.stored;
    const { limits, ledger } = this.#host;
    const after = info.stored + data.length;
    if (after > limits.maxFileSize) throw await this.#failWith(grewTooLarge(limits));
    if (info.size !== undefined && after > info.size) {
      throw await this.#failWith(
        new FileRefused(
          "fileTooLarge",
          `Cannot store the chunk: the file would grow past the ${info.size} bytes announced`,
        ),
      );
    }
    const needed = Math.max(after, info.size ?? 0) - ledger.chargeOf(info.fileId);
    if (needed > 0 && ledger.used + needed > limits.maxStorage) {
      throw await this.#failWith(noRoomFor(needed, ledger.used, limits));
    }
    // Charged before the write, so uploads writing meanwhile see these bytes as taken.
    ledger.charge(info.fileId, chargeOf({ ...info, stored: after }));
    try {
      await writeAll(this.#file, data);
    } catch (error) {
      throw await this.#failWith(diskRefusal("store the chunk", error));
    }
    this.#hash.update(data);
    info.stored = after;
    this.#entry.changed.notify();
    return after;
  }

  async #finish(size: number, sha256: Uint8Array): Promise<StoredFileInfo> {
    this.#requireOpen("finish the upload");
    const info = this.#entry.info;
    if (!isByteCount(size) || size !== info.stored || (info.size ?? size) !== size) {
      const claimed = isByteCount(size) ? `${size} bytes` : "an invalid size";
      const announced = info.size === undefined ? "" : ` (${info.size} announced)`;
      throw await this.#failWith(
        new FileRefused(
          "integrity",
          `Cannot accept the upload: the sender says ${claimed}, but the server received ${info.stored}${announced}`,
        ),
      );
    }
    const digest = new Uint8Array(this.#hash.digest());
    if (
      !(sha256 instanceof Uint8Array) || sha256.length !== SHA256_LENGTH ||
      !bytesEqual(sha256, digest)
    ) {
      throw await this.#failWith(
        new FileRefused(
          "integrity",
          "Cannot accept the upload: its SHA-256 does not match the bytes the server received",
        ),
      );
    }
    const completed: StoredFileInfo = {
      ...info,
      size,
      complete: true,
      sha256: digest,
      expiresAt: this.#host.now() + this.#host.ttlMs,
    };
    try {
      await this.#file.syncData();
    } catch (error) {
      throw await this.#failWith(diskRefusal("keep the finished file", error));
    }
    this.#release("finished");
    try {
      await Deno.rename(this.#host.partPath(info.fileId), this.#host.finalPath(info.fileId));
      if (!(await this.#host.saveRecord(this.#entry, completed))) {
        throw new Error("the file's record was deleted meanwhile");
      }
    } catch (error) {
      // Past the point of no return for this object: drop the file (final name included).
      const refusal = diskRefusal("keep the finished file", error);
      this.#state = "aborted";
      await this.#host.drop(this.#entry, "the server could not keep the finished file");
      throw refusal;
    }
    Object.assign(info, completed);
    this.#host.ledger.charge(info.fileId, size);
    this.#entry.changed.notify();
    return snapshot(info);
  }

  /** Aborts, and hands back `refusal` for the caller to throw. */
  async #failWith(refusal: FileRefused): Promise<FileRefused> {
    // Followers get the why without the sender's "Cannot store ...:" framing.
    await this.#abortNow(refusal.message.replace(/^Cannot [^:]*: /, ""));
    return refusal;
  }

  async #abortNow(reason: string): Promise<void> {
    if (this.#state !== "open") return;
    this.#release("aborted");
    await this.#host.drop(this.#entry, reason);
  }

  /** Closes the file and lets go of the entry. */
  #release(state: UploadState): void {
    this.#state = state;
    closeQuietly(this.#file);
    if (this.#entry.upload === this) this.#entry.upload = undefined;
  }

  #requireOpen(action: string): void {
    switch (this.#state) {
      case "open":
        return;
      case "detached":
        throw new FileRefused(
          "uploadFailed",
          `Cannot ${action}: the upload was detached from this connection; resume it to go on`,
        );
      case "aborted":
        throw new FileRefused("uploadFailed", `Cannot ${action}: the upload failed`);
      case "finished":
        throw new FileRefused("notAllowed", `Cannot ${action}: the upload is finished`);
      case "closed":
        throw new FileRefused("internalError", `Cannot ${action}: the server is stopping`);
    }
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
