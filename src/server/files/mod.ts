/**
 * The server's on-disk file store: uploads streamed to `<data>/files`,
 * verified, kept for a while and served to the room or to one member,
 * resumable across reconnects and restarts. Start at `file_store.ts`, whose
 * documentation gives the rules; each concern has its own file.
 *
 * @example
 * ```ts
 * import { FileRefused, FileStore } from "./mod.ts";
 * const directory = await Deno.makeTempDir();
 * const kv = await Deno.openKv(":memory:");
 * const store = await FileStore.open({ kv, directory, maxFileSize: 1024, maxStorage: 4096, ttlMs: 60_000 });
 * try {
 *   await store.beginUpload({ senderAccount: "ada", sender: "Ada", name: "big.iso", size: 2048 });
 *   throw new Error("accepted");
 * } catch (error) {
 *   if (!(error instanceof FileRefused) || error.code !== "fileTooLarge") throw error;
 * }
 * await store.close();
 * kv.close();
 * await Deno.remove(directory, { recursive: true });
 * ```
 *
 * @module
 */

export { type DownloadReader, MAX_READ_BYTES } from "./download_reader.ts";
export { FILE_ID_ALPHABET, FILE_ID_LENGTH, isFileId, newFileId, PART_SUFFIX } from "./file_ids.ts";
export { fileNameProblem, MAX_FILE_NAME_BYTES } from "./file_names.ts";
export {
  FILE_RESUME_PREFIX,
  fileKey,
  FileRecordCorrupt,
  FILES_PREFIX,
  isVisibleTo,
  RESUME_KEY_LENGTH,
  resumeIndexKey,
  SHA256_LENGTH,
  type StoredFileInfo,
  type StoredFileRecord,
} from "./file_records.ts";
export { FILE_REFUSED_CODES, FileRefused, type FileRefusedCode } from "./file_refused.ts";
export {
  DEFAULT_MAX_FILES,
  DEFAULT_MAX_UPLOADS_PER_ACCOUNT,
  FileStore,
  type FileStoreOptions,
  type UploadStarted,
} from "./file_store.ts";
export { formatBytes, type StorageLimits } from "./quota.ts";
export type { RecoveryReport } from "./reconcile.ts";
export type { Upload } from "./upload.ts";
export type { UploadRequest } from "./upload_request.ts";
