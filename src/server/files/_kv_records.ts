/**
 * The store's writes to Deno KV. Each is one atomic commit (retried while
 * another process holds the lock), and none brings back a record another
 * step deleted: updates check the record they read is still there.
 *
 * @module
 */

import { retryWhileLocked } from "../kv_retry.ts";
import { FileRefused } from "./file_refused.ts";
import { fileKey, resumeIndexKey, type StoredFileRecord } from "./file_records.ts";

/** The resume index entry a record owns. */
export interface ResumeSlot {
  senderAccount: string;
  resumeKey: string;
}

const ATTEMPTS = 5;

/** Stores the record of a new file (and its resume index entry); false when the id is taken. */
export async function createRecord(kv: Deno.Kv, record: StoredFileRecord): Promise<boolean> {
  const key = fileKey(record.fileId);
  const result = await retryWhileLocked(() => {
    const operation = kv.atomic().check({ key, versionstamp: null }).set(key, record);
    if (record.resumeKey !== undefined) {
      // A stale entry for the same key is simply replaced: the key now means this upload.
      operation.set(resumeIndexKey(record.senderAccount, record.resumeKey), record.fileId);
    }
    return operation.commit();
  });
  return result.ok;
}

/**
 * Replaces an existing record, and drops `slot`'s index entry if it still
 * points at this file; false when the record is gone (the file was dropped).
 */
export async function updateRecord(
  kv: Deno.Kv,
  record: StoredFileRecord,
  slot?: ResumeSlot,
): Promise<boolean> {
  const key = fileKey(record.fileId);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await retryWhileLocked(() => kv.get(key));
    if (current.versionstamp === null) return false;
    const index = await indexEntryOf(kv, record.fileId, slot);
    const result = await retryWhileLocked(() => {
      const operation = kv.atomic().check(current).set(key, record);
      if (index !== undefined) operation.check(index).delete(index.key);
      return operation.commit();
    });
    if (result.ok) return true;
  }
  throw new FileRefused("internalError", "Cannot save the file's record: it keeps changing");
}

/** Deletes a file's record, and `slot`'s index entry if it points at this file. */
export async function deleteRecord(
  kv: Deno.Kv,
  fileId: string,
  slot?: ResumeSlot,
): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const index = await indexEntryOf(kv, fileId, slot);
    const result = await retryWhileLocked(() => {
      const operation = kv.atomic().delete(fileKey(fileId));
      if (index !== undefined) operation.check(index).delete(index.key);
      return operation.commit();
    });
    if (result.ok) return;
  }
  throw new FileRefused("internalError", "Cannot delete the file's record: it keeps changing");
}

async function indexEntryOf(
  kv: Deno.Kv,
  fileId: string,
  slot: ResumeSlot | undefined,
): Promise<Deno.KvEntry<unknown> | undefined> {
  if (slot === undefined) return undefined;
  const entry = await retryWhileLocked(() =>
    kv.get(resumeIndexKey(slot.senderAccount, slot.resumeKey))
  );
  return entry.versionstamp !== null && entry.value === fileId
    ? entry as Deno.KvEntry<unknown>
    : undefined;
}
