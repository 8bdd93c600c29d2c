/**
 * The files the store holds, and where each lives: the in-memory entries
 * (with the resume index and the storage charges) kept in step with their
 * KV records and their bytes in the directory. The store decides *what* to
 * do; the shelf knows *how* a file is created, saved, opened and dropped.
 *
 * Rules:
 * - a new file's record is committed (only if its id is free) before its
 *   `.part` is created with `createNew`; a stray file under either name
 *   makes the id count as taken;
 * - a file is dropped from memory first (its followers wake at once, with
 *   `uploadFailed` if it was incomplete), then from disk, then from KV; a
 *   crash in between leaves what `reconcile.ts` cleans up;
 * - a record is never saved for a dropped file.
 *
 * @module
 */

import { join } from "node:path";
import { diskRefusal, lstatIfPresent, removeIfPresent } from "./_disk.ts";
import { ChangeSignal, type FileEntry } from "./_file_entry.ts";
import { createRecord, deleteRecord, type ResumeSlot, updateRecord } from "./_kv_records.ts";
import { PART_SUFFIX } from "./file_ids.ts";
import { FileRefused } from "./file_refused.ts";
import {
  infoFromRecord,
  type LiveFileInfo,
  recordFromInfo,
  type StoredFileInfo,
  type StoredFileRecord,
} from "./file_records.ts";
import { chargeOf, StorageLedger } from "./quota.ts";

/** The held files of one store. */
export class FileShelf {
  /** What every held file is charged. */
  readonly ledger = new StorageLedger();
  readonly #kv: Deno.Kv;
  readonly #directory: string;
  readonly #entries = new Map<string, FileEntry>();
  /** {@link slotName} -> file id, for incomplete resumable uploads. */
  readonly #resumable = new Map<string, string>();

  /** A shelf over `kv` and `directory` (which must exist). */
  constructor(kv: Deno.Kv, directory: string) {
    this.#kv = kv;
    this.#directory = directory;
  }

  /** How many files are held. */
  get count(): number {
    return this.#entries.size;
  }

  /** The held files, oldest added first. */
  entries(): FileEntry[] {
    return [...this.#entries.values()];
  }

  /** The file `fileId`, if held. */
  get(fileId: string): FileEntry | undefined {
    return this.#entries.get(fileId);
  }

  /** The incomplete upload `senderAccount` started with `resumeKey` (hex), if any. */
  findResumable(senderAccount: string, resumeKey: string): FileEntry | undefined {
    const fileId = this.#resumable.get(slotName(senderAccount, resumeKey));
    const entry = fileId === undefined ? undefined : this.#entries.get(fileId);
    return entry !== undefined && !entry.info.complete ? entry : undefined;
  }

  /** Where the bytes of `fileId` are while it uploads. */
  partPath(fileId: string): string {
    return join(this.#directory, fileId + PART_SUFFIX);
  }

  /** Where the bytes of `fileId` are once verified. */
  finalPath(fileId: string): string {
    return join(this.#directory, fileId);
  }

  /** Takes in a file found by `reconcile` at open. */
  adopt(record: StoredFileRecord, stored: number): void {
    this.#add(infoFromRecord(record, stored), record.complete ? undefined : record.resumeKey);
  }

  /**
   * Holds a new, empty upload described by `info`, charging `reservation`
   * at once; its `.part` open for writing. Undefined (nothing held, nothing
   * charged) when the id turns out to be taken.
   */
  async create(
    info: LiveFileInfo,
    resumeKey: string | undefined,
    reservation: number,
  ): Promise<{ entry: FileEntry; file: Deno.FsFile } | undefined> {
    const { fileId } = info;
    if (this.#entries.has(fileId)) return undefined;
    // Charged before the first await: chunks of other uploads land meanwhile.
    this.ledger.charge(fileId, reservation);
    let file: Deno.FsFile | undefined;
    try {
      file = await this.#createFile(info, resumeKey);
    } finally {
      if (file === undefined) this.ledger.release(fileId);
    }
    if (file === undefined) return undefined;
    return { entry: this.#add(info, resumeKey), file };
  }

  /** Saves the record of `entry` as `info` says; false when the file was dropped. */
  async saveRecord(entry: FileEntry, info: StoredFileInfo): Promise<boolean> {
    if (entry.removed) return false;
    if (info.complete && entry.resumeKey !== undefined) {
      this.#forgetSlot(info.senderAccount, entry.resumeKey, info.fileId);
    }
    return await updateRecord(
      this.#kv,
      recordFromInfo(info, entry.resumeKey),
      info.complete ? slotOf(info, entry.resumeKey) : undefined,
    );
  }

  /** Drops a file: from memory at once (waking followers), then from disk and KV. */
  async drop(entry: FileEntry, reason: string): Promise<void> {
    if (entry.removed) return;
    entry.removed = true;
    const { fileId, senderAccount } = entry.info;
    this.#entries.delete(fileId);
    this.ledger.release(fileId);
    if (entry.resumeKey !== undefined) this.#forgetSlot(senderAccount, entry.resumeKey, fileId);
    if (!entry.info.complete) {
      entry.failure = new FileRefused(
        "uploadFailed",
        `Cannot download the file: its upload stopped (${reason})`,
      );
    }
    entry.upload = undefined;
    entry.changed.notify();
    let failure: unknown;
    try {
      await removeIfPresent(this.partPath(fileId));
      await removeIfPresent(this.finalPath(fileId));
    } catch (error) {
      // The record goes anyway; the next open deletes what is left on disk.
      failure = error;
    }
    await deleteRecord(this.#kv, fileId, slotOf(entry.info, entry.resumeKey));
    if (failure !== undefined) throw diskRefusal("delete the file", failure);
  }

  /** Opens the bytes of `entry` for reading (whichever name they have now). */
  async openForReading(entry: FileEntry): Promise<Deno.FsFile> {
    const { fileId } = entry.info;
    // An incomplete file may complete while we open it: its `.part` is then
    // gone, and its final name (given only after verification) is the same data.
    const paths = entry.info.complete
      ? [this.finalPath(fileId)]
      : [this.partPath(fileId), this.finalPath(fileId)];
    for (const path of paths) {
      try {
        return await Deno.open(path, { read: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw diskRefusal("read the file", error);
      }
    }
    if (entry.failure !== undefined) {
      throw new FileRefused(entry.failure.code, entry.failure.message);
    }
    if (entry.removed) {
      throw new FileRefused("noSuchFile", "Cannot download the file: no such file");
    }
    throw new FileRefused("internalError", "Cannot read the file: its data is missing");
  }

  #add(info: LiveFileInfo, resumeKey: string | undefined): FileEntry {
    const entry: FileEntry = {
      info,
      resumeKey,
      changed: new ChangeSignal(),
      failure: undefined,
      upload: undefined,
      removed: false,
    };
    this.#entries.set(info.fileId, entry);
    if (!info.complete && resumeKey !== undefined) {
      this.#resumable.set(slotName(info.senderAccount, resumeKey), info.fileId);
    }
    this.ledger.charge(info.fileId, chargeOf(info));
    return entry;
  }

  /** The record, then the `.part`; undefined when the id turns out to be taken. */
  async #createFile(
    info: LiveFileInfo,
    resumeKey: string | undefined,
  ): Promise<Deno.FsFile | undefined> {
    const { fileId } = info;
    const partPath = this.partPath(fileId);
    try {
      // A stray file under either name means the id is not free, whatever KV says.
      if (await lstatIfPresent(this.finalPath(fileId)) || await lstatIfPresent(partPath)) {
        return undefined;
      }
    } catch (error) {
      throw diskRefusal("start the upload", error);
    }
    if (!(await createRecord(this.#kv, recordFromInfo(info, resumeKey)))) return undefined;
    try {
      return await Deno.open(partPath, { write: true, createNew: true, mode: 0o600 });
    } catch (error) {
      await deleteRecord(this.#kv, fileId, slotOf(info, resumeKey));
      if (error instanceof Deno.errors.AlreadyExists) return undefined;
      throw diskRefusal("start the upload", error);
    }
  }

  #forgetSlot(senderAccount: string, resumeKey: string, fileId: string): void {
    const slot = slotName(senderAccount, resumeKey);
    if (this.#resumable.get(slot) === fileId) this.#resumable.delete(slot);
  }
}

/** The in-memory name of a resume slot (hex keys have a fixed length, so this is unambiguous). */
function slotName(senderAccount: string, resumeKey: string): string {
  return `${resumeKey}/${senderAccount}`;
}

function slotOf(info: StoredFileInfo, resumeKey: string | undefined): ResumeSlot | undefined {
  return resumeKey === undefined ? undefined : { senderAccount: info.senderAccount, resumeKey };
}
