/**
 * What the store knows about each file, in memory ({@link StoredFileInfo})
 * and in Deno KV ({@link StoredFileRecord} under `["files", fileId]`), plus
 * the resume index `["fileResume", senderAccount, hex(resumeKey)] -> fileId`.
 *
 * Rules:
 * - the KV record never holds `stored`: for a complete file it is the size,
 *   for an incomplete one the length of its `.part` on disk, which is the
 *   only count a crash cannot make wrong;
 * - records are validated when read; a damaged one is
 *   {@link FileRecordCorrupt} (the store then drops the file: files are
 *   temporary, and a record that cannot be trusted cannot be served);
 * - who may see a file is decided here, in {@link isVisibleTo}, and nowhere
 *   else.
 *
 * @example
 * ```ts
 * import { isVisibleTo } from "./file_records.ts";
 * const info = { senderAccount: "ada", toAccount: "bob" };
 * if (!isVisibleTo(info, "bob") || isVisibleTo(info, "eve")) throw new Error();
 * ```
 *
 * @module
 */

import { MochiError } from "../../errors.ts";
import { isFileId } from "./file_ids.ts";
import { fileNameProblem } from "./file_names.ts";
import { isByteCount } from "./quota.ts";

/** The KV prefix of file records: `["files", fileId]`. */
export const FILES_PREFIX = ["files"] as const;

/** The KV prefix of the resume index: `["fileResume", senderAccount, hex(resumeKey)]`. */
export const FILE_RESUME_PREFIX = ["fileResume"] as const;

/** How many bytes a resume key has. */
export const RESUME_KEY_LENGTH = 16;

/** How many bytes a SHA-256 has. */
export const SHA256_LENGTH = 32;

/** A file as the server describes it (to its own code; the wire's `FileInfo` is built from it). */
export interface StoredFileInfo {
  /** The server-made id (`file_ids.ts`). */
  readonly fileId: string;
  /** The name the sender gave. */
  readonly name: string;
  /** The size in bytes; undefined while an upload of unknown size runs. */
  readonly size: number | undefined;
  /** Bytes held so far (the size, once complete). */
  readonly stored: number;
  /** True once the upload finished and its size and SHA-256 were verified. */
  readonly complete: boolean;
  /** The verified SHA-256; present exactly when complete. */
  readonly sha256: Uint8Array | undefined;
  /** The sender's display name. */
  readonly sender: string;
  /** The sender's account (normalised name). */
  readonly senderAccount: string;
  /** The recipient's display name; undefined for a file offered to the whole room. */
  readonly to: string | undefined;
  /** The recipient's account (normalised name); undefined for a room file. */
  readonly toAccount: string | undefined;
  /** When the upload started (ms since the epoch). */
  readonly offeredAt: number;
  /** When the store will delete the file (ms since the epoch). */
  readonly expiresAt: number;
}

/** The store's own, changing copy of a file's info. */
export type LiveFileInfo = { -readonly [K in keyof StoredFileInfo]: StoredFileInfo[K] };

/** The record kept in KV under `["files", fileId]`. */
export interface StoredFileRecord {
  fileId: string;
  name: string;
  size?: number;
  complete: boolean;
  sha256?: Uint8Array;
  sender: string;
  senderAccount: string;
  to?: string;
  toAccount?: string;
  offeredAt: number;
  expiresAt: number;
  /** hex(resume key), for resumable uploads (kept after completion only until then). */
  resumeKey?: string;
}

/** A stored file record is damaged: local state gone bad. */
export class FileRecordCorrupt extends MochiError {}

/** The KV key of the record of `fileId`. */
export function fileKey(fileId: string): Deno.KvKey {
  return [...FILES_PREFIX, fileId];
}

/** The KV key of a resume index entry. */
export function resumeIndexKey(senderAccount: string, resumeKeyHex: string): Deno.KvKey {
  return [...FILE_RESUME_PREFIX, senderAccount, resumeKeyHex];
}

/** True when `viewerAccount` may see (list, download) the file. */
export function isVisibleTo(
  info: Pick<StoredFileInfo, "senderAccount" | "toAccount">,
  viewerAccount: string,
): boolean {
  return info.toAccount === undefined || info.senderAccount === viewerAccount ||
    info.toAccount === viewerAccount;
}

/** A copy of `info` that later changes to the file do not touch. */
export function snapshot(info: StoredFileInfo): StoredFileInfo {
  return { ...info, sha256: info.sha256?.slice() };
}

/** The KV record of `info` (no undefined fields). */
export function recordFromInfo(
  info: StoredFileInfo,
  resumeKey: string | undefined,
): StoredFileRecord {
  const record: StoredFileRecord = {
    fileId: info.fileId,
    name: info.name,
    complete: info.complete,
    sender: info.sender,
    senderAccount: info.senderAccount,
    offeredAt: info.offeredAt,
    expiresAt: info.expiresAt,
  };
  if (info.size !== undefined) record.size = info.size;
  if (info.sha256 !== undefined) record.sha256 = info.sha256;
  if (info.to !== undefined) record.to = info.to;
  if (info.toAccount !== undefined) record.toAccount = info.toAccount;
  if (resumeKey !== undefined && !info.complete) record.resumeKey = resumeKey;
  return record;
}

/** The live info of a loaded record, `stored` bytes held. */
export function infoFromRecord(record: StoredFileRecord, stored: number): LiveFileInfo {
  return {
    fileId: record.fileId,
    name: record.name,
    size: record.size,
    stored: record.complete ? record.size ?? stored : stored,
    complete: record.complete,
    sha256: record.sha256,
    sender: record.sender,
    senderAccount: record.senderAccount,
    to: record.to,
    toAccount: record.toAccount,
    offeredAt: record.offeredAt,
    expiresAt: record.expiresAt,
  };
}

/** Validates a record read from KV under `fileId`; anything unexpected is {@link FileRecordCorrupt}. */
export function parseFileRecord(value: unknown, fileId: string): StoredFileRecord {
  const bad = (why: string) =>
    new FileRecordCorrupt(`Cannot use the stored file record ${JSON.stringify(fileId)}: ${why}`);
  if (!isFileId(fileId)) throw bad("its key is not a file id");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad("it is not a record");
  }
  const record = value as Partial<Record<keyof StoredFileRecord, unknown>>;
  if (record.fileId !== fileId) throw bad("its id does not match its key");
  if (fileNameProblem(record.name) !== undefined) throw bad("its name is not acceptable");
  if (record.size !== undefined && !isByteCount(record.size)) throw bad("its size is not a count");
  if (typeof record.complete !== "boolean") throw bad("its completeness is not a boolean");
  const hashed = record.sha256 instanceof Uint8Array && record.sha256.length === SHA256_LENGTH;
  if (record.complete && (!hashed || record.size === undefined)) {
    throw bad("it is complete without a size and a SHA-256");
  }
  if (!record.complete && record.sha256 !== undefined) throw bad("it is incomplete with a hash");
  for (const field of ["sender", "senderAccount"] as const) {
    if (typeof record[field] !== "string" || record[field] === "") throw bad(`no ${field}`);
  }
  const addressed = typeof record.to === "string" && typeof record.toAccount === "string";
  if (!addressed && (record.to !== undefined || record.toAccount !== undefined)) {
    throw bad("its recipient is half there");
  }
  for (const field of ["offeredAt", "expiresAt"] as const) {
    if (!Number.isSafeInteger(record[field])) throw bad(`its ${field} is not a time`);
  }
  if (
    record.resumeKey !== undefined &&
    (typeof record.resumeKey !== "string" ||
      !/^[0-9a-f]+$/.test(record.resumeKey) || record.resumeKey.length !== 2 * RESUME_KEY_LENGTH)
  ) {
    throw bad("its resume key is not hex");
  }
  return record as StoredFileRecord;
}
