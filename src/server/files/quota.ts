/**
 * Storage accounting: how many bytes each file holds against the server's
 * limit, and the refusals when a file would not fit.
 *
 * A complete file is charged its size. An upload in progress is charged
 * `max(stored, declared size)`: the declared size is a reservation, so two
 * uploads that each fit alone cannot both be accepted and then run the disk
 * out half way. Uploads of unknown size are charged what they have stored,
 * checked before every write.
 *
 * @example
 * ```ts
 * import { formatBytes, StorageLedger } from "./quota.ts";
 * const ledger = new StorageLedger();
 * ledger.charge("0123456789", 2048);
 * if (ledger.used !== 2048 || formatBytes(ledger.used) !== "2.0 KiB") throw new Error();
 * ```
 *
 * @module
 */

import { FileRefused } from "./file_refused.ts";

/** The limits the store enforces, in bytes (and files). */
export interface StorageLimits {
  /** The largest file accepted. */
  readonly maxFileSize: number;
  /** The most bytes all files together may hold. */
  readonly maxStorage: number;
  /** The most files (complete or not) held at once. */
  readonly maxFiles: number;
}

/** True for a byte count: a safe, non-negative integer. */
export function isByteCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** A byte count for people: `1 byte`, `512 bytes`, `1.5 KiB`, `4.0 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "an endless number of bytes";
  if (Math.abs(bytes) < 1024) return bytes === 1 ? "1 byte" : `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  // Round first, so 1,048,575 bytes reads "1.0 MiB" rather than "1024.0 KiB".
  while (Math.abs(Number(value.toFixed(1))) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** What a file is charged, from its state (see the module rules). */
export function chargeOf(info: { complete: boolean; size?: number; stored: number }): number {
  if (info.complete) return info.size ?? info.stored;
  return Math.max(info.stored, info.size ?? 0);
}

/** The running total of what every held file is charged, kept per file id. */
export class StorageLedger {
  #charges = new Map<string, number>();
  #used = 0;

  /** Bytes charged in total. */
  get used(): number {
    return this.#used;
  }

  /** What `fileId` is charged now (0 when nothing). */
  chargeOf(fileId: string): number {
    return this.#charges.get(fileId) ?? 0;
  }

  /** Sets what `fileId` is charged. */
  charge(fileId: string, bytes: number): void {
    this.#used += bytes - this.chargeOf(fileId);
    this.#charges.set(fileId, bytes);
  }

  /** Stops charging `fileId`. */
  release(fileId: string): void {
    this.#used -= this.chargeOf(fileId);
    this.#charges.delete(fileId);
  }
}

/** `fileTooLarge` for a declared size over the limit. */
export function tooLargeToStart(size: number, limits: StorageLimits): FileRefused {
  return new FileRefused(
    "fileTooLarge",
    `Cannot store the file: ${formatBytes(size)} exceeds the server's limit of ${
      formatBytes(limits.maxFileSize)
    }`,
  );
}

/** `fileTooLarge` for an upload of unknown size that grew past the limit. */
export function grewTooLarge(limits: StorageLimits): FileRefused {
  return new FileRefused(
    "fileTooLarge",
    `Cannot store the file: it grew past the server's limit of ${formatBytes(limits.maxFileSize)}`,
  );
}

/** `storageFull` when `needed` more bytes do not fit beside `used`. */
export function noRoomFor(needed: number, used: number, limits: StorageLimits): FileRefused {
  const free = Math.max(0, limits.maxStorage - used);
  return new FileRefused(
    "storageFull",
    `Cannot store the file: the server has ${formatBytes(free)} free of its ${
      formatBytes(limits.maxStorage)
    } for files, and the file needs ${formatBytes(needed)} more`,
  );
}
