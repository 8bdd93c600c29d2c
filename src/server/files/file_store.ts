/**
 * The server's file store: files members upload, kept on disk under
 * `<data>/files` for a while, for the room or for one member to download.
 *
 * Theory of operation:
 * - a file's bytes live in `<directory>/<fileId>.part` while uploading and
 *   in `<directory>/<fileId>` once its size and SHA-256 were verified;
 *   nothing else ever gets a final-looking name. Its description lives in
 *   Deno KV under `["files", fileId]`; a resumable upload is also found by
 *   `["fileResume", senderAccount, hex(resumeKey)]`;
 * - the store is the one owner of the directory and of those KV keys; its
 *   in-memory map of entries is the truth while it runs, and `open`
 *   rebuilds it from KV and the disk, repairing what a crash left
 *   (`reconcile.ts`);
 * - starting uploads and sweeping run one at a time (they decide about ids,
 *   quotas and resume keys); chunks of different uploads run side by side,
 *   each upload's own operations in order (`upload.ts`);
 * - downloads may follow an upload still streaming; they wait on the file's
 *   change signal (`download_reader.ts`);
 * - quotas: see `quota.ts`. Expiry: a complete file expires `ttl` after it
 *   completed, an abandoned partial `ttl` after its sender went away (or
 *   started), and `sweep` deletes what expired;
 * - every refusal is a {@link FileRefused} whose message can go to the client;
 *   whether a private file exists is never told to someone who may not see it.
 *
 * @example
 * ```ts
 * import { FileStore } from "./file_store.ts";
 * const directory = await Deno.makeTempDir();
 * const kv = await Deno.openKv(":memory:");
 * const store = await FileStore.open({
 *   kv, directory, maxFileSize: 1 << 20, maxStorage: 1 << 24, ttlMs: 86_400_000,
 * });
 * const data = new TextEncoder().encode("hello");
 * const { upload } = await store.beginUpload({
 *   senderAccount: "ada", sender: "Ada", name: "hello.txt", size: data.length,
 * });
 * await upload.write(0, data);
 * const sha256 = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
 * const file = await upload.finish(data.length, sha256);
 * const reader = await store.openDownload(file.fileId, "bob", 0);
 * const bytes = await reader.read(65_536);
 * if (bytes === null || new TextDecoder().decode(bytes) !== "hello") throw new Error();
 * await reader.close();
 * await store.close();
 * kv.close();
 * await Deno.remove(directory, { recursive: true });
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import { UsageError } from "../../errors.ts";
import { closeQuietly, diskRefusal, hashPrefix } from "./_disk.ts";
import type { FileEntry } from "./_file_entry.ts";
import { FileShelf } from "./_file_shelf.ts";
import { type DownloadReader, FileDownload, type ReaderHost } from "./download_reader.ts";
import { newFileId } from "./file_ids.ts";
import { FileRefused } from "./file_refused.ts";
import { isVisibleTo, type LiveFileInfo, snapshot, type StoredFileInfo } from "./file_records.ts";
import { chargeOf, isByteCount, noRoomFor, type StorageLimits } from "./quota.ts";
import { reconcile, type RecoveryReport } from "./reconcile.ts";
import { type Upload, type UploadHost, UploadSession } from "./upload.ts";
import {
  type CheckedUploadRequest,
  checkUploadRequest,
  type UploadRequest,
} from "./upload_request.ts";

/** The most files held at once unless told otherwise (the wire's `MAX_FILES`). */
export const DEFAULT_MAX_FILES = 10_000;

/** The most uploads one account may run at once unless told otherwise. */
export const DEFAULT_MAX_UPLOADS_PER_ACCOUNT = 8;

/** How a {@link FileStore} is set up. */
export interface FileStoreOptions {
  /** The server's KV (records live under `["files"]` and `["fileResume"]`). */
  kv: Deno.Kv;
  /** Where the files live (`<data>/files`); created (mode 0700) if missing. */
  directory: string;
  /** The largest file accepted, in bytes. */
  maxFileSize: number;
  /** The most bytes all files together may hold. */
  maxStorage: number;
  /** How long a file is kept after it completes (or its sender went away), in ms. */
  ttlMs: number;
  /** The clock, in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** The most files held at once (default {@link DEFAULT_MAX_FILES}). */
  maxFiles?: number;
  /** The most uploads one account may run at once (default {@link DEFAULT_MAX_UPLOADS_PER_ACCOUNT}). */
  maxUploadsPerAccount?: number;
  /** Randomness for file ids (default `crypto.getRandomValues`). */
  randomBytes?: (length: number) => Uint8Array;
}

/** An upload that {@link FileStore.beginUpload} started or resumed. */
export interface UploadStarted {
  /** Where the sender writes. */
  upload: Upload;
  /** The byte the sender must send next (0 unless resumed). */
  offset: number;
  /** True when an earlier, unfinished upload with the same resume key goes on. */
  resumed: boolean;
}

/** The file store (see the module documentation for its rules). */
export class FileStore {
  /** What opening found and repaired. */
  readonly recovery: RecoveryReport;
  readonly #shelf: FileShelf;
  readonly #limits: StorageLimits;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #randomBytes: (length: number) => Uint8Array;
  readonly #maxUploadsPerAccount: number;
  readonly #readers = new Set<FileDownload>();
  readonly #uploadHost: UploadHost;
  readonly #readerHost: ReaderHost;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(options: FileStoreOptions, limits: StorageLimits, report: RecoveryReport) {
    this.recovery = report;
    this.#shelf = new FileShelf(options.kv, options.directory);
    this.#limits = limits;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
    this.#randomBytes = options.randomBytes ??
      ((length) => crypto.getRandomValues(new Uint8Array(length)));
    this.#maxUploadsPerAccount = options.maxUploadsPerAccount ?? DEFAULT_MAX_UPLOADS_PER_ACCOUNT;
    const shelf = this.#shelf;
    this.#uploadHost = {
      limits,
      ledger: shelf.ledger,
      ttlMs: this.#ttlMs,
      now: () => this.#now(),
      partPath: (fileId) => shelf.partPath(fileId),
      finalPath: (fileId) => shelf.finalPath(fileId),
      saveRecord: (entry, info) => shelf.saveRecord(entry, info),
      drop: (entry, reason) => shelf.drop(entry, reason),
    };
    this.#readerHost = {
      isClosed: () => this.#closed,
      forget: (reader) => this.#readers.delete(reader),
    };
  }

  /**
   * Opens the store: creates the directory if needed, loads the records and
   * reconciles them with the disk (see `reconcile.ts`). Throws `UsageError`
   * for options out of range.
   */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    const limits = checkOptions(options);
    await Deno.mkdir(options.directory, { recursive: true, mode: 0o700 });
    const { files, report } = await reconcile(options.kv, options.directory, limits);
    const store = new FileStore(options, limits, report);
    for (const { record, stored } of files) store.#shelf.adopt(record, stored);
    return store;
  }

  /** Bytes charged against `maxStorage` (complete files, plus reservations of uploads). */
  get usedBytes(): number {
    return this.#shelf.ledger.used;
  }

  /**
   * Starts an upload, or resumes the sender's unfinished one with the same
   * resume key, name, size and recipient (detaching it from a connection
   * still holding it: a rerun replaces a killed process). A resume key
   * naming a different upload drops that one and starts afresh. Throws
   * {@link FileRefused}: `badFileName`, `fileTooLarge`, `storageFull`,
   * `tooManyUploads`, `integrity` (a size that is no byte count), `internalError`.
   */
  async beginUpload(request: UploadRequest): Promise<UploadStarted> {
    this.#requireOpen("start the upload");
    const checked = checkUploadRequest(request, this.#limits);
    return await this.#exclusive(async () => {
      this.#requireOpen("start the upload");
      const resumed = checked.resumeKey === undefined ? undefined : await this.#resume(checked);
      if (resumed !== undefined) return resumed;
      this.#refuseBusySender(checked.senderAccount, undefined);
      return await this.#start(checked);
    });
  }

  /** The files `viewerAccount` may see (room files and its own private ones), newest last. */
  list(viewerAccount: string): StoredFileInfo[] {
    if (typeof viewerAccount !== "string") return [];
    return this.#shelf.entries()
      .filter((entry) => isVisibleTo(entry.info, viewerAccount))
      .map((entry) => snapshot(entry.info))
      .sort((left, right) => left.offeredAt - right.offeredAt);
  }

  /** The file, or undefined when it does not exist or `viewerAccount` may not see it. */
  info(fileId: string, viewerAccount: string): StoredFileInfo | undefined {
    const entry = this.#visibleEntry(fileId, viewerAccount);
    return entry === undefined ? undefined : snapshot(entry.info);
  }

  /**
   * Opens a download from `offset`. An incomplete file is followed as it
   * grows (an offset past what is stored waits, in `read`, for the bytes).
   * Throws {@link FileRefused}: `noSuchFile` (missing or not visible alike),
   * `badOffset` (past the end, or past the size announced), `internalError`.
   */
  async openDownload(
    fileId: string,
    viewerAccount: string,
    offset: number,
  ): Promise<DownloadReader> {
    this.#requireOpen("download the file");
    const entry = this.#visibleEntry(fileId, viewerAccount);
    if (entry === undefined) {
      throw new FileRefused("noSuchFile", "Cannot download the file: no such file");
    }
    if (!isByteCount(offset)) {
      throw new FileRefused(
        "badOffset",
        "Cannot download the file: the offset is not a byte count",
      );
    }
    const size = entry.info.size;
    if (size !== undefined && offset > size) {
      throw new FileRefused(
        "badOffset",
        `Cannot download the file from byte ${offset}: it has only ${size} bytes`,
      );
    }
    const file = await this.#shelf.openForReading(entry);
    try {
      // Past the end of a growing `.part` is fine: reads wait until it gets there.
      await file.seek(offset, Deno.SeekMode.Start);
    } catch (error) {
      closeQuietly(file);
      throw diskRefusal("read the file", error);
    }
    if (this.#closed) {
      closeQuietly(file);
      throw new FileRefused("internalError", "Cannot download the file: the server is stopping");
    }
    const reader = new FileDownload(this.#readerHost, entry, file, offset);
    this.#readers.add(reader);
    return reader;
  }

  /**
   * Deletes every file whose time is up and that no connection is uploading:
   * complete files, and partial uploads their senders abandoned (followers of
   * those fail with `uploadFailed`). Resolves with how many were deleted.
   */
  async sweep(): Promise<number> {
    this.#requireOpen("sweep the files");
    return await this.#exclusive(async () => {
      const now = this.#now();
      let swept = 0;
      for (const entry of this.#shelf.entries()) {
        if (entry.removed || entry.upload !== undefined || now < entry.info.expiresAt) continue;
        await this.#shelf.drop(
          entry,
          entry.info.complete ? "it expired" : "its sender did not finish it before it expired",
        );
        swept++;
      }
      return swept;
    });
  }

  /**
   * Closes every open upload file and download, deleting nothing: partial
   * uploads stay resumable (or expire) for the next start. Waiting reads
   * reject. The KV handle is the caller's to close.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#exclusive(() => Promise.resolve());
    const entries = this.#shelf.entries();
    const uploads = entries.flatMap((entry) => entry.upload ?? []);
    await Promise.all(uploads.map((upload) => upload.closeForShutdown()));
    for (const reader of [...this.#readers]) await reader.close();
    for (const entry of entries) entry.changed.notify();
  }

  async #resume(checked: CheckedUploadRequest): Promise<UploadStarted | undefined> {
    const entry = this.#shelf.findResumable(checked.senderAccount, checked.resumeKey!);
    if (entry === undefined) return undefined;
    const info = entry.info;
    const same = info.name === checked.name && info.size === checked.size &&
      info.toAccount === checked.toAccount;
    if (!same) {
      const reason = "its sender started a different upload with the same resume key";
      await (entry.upload?.abort(reason) ?? this.#shelf.drop(entry, reason));
      return undefined;
    }
    this.#refuseBusySender(checked.senderAccount, entry);
    await entry.upload?.detach();
    if (entry.removed) return undefined;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.#shelf.partPath(info.fileId), { read: true, write: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw diskRefusal("resume the upload", error);
      await this.#shelf.drop(entry, "its partial file disappeared");
      return undefined;
    }
    try {
      const stored = (await file.stat()).size;
      if (stored > this.#limits.maxFileSize || stored > (info.size ?? stored)) {
        closeQuietly(file);
        await this.#shelf.drop(entry, "its partial file is larger than it may be");
        return undefined;
      }
      // The hash state died with the old connection (or process): rebuild it from the disk.
      const hash = await hashPrefix(file, stored);
      await file.seek(stored, Deno.SeekMode.Start);
      info.stored = stored;
      info.expiresAt = this.#now() + this.#ttlMs;
      this.#shelf.ledger.charge(info.fileId, chargeOf(info));
      await this.#shelf.saveRecord(entry, info);
      const upload = new UploadSession(this.#uploadHost, entry, file, hash);
      entry.upload = upload;
      return { upload, offset: stored, resumed: true };
    } catch (error) {
      closeQuietly(file);
      throw error instanceof FileRefused ? error : diskRefusal("resume the upload", error);
    }
  }

  async #start(checked: CheckedUploadRequest): Promise<UploadStarted> {
    const { ledger } = this.#shelf;
    if (this.#shelf.count >= this.#limits.maxFiles) {
      throw new FileRefused(
        "storageFull",
        `Cannot store the file: the server already holds ${this.#limits.maxFiles} files, its limit`,
      );
    }
    const reservation = checked.size ?? 0;
    for (let attempt = 0; attempt < 16; attempt++) {
      // Checked on every round: other uploads' chunks land during our awaits.
      if (ledger.used + reservation > this.#limits.maxStorage) {
        throw noRoomFor(reservation, ledger.used, this.#limits);
      }
      const now = this.#now();
      const info: LiveFileInfo = {
        fileId: newFileId(this.#randomBytes),
        name: checked.name,
        size: checked.size,
        stored: 0,
        complete: false,
        sha256: undefined,
        sender: checked.sender,
        senderAccount: checked.senderAccount,
        to: checked.to,
        toAccount: checked.toAccount,
        offeredAt: now,
        expiresAt: now + this.#ttlMs,
      };
      const created = await this.#shelf.create(info, checked.resumeKey, reservation);
      if (created === undefined) continue;
      const upload = new UploadSession(
        this.#uploadHost,
        created.entry,
        created.file,
        createHash("sha256"),
      );
      created.entry.upload = upload;
      return { upload, offset: 0, resumed: false };
    }
    throw new FileRefused("internalError", "Cannot start the upload: no free file id was found");
  }

  #refuseBusySender(senderAccount: string, except: FileEntry | undefined): void {
    let running = 0;
    for (const entry of this.#shelf.entries()) {
      const busy = entry.upload !== undefined && entry !== except;
      if (busy && entry.info.senderAccount === senderAccount) running++;
    }
    if (running >= this.#maxUploadsPerAccount) {
      throw new FileRefused(
        "tooManyUploads",
        `Cannot start the upload: you already have ${running} uploads running; let one finish first`,
      );
    }
  }

  #visibleEntry(fileId: unknown, viewerAccount: unknown): FileEntry | undefined {
    if (typeof fileId !== "string" || typeof viewerAccount !== "string") return undefined;
    const entry = this.#shelf.get(fileId);
    return entry !== undefined && isVisibleTo(entry.info, viewerAccount) ? entry : undefined;
  }

  #requireOpen(action: string): void {
    if (this.#closed) {
      throw new FileRefused("internalError", `Cannot ${action}: the server is stopping`);
    }
  }

  /** Runs `task` after every earlier one (starts, sweeps) finished. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function checkOptions(options: FileStoreOptions): StorageLimits {
  const positive = (name: keyof FileStoreOptions, fallback?: number): number => {
    const value = options[name] ?? fallback;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new UsageError(`Cannot open the file store: ${name} must be a positive integer`);
    }
    return value;
  };
  positive("ttlMs");
  positive("maxUploadsPerAccount", DEFAULT_MAX_UPLOADS_PER_ACCOUNT);
  if (typeof options.directory !== "string" || options.directory === "") {
    throw new UsageError("Cannot open the file store: no directory given");
  }
  return {
    maxFileSize: positive("maxFileSize"),
    maxStorage: positive("maxStorage"),
    maxFiles: positive("maxFiles", DEFAULT_MAX_FILES),
  };
}
