/**
 * A file store on a real KV file and a real directory in a fresh temporary
 * data directory, with a clock the test moves; every store opened is closed
 * and everything removed afterwards, whatever happens.
 *
 * @module
 */

import { join } from "node:path";
import {
  type DownloadReader,
  FileStore,
  type FileStoreOptions,
  type StoredFileInfo,
  type UploadRequest,
} from "../../src/server/files/mod.ts";
import { openServerKv } from "../../src/server/identity.ts";

/** The chunk size clients send (FILE_CHUNK_BYTES). */
export const CHUNK = 65_536;

/** One mebibyte. */
export const MiB = 1 << 20;

/** A clock the test sets; starts at a fixed, plausible time. */
export class Clock {
  /** The current time, in ms since the epoch. */
  time = Date.UTC(2026, 10, 3, 10, 20, 30);
  /** The `now` option of the store. */
  readonly now = (): number => this.time;
}

/** What a test gets. */
export interface StoreContext {
  kv: Deno.Kv;
  /** The data directory (holds the KV file). */
  data: string;
  /** `<data>/files`, the store's directory. */
  directory: string;
  clock: Clock;
  /** The store opened first. */
  store: FileStore;
  /** Opens another store on the same KV and directory (a restart; close the old one or not). */
  reopen(overrides?: Partial<FileStoreOptions>): Promise<FileStore>;
}

/** The options every test store starts from. */
export const LIMITS = { maxFileSize: 8 * MiB, maxStorage: 64 * MiB, ttlMs: 60_000 } as const;

/** Runs `body` with a fresh store; closes every store and the KV, removes the data. */
export async function withFileStore(
  body: (context: StoreContext) => Promise<void>,
  overrides: Partial<FileStoreOptions> = {},
): Promise<void> {
  const data = await Deno.makeTempDir({ prefix: "mochi-files-" });
  const kv = await openServerKv(data);
  const stores: FileStore[] = [];
  try {
    const clock = new Clock();
    const directory = join(data, "files");
    const reopen = async (more: Partial<FileStoreOptions> = {}) => {
      const store = await FileStore.open({
        kv,
        directory,
        now: clock.now,
        ...LIMITS,
        ...overrides,
        ...more,
      });
      stores.push(store);
      return store;
    };
    const store = await reopen();
    await body({ kv, data, directory, clock, store, reopen });
  } finally {
    for (const store of stores) await store.close();
    kv.close();
    await Deno.remove(data, { recursive: true });
  }
}

/** A request for a room file from Ada. */
export function request(name: string, more: Partial<UploadRequest> = {}): UploadRequest {
  return { senderAccount: "ada", sender: "Ada", name, ...more };
}

/** `length` random bytes. */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let start = 0; start < length; start += CHUNK) {
    crypto.getRandomValues(bytes.subarray(start, Math.min(length, start + CHUNK)));
  }
  return bytes;
}

/** SHA-256 of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** Uploads `data` in client-sized chunks and finishes; the finished file's info. */
export async function uploadAll(
  store: FileStore,
  upload: UploadRequest,
  data: Uint8Array,
): Promise<StoredFileInfo> {
  const started = await store.beginUpload(upload);
  for (let offset = started.offset; offset < data.length; offset += CHUNK) {
    await started.upload.write(offset, data.subarray(offset, offset + CHUNK));
  }
  return await started.upload.finish(data.length, await sha256(data));
}

/** Everything `reader` yields until the end, closing it. */
export async function readAll(reader: DownloadReader, maxBytes = CHUNK): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  try {
    for (
      let part = await reader.read(maxBytes);
      part !== null;
      part = await reader.read(maxBytes)
    ) {
      parts.push(part);
    }
  } finally {
    await reader.close();
  }
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

/** The names in `directory`, sorted. */
export async function listDirectory(directory: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(directory)) names.push(entry.name);
  return names.sort();
}
