/**
 * Bringing KV and the files directory back into agreement when the store
 * opens, after a clean stop or a crash at any point.
 *
 * Rules:
 * - a complete record is kept only if `<fileId>` is a regular file of the
 *   recorded size; an incomplete one only if `<fileId>.part` is a regular
 *   file within the limits (its length is what is resumed from);
 * - a damaged record, or one whose data is missing, is deleted;
 * - files named like ids (`<fileId>`, `<fileId>.part`) that no kept record
 *   owns are deleted: an unverified upload never keeps a final-looking name,
 *   and a crash between the rename and the record's update counts as
 *   unverified; anything else in the directory (and any directory) is left
 *   alone;
 * - resume index entries that point at no kept incomplete record of that
 *   sender and key are deleted; a kept record missing its entry gets it back.
 *
 * @module
 */

import { join } from "node:path";
import { retryWhileLocked } from "../kv_retry.ts";
import { lstatIfPresent, removeIfPresent } from "./_disk.ts";
import { isFileId, PART_SUFFIX } from "./file_ids.ts";
import {
  FILE_RESUME_PREFIX,
  FILES_PREFIX,
  parseFileRecord,
  resumeIndexKey,
  type StoredFileRecord,
} from "./file_records.ts";
import type { StorageLimits } from "./quota.ts";

/** What opening the store found and repaired (for the server's log). */
export interface RecoveryReport {
  /** Files kept, complete or resumable. */
  keptFiles: number;
  /** Records deleted: damaged, or their data gone. */
  droppedRecords: number;
  /** Files deleted from the directory: leftovers no record owns. */
  deletedFiles: number;
}

/** A file kept by {@link reconcile}, with the bytes it holds on disk. */
export interface RecoveredFile {
  record: StoredFileRecord;
  stored: number;
}

/** Reconciles `kv` with `directory` (see the module rules). */
export async function reconcile(
  kv: Deno.Kv,
  directory: string,
  limits: StorageLimits,
): Promise<{ files: RecoveredFile[]; report: RecoveryReport }> {
  const report: RecoveryReport = { keptFiles: 0, droppedRecords: 0, deletedFiles: 0 };
  const files: RecoveredFile[] = [];
  const owned = new Set<string>();
  const entries = await retryWhileLocked(() =>
    Array.fromAsync(kv.list<unknown>({ prefix: [...FILES_PREFIX] }))
  );
  for (const entry of entries) {
    const kept = await keptFile(entry, directory, limits);
    if (kept === undefined) {
      await retryWhileLocked(() => kv.delete(entry.key));
      report.droppedRecords++;
      continue;
    }
    owned.add(kept.record.complete ? kept.record.fileId : kept.record.fileId + PART_SUFFIX);
    files.push(kept);
  }
  report.keptFiles = files.length;
  report.deletedFiles = await deleteOrphans(directory, owned);
  await repairResumeIndex(kv, files);
  return { files, report };
}

async function keptFile(
  entry: Deno.KvEntry<unknown>,
  directory: string,
  limits: StorageLimits,
): Promise<RecoveredFile | undefined> {
  const fileId = entry.key[FILES_PREFIX.length];
  if (entry.key.length !== FILES_PREFIX.length + 1 || typeof fileId !== "string") return undefined;
  let record: StoredFileRecord;
  try {
    record = parseFileRecord(entry.value, fileId);
  } catch {
    return undefined;
  }
  if (record.complete) {
    const final = await lstatIfPresent(join(directory, fileId));
    return final?.isFile && final.size === record.size ? { record, stored: final.size } : undefined;
  }
  const part = await lstatIfPresent(join(directory, fileId + PART_SUFFIX));
  const fits = part?.isFile && part.size <= limits.maxFileSize &&
    (record.size === undefined || part.size <= record.size);
  return fits ? { record, stored: part!.size } : undefined;
}

async function deleteOrphans(directory: string, owned: Set<string>): Promise<number> {
  let deleted = 0;
  for await (const item of Deno.readDir(directory)) {
    const id = item.name.endsWith(PART_SUFFIX)
      ? item.name.slice(0, -PART_SUFFIX.length)
      : item.name;
    if (!isFileId(id) || owned.has(item.name) || item.isDirectory) continue;
    await removeIfPresent(join(directory, item.name));
    deleted++;
  }
  return deleted;
}

async function repairResumeIndex(kv: Deno.Kv, files: RecoveredFile[]): Promise<void> {
  const wanted = new Map<string, StoredFileRecord>();
  for (const { record } of files) {
    if (!record.complete && record.resumeKey !== undefined) {
      wanted.set(JSON.stringify(resumeIndexKey(record.senderAccount, record.resumeKey)), record);
    }
  }
  const present = await retryWhileLocked(() =>
    Array.fromAsync(kv.list<unknown>({ prefix: [...FILE_RESUME_PREFIX] }))
  );
  for (const entry of present) {
    const id = JSON.stringify(entry.key);
    const record = wanted.get(id);
    if (record !== undefined && entry.value === record.fileId) {
      wanted.delete(id);
    } else {
      await retryWhileLocked(() => kv.delete(entry.key));
    }
  }
  for (const record of wanted.values()) {
    await retryWhileLocked(() =>
      kv.set(resumeIndexKey(record.senderAccount, record.resumeKey!), record.fileId)
    );
  }
}
