/**
 * One JSON shape for a file, the same in `mochi files --json` and in the
 * client's `--json` lines, so a script reads both alike: plain fields, the
 * hash in hex, times in ISO 8601, null for what is unknown.
 *
 * @module
 */

import { bytesToHex } from "../bytes.ts";
import type { FileInfo } from "../protocol/mod.ts";

/** A file as JSON output shows it. */
export function fileAsJson(file: FileInfo): Record<string, unknown> {
  return {
    id: file.fileId,
    name: file.name,
    size: file.size ?? null,
    stored: file.stored,
    complete: file.complete,
    sha256: file.sha256 === undefined ? null : bytesToHex(file.sha256),
    from: file.sender,
    to: file.to ?? null,
    offeredAt: new Date(file.offeredAt).toISOString(),
    expiresAt: new Date(file.expiresAt).toISOString(),
  };
}
