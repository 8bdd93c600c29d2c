/**
 * Fetching a file from the server (docs/files.md, "Download"): Download
 * from the offset already on disk, FileData in order, DownloadEnd with the
 * SHA-256 the sender computed; the file is renamed into place only when
 * every byte is there and the hash matches.
 *
 * - The bytes go to a partial file beside the target (its name holds the
 *   file id), so a rerun of the same command finds it and asks only for
 *   the rest; without an id, a rerun resumes the partial file it finds in
 *   the output directory before waiting for a new offer.
 * - A download of a file still being uploaded follows it: the server sends
 *   bytes as they arrive.
 * - A lost link is retried in the same process from the byte reached, for
 *   standard output too; a rerun of `-o -` starts over (what was written to
 *   the pipe cannot be taken back), and says so nowhere because it cannot
 *   know.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { basename, dirname } from "node:path";
import type { FileInfo } from "../protocol/mod.ts";
import { hashFilePrefix } from "../files/hashing.ts";
import { commitPartial, findPartials, resolveOutputTarget } from "../files/output_target.ts";
import { sameAccountName } from "../server/names.ts";
import { bytesEqual } from "../bytes.ts";
import { nextAnswer } from "./file_frames.ts";
import type { FileLink } from "./file_link.ts";
import { FileProtocolError, FileRefusedByServer, IntegrityFailure } from "./file_errors.ts";
import { type RetryOptions, withReconnects } from "./file_retry.ts";

/** Something bytes can be written to (standard output). */
export interface ByteSink {
  /** Writes some of `bytes`; returns how many. */
  write(bytes: Uint8Array): Promise<number>;
}

/** What to fetch and where to put it. */
export interface DownloadRequest {
  /** The file's id; undefined = an interrupted download found on disk, else the next offer. */
  readonly fileId?: string;
  /** With no id: only a file from this member. */
  readonly from?: string;
  /** `"-"` for standard output, an absolute path (a directory or a file), or undefined (`cwd`). */
  readonly output: string | undefined;
  /** The directory the user ran the command from. */
  readonly cwd: string;
  /** Replace an existing file. */
  readonly force: boolean;
  /** Opens a new file link (called again after a lost link). */
  readonly connect: () => Promise<FileLink>;
  /** Where `-o -` writes (default: standard output). */
  readonly stdout?: ByteSink;
  /** Told when there is nothing to fetch yet and the command waits for an offer. */
  readonly onWaiting?: () => void;
  /** Told the file and where it goes, once, when the first bytes are asked for. */
  readonly onStart?: (start: { file: FileInfo; offset: number; path: string }) => void;
  /** Told the bytes written so far. */
  readonly onProgress?: (received: number, file: FileInfo) => void;
  /** Told when no byte has arrived for `stallNoticeMs` (the sender of a followed upload paused). */
  readonly onStalled?: (received: number, file: FileInfo) => void;
  /** See `onStalled` (default {@link STALL_NOTICE_MS}). */
  readonly stallNoticeMs?: number;
  /** Retry settings and notices. */
  readonly retry?: RetryOptions;
}

/** The file, complete and verified. */
export interface DownloadResult {
  /** The file as the server described it at the end (size and verified SHA-256). */
  readonly file: FileInfo;
  /** Where it was written (`"-"` = standard output). */
  readonly path: string;
  /** Bytes already on disk from an earlier run. */
  readonly resumedFrom: number;
}

interface Progress {
  file: FileInfo;
  path: string;
  partialPath: string | null;
  output: Deno.FsFile | null;
  hash: Hash;
  position: number;
  resumedFrom: number;
}

/** Fetches the file; resolves once it is complete, verified and in place. */
export async function downloadFile(request: DownloadRequest): Promise<DownloadResult> {
  let progress: Progress | null = null;
  try {
    return await withReconnects(async (_attempt, progressed) => {
      const fileLink = await request.connect();
      progressed();
      try {
        progress ??= await choose(request, fileLink.link);
        const result = await fetchRest(request, fileLink.link, progress);
        await fileLink.close();
        return result;
      } catch (error) {
        await fileLink.abort();
        throw error;
      }
    }, request.retry);
  } finally {
    (progress as Progress | null)?.output?.close();
  }
}

/** Picks the file (by id, a partial file on disk, or the next offer) and opens its target. */
async function choose(request: DownloadRequest, link: FileLink["link"]): Promise<Progress> {
  await link.send({ type: "fileListRequest" });
  const list = await nextAnswer(link, (frame) => frame.type === "fileList");
  const files = list.type === "fileList" ? list.files : [];
  let file: FileInfo | undefined;
  if (request.fileId !== undefined) {
    file = files.find((candidate) => candidate.fileId === request.fileId);
    if (file === undefined) {
      throw new FileRefusedByServer(
        "noSuchFile",
        `Cannot fetch ${request.fileId}: the server holds no file of that id for you ` +
          "(it may have expired; 'mochi files' lists what it holds)",
      );
    }
  } else {
    file = await resumable(request, files) ?? await nextOffer(request, link);
  }
  const target = await resolveOutputTarget({
    output: request.output,
    cwd: request.cwd,
    offeredName: file.name,
    fileId: file.fileId,
    force: request.force,
  });
  if (target.kind === "stdout") {
    return {
      file,
      path: "-",
      partialPath: null,
      output: null,
      hash: createHash("sha256"),
      position: 0,
      resumedFrom: 0,
    };
  }
  const output = await Deno.open(target.partialPath, { read: true, write: true, create: true });
  try {
    let position = (await output.stat()).size;
    if (file.size !== undefined && position > file.size) {
      await output.truncate(0); // longer than the file: not a prefix of it
      position = 0;
    }
    const hash = await hashFilePrefix(target.partialPath, position);
    await output.seek(position, Deno.SeekMode.Start);
    return {
      file,
      path: target.finalPath,
      partialPath: target.partialPath,
      output,
      hash,
      position,
      resumedFrom: position,
    };
  } catch (error) {
    output.close();
    throw error;
  }
}

/** A file whose partial copy is in the output directory, still held by the server. */
async function resumable(
  request: DownloadRequest,
  files: readonly FileInfo[],
): Promise<FileInfo | undefined> {
  if (request.output === "-") return undefined;
  let directory = request.output ?? request.cwd;
  let baseName: string | undefined;
  const info = await Deno.stat(directory).catch(() => null);
  if (info === null || !info.isDirectory) {
    baseName = basename(directory);
    directory = dirname(directory);
  }
  const partials = await findPartials(directory, baseName).catch(() => []);
  for (const partial of partials) {
    const file = files.find((candidate) => candidate.fileId === partial.fileId);
    if (file !== undefined && fromWanted(request, file)) return file;
  }
  return undefined;
}

/** Waits for the next offer (from `request.from`, when given). */
async function nextOffer(request: DownloadRequest, link: FileLink["link"]): Promise<FileInfo> {
  request.onWaiting?.();
  for (;;) {
    const frame = await nextAnswer(link, (frame) => frame.type === "fileOffered");
    if (frame.type === "fileOffered" && fromWanted(request, frame.file)) return frame.file;
  }
}

function fromWanted(request: DownloadRequest, file: FileInfo): boolean {
  return request.from === undefined || sameAccountName(file.sender, request.from);
}

/** Asks for the bytes from `progress.position` and writes them until DownloadEnd. */
async function fetchRest(
  request: DownloadRequest,
  link: FileLink["link"],
  progress: Progress,
): Promise<DownloadResult> {
  const fileId = progress.file.fileId;
  if (progress.position === progress.resumedFrom) {
    request.onStart?.({ file: progress.file, offset: progress.position, path: progress.path });
  }
  await link.send({ type: "download", fileId, offset: progress.position });
  const sink = progress.output ?? request.stdout ?? Deno.stdout;
  const stall = watchForStall(request, progress);
  try {
    return await readUntilEnd(request, link, progress, sink, stall);
  } finally {
    stall.stop();
  }
}

/**
 * Says once per pause when no byte has come for `stallNoticeMs`: a download
 * that follows an upload waits for its sender, and without a word a waiting
 * transfer looks the same as a hung one.
 */
function watchForStall(request: DownloadRequest, progress: Progress) {
  const limit = request.stallNoticeMs ?? STALL_NOTICE_MS;
  let lastData = Date.now();
  let told = false;
  const timer = setInterval(() => {
    if (told || Date.now() - lastData < limit) return;
    told = true;
    request.onStalled?.(progress.position, progress.file);
  }, Math.max(10, Math.min(1000, limit / 4)));
  return {
    sawData: () => {
      lastData = Date.now();
      told = false;
    },
    stop: () => clearInterval(timer),
  };
}

/** How long without a byte before `onStalled` is told, by default. */
export const STALL_NOTICE_MS = 10_000;

async function readUntilEnd(
  request: DownloadRequest,
  link: FileLink["link"],
  progress: Progress,
  sink: ByteSink,
  stall: { sawData(): void },
): Promise<DownloadResult> {
  const fileId = progress.file.fileId;
  for (;;) {
    const frame = await nextAnswer(
      link,
      (frame) =>
        (frame.type === "fileData" || frame.type === "downloadEnd" || frame.type === "fileError") &&
        (frame.type === "downloadEnd" ? frame.file.fileId : frame.fileId) === fileId,
    );
    if (frame.type === "fileError") {
      const message = frame.code === "uploadFailed"
        ? `Cannot fetch ${progress.file.name}: the sender's upload failed (${frame.message})`
        : frame.message;
      await discard(progress);
      throw new FileRefusedByServer(frame.code, message);
    }
    if (frame.type === "fileData") {
      if (frame.offset !== progress.position) {
        throw new FileProtocolError(
          `The server sent bytes at ${frame.offset}, expected ${progress.position}`,
        );
      }
      stall.sawData();
      await writeAll(sink, frame.data);
      progress.hash.update(frame.data);
      progress.position += frame.data.length;
      request.onProgress?.(progress.position, progress.file);
      continue;
    }
    if (frame.type !== "downloadEnd") continue;
    return await complete(progress, frame.file, request.force);
  }
}

/** Checks size and SHA-256, then puts the file in place; a mismatch removes it. */
async function complete(
  progress: Progress,
  file: FileInfo,
  force: boolean,
): Promise<DownloadResult> {
  const digest = new Uint8Array(progress.hash.digest());
  const problem = !file.complete || file.sha256 === undefined
    ? "the server sent an incomplete file"
    : file.size !== progress.position
    ? `${progress.position} bytes received, ${file.size} sent`
    : !bytesEqual(file.sha256, digest)
    ? "the SHA-256 does not match"
    : undefined;
  if (problem !== undefined) {
    await discard(progress);
    throw new IntegrityFailure(
      `Cannot accept ${file.name}: ${problem}` +
        (progress.partialPath === null ? " (what was written to standard output is damaged)" : ""),
    );
  }
  if (progress.output !== null && progress.partialPath !== null) {
    await progress.output.syncData();
    progress.output.close();
    progress.output = null;
    await commitPartial(progress.partialPath, progress.path, force);
  }
  return { file, path: progress.path, resumedFrom: progress.resumedFrom };
}

/** Removes a partial file that can never become the file. */
async function discard(progress: Progress): Promise<void> {
  progress.output?.close();
  progress.output = null;
  if (progress.partialPath !== null) await Deno.remove(progress.partialPath).catch(() => {});
}

async function writeAll(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await sink.write(bytes.subarray(written));
  }
}
