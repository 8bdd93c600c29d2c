/**
 * File transfers started from the chat (`/send`, `/get`): each runs in the
 * background over a file link of its own (`ChatSession.fileLinkConnector`),
 * so the input loop and the room keep going while bytes move. Each reports
 * through one callback, one line at a time: when it starts, at every 25 %
 * for large files, and once at the end (done, or why not). Lost links are
 * retried by the transfer itself, with a line each time.
 *
 * {@link FileTransfers} is the registry of transfers in flight: `/quit`,
 * Ctrl-D and the end of a pipe's input wait on {@link FileTransfers.settled}
 * before leaving, so `echo "/send notes.pdf" | mochi client ...` sends the
 * file instead of exiting as soon as the line is read. A transfer never
 * rejects: its failure is a line, and the chat goes on. The registry also
 * refuses a second transfer of the same file while one runs (two
 * downloads of one id would write the same partial file).
 *
 * @module
 */

import { basename } from "node:path";
import {
  downloadFile,
  type DownloadRequest,
  type DownloadResult,
} from "../client/file_download.ts";
import type { FileLink } from "../client/file_link.ts";
import { uploadFile, type UploadRequest, type UploadResult } from "../client/file_upload.ts";
import { fileNameProblem } from "../files/file_names.ts";
import { OutputExists } from "../files/output_target.ts";
import { formatBytes } from "../files/units.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import { resolveUserPath, userWorkingDirectory } from "./_paths.ts";

/** Transfers of at least this many bytes get a line at 25, 50 and 75 %. */
export const PROGRESS_LINES_FROM_BYTES = 8 * 1024 * 1024;

/** Tells the user one line about a transfer (sanitised by the registry). */
export type TransferNotice = (line: string) => void;

/** What the registry runs transfers with; tests replace the network and the disk. */
export interface FileTransferOptions {
  /** Sends a file (default: `uploadFile`). */
  readonly upload?: (request: UploadRequest) => Promise<UploadResult>;
  /** Fetches a file (default: `downloadFile`). */
  readonly download?: (request: DownloadRequest) => Promise<DownloadResult>;
  /**
   * Makes a typed path absolute (default: `~` and `~/...` in the home
   * directory, since no shell expands them here; others against the
   * user's working directory).
   */
  readonly resolvePath?: (path: string) => string;
  /** The user's working directory, where `/get ID` puts files (default: `INIT_CWD` or cwd). */
  readonly workingDirectory?: () => string;
}

/** A `/send`: the path as typed, and the member it is for (undefined: the room). */
export interface SendRequest {
  readonly path: string;
  readonly to?: string;
}

/** A `/get`: the file's id, and where to put it as typed (undefined: the working directory). */
export interface GetRequest {
  readonly fileId: string;
  readonly path?: string;
}

/** The transfers in flight; see the module's comment. */
export class FileTransfers {
  readonly #running = new Map<string, Promise<void>>();
  readonly #upload: (request: UploadRequest) => Promise<UploadResult>;
  readonly #download: (request: DownloadRequest) => Promise<DownloadResult>;
  readonly #resolvePath: (path: string) => string;
  readonly #workingDirectory: () => string;

  /** An empty registry. */
  constructor(options: FileTransferOptions = {}) {
    this.#upload = options.upload ?? uploadFile;
    this.#download = options.download ?? downloadFile;
    this.#resolvePath = options.resolvePath ?? resolveTypedPath;
    this.#workingDirectory = options.workingDirectory ?? (() => userWorkingDirectory());
  }

  /** How many transfers are in flight. */
  get count(): number {
    return this.#running.size;
  }

  /**
   * Starts sending a file and returns at once; returns a problem to show
   * instead when the request cannot start (a bad name, already sending it).
   */
  send(
    request: SendRequest,
    connect: () => Promise<FileLink>,
    notice: TransferNotice,
  ): string | undefined {
    const path = this.#resolvePath(request.path);
    const name = basename(path);
    const problem = fileNameProblem(name);
    if (problem !== undefined) return `Cannot send ${path}: ${problem}`;
    const key = `send ${request.to ?? ""} ${path}`;
    if (this.#running.has(key)) return `Cannot send ${name}: it is being sent already`;
    this.#start(key, () => this.#sendFile(path, name, request.to, connect, clean(notice)));
    return undefined;
  }

  /** Starts fetching a file and returns at once; or returns a problem to show instead. */
  get(
    request: GetRequest,
    connect: () => Promise<FileLink>,
    notice: TransferNotice,
  ): string | undefined {
    const key = `get ${request.fileId}`;
    if (this.#running.has(key)) {
      return `Cannot fetch ${request.fileId}: it is being fetched already`;
    }
    const output = request.path === undefined ? undefined : this.#resolvePath(request.path);
    this.#start(key, () => this.#getFile(request.fileId, output, connect, clean(notice)));
    return undefined;
  }

  /** Resolves once no transfer is in flight (those started meanwhile included). Never rejects. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  #start(key: string, transfer: () => Promise<void>): void {
    // Registered before the first await, so an end of input right after the line waits for it.
    const running = transfer().finally(() => this.#running.delete(key));
    this.#running.set(key, running);
  }

  async #sendFile(
    path: string,
    name: string,
    to: string | undefined,
    connect: () => Promise<FileLink>,
    notice: TransferNotice,
  ): Promise<void> {
    const what = `sending ${name}`;
    try {
      const info = await Deno.stat(path);
      if (!info.isFile) throw new Deno.errors.InvalidData(`${path} is not a regular file`);
      notice(`${what} (${formatBytes(info.size)})${to === undefined ? "" : ` to ${to}`}...`);
      const steps = new ProgressSteps();
      const result = await this.#upload({
        source: { kind: "file", path },
        name,
        to,
        connect,
        onStart: ({ offset, total }) => {
          steps.begin(total, offset);
          if (offset > 0) {
            notice(`${what}: resuming, the server already holds ${formatBytes(offset)}`);
          }
        },
        onProgress: (stored) => {
          const line = steps.advance(stored);
          if (line !== undefined) notice(`${what}: ${line}`);
        },
        retry: { notice: (line) => notice(`${what}: ${line}`) },
      });
      notice(`sent ${name} as ${result.fileId}${to === undefined ? "" : ` to ${to}`}`);
    } catch (error) {
      notice(`cannot send ${name}: ${reasonOf(error)}`);
    }
  }

  async #getFile(
    fileId: string,
    output: string | undefined,
    connect: () => Promise<FileLink>,
    notice: TransferNotice,
  ): Promise<void> {
    let what = `receiving ${fileId}`;
    try {
      const steps = new ProgressSteps();
      const result = await this.#download({
        fileId,
        output,
        cwd: this.#workingDirectory(),
        force: false,
        connect,
        onStart: ({ file, offset, path }) => {
          what = `receiving ${file.name}`;
          steps.begin(file.size, offset);
          const size = file.size === undefined ? "size unknown yet" : formatBytes(file.size);
          const resumed = offset > 0 ? `, resuming after ${formatBytes(offset)}` : "";
          notice(`${what} (${size}) into ${path}${resumed}...`);
        },
        onProgress: (received, file) => {
          steps.begin(file.size, undefined); // the size becomes known once the upload ends
          const line = steps.advance(received);
          if (line !== undefined) notice(`${what}: ${line}`);
        },
        retry: { notice: (line) => notice(`${what}: ${line}`) },
      });
      notice(`received ${result.file.name} into ${result.path} (SHA-256 verified)`);
    } catch (error) {
      const reason = error instanceof OutputExists
        ? `${error.path} already exists (give another path: /get ${fileId} PATH)`
        : reasonOf(error);
      notice(`cannot get ${fileId}: ${reason}`);
    }
  }
}

/**
 * When a transfer has passed another quarter of a large file: one line per
 * quarter reached (25, 50, 75 %; the end has its own line). A resumed
 * transfer does not repeat the quarters done before.
 */
class ProgressSteps {
  #total: number | undefined;
  #quarter = 0;

  /** The total (undefined while unknown) and, once known, where the transfer starts. */
  begin(total: number | undefined, offset: number | undefined): void {
    if (total === this.#total) return;
    this.#total = total;
    if (offset !== undefined) this.#quarter = this.#quarterOf(offset);
  }

  /** The line for `done` bytes when it passes a new quarter, else undefined. */
  advance(done: number): string | undefined {
    const total = this.#total;
    if (total === undefined || total < PROGRESS_LINES_FROM_BYTES) return undefined;
    const quarter = this.#quarterOf(done);
    if (quarter <= this.#quarter || quarter >= 4) return undefined;
    this.#quarter = quarter;
    return `${quarter * 25} % (${formatBytes(done)} of ${formatBytes(total)})`;
  }

  #quarterOf(done: number): number {
    const total = this.#total;
    return total === undefined || total === 0 ? 0 : Math.min(4, Math.floor((done * 4) / total));
  }
}

function resolveTypedPath(path: string): string {
  const home = Deno.env.get("HOME");
  if (home !== undefined && home !== "" && (path === "~" || path.startsWith("~/"))) {
    return resolveUserPath(home + path.slice(1));
  }
  return resolveUserPath(path);
}

/** The error's reason without its own "Cannot ...:" (the line says what failed). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message.trim().replace(/^Cannot [^:]*:\s*/, "");
  return reason === "" ? message : reason;
}

function clean(notice: TransferNotice): TransferNotice {
  return (line) => notice(sanitizeForTerminal(line));
}
