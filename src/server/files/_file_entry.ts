/**
 * The store's in-memory state of one file, shared by the store, the upload
 * writing it and the downloads following it.
 *
 * Followers never poll: they wait on the entry's {@link ChangeSignal}, which
 * the upload fires after every write, on completion and on failure. A wake-up
 * may be spurious (a reader closing wakes its siblings too); waiters re-check
 * the state and wait again.
 *
 * @module
 */

import type { FileRefused } from "./file_refused.ts";
import type { LiveFileInfo } from "./file_records.ts";

/** A one-shot-per-round wake-up for everyone waiting on a file. */
export class ChangeSignal {
  #pending: PromiseWithResolvers<void> | undefined;

  /** Resolves at the next {@link notify}. */
  wait(): Promise<void> {
    this.#pending ??= Promise.withResolvers<void>();
    return this.#pending.promise;
  }

  /** Wakes every current waiter. */
  notify(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve();
  }
}

/** What the store may ask of the upload attached to a file. */
export interface AttachedUpload {
  /** Lets go of the file as if the connection went away (see `Upload.detach`). */
  detach(): Promise<void>;
  /** Fails the upload (see `Upload.abort`). */
  abort(reason: string): Promise<void>;
  /** Closes the open file and stops, deleting nothing (server shutdown). */
  closeForShutdown(): Promise<void>;
}

/** One file held by the store. */
export interface FileEntry {
  /** The live info (what `Upload.info` and `DownloadReader.info` show). */
  readonly info: LiveFileInfo;
  /** hex(resume key) for a resumable upload. */
  readonly resumeKey: string | undefined;
  /** Fired on every change followers care about. */
  readonly changed: ChangeSignal;
  /** Why the upload failed, once it did (followers throw it). */
  failure: FileRefused | undefined;
  /** The upload writing the file now, if any. */
  upload: AttachedUpload | undefined;
  /** True once the store dropped the file. */
  removed: boolean;
}
