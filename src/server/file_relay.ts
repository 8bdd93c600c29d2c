/**
 * The file side of a session (docs/files.md): uploads into the FileStore,
 * downloads out of it, listings, and the `fileOffered` notices that tell
 * members and waiting `recv-file`s about a new file.
 *
 * Rules:
 * - A session's frames are handled one at a time (ChatServer awaits each),
 *   so a FileChunk is on disk before the next frame is read: a fast sender
 *   is slowed by the transport's receive window, not by server memory.
 * - A download runs beside the session's frames and sends each chunk only
 *   when the connection has room for it, so memory per download stays at a
 *   few chunks whatever the file's size.
 * - A refusal is a `fileError` to the one who asked; other sessions go on.
 *
 * @module
 */

import {
  type ClientFrame,
  encodeFrame,
  FILE_CHUNK_BYTES,
  type FileErrorCode,
  type FileInfo,
  MAX_FILES,
  type ServerFrame,
} from "../protocol/mod.ts";
import * as accounts from "./accounts.ts";
import {
  type DownloadReader,
  FileRefused,
  type FileStore,
  type StoredFileInfo,
  type Upload,
} from "./files/mod.ts";
import { InvalidName } from "./names.ts";

/** How a session's frames reach its client, with room to wait for (downloads). */
export interface FileSessionHandle {
  /** Queues a frame (never throws). */
  send(frame: ServerFrame): void;
  /** Queues an encoded frame once few enough are waiting; rejects once the session is closed. */
  sendWhenRoom(bytes: Uint8Array): Promise<void>;
  /** `host:port`, for the console. */
  readonly address: string;
}

/** One thing about files the console should show. */
export type FileEvent =
  | { kind: "fileOffered" | "fileStored"; file: StoredFileInfo; at: number }
  | { kind: "fileFetched"; file: StoredFileInfo; by: string; at: number }
  | { kind: "fileRefused"; name: string; by: string; reason: string; at: number };

/** Someone who is told about new files: a member or a file session. */
interface Watcher {
  readonly account: string;
  readonly handle: FileSessionHandle;
}

/** Serves the file frames of every session. */
export class FileRelay {
  readonly #store: FileStore;
  readonly #kv: Deno.Kv;
  readonly #report: (event: FileEvent) => void;
  readonly #now: () => number;
  readonly #watchers = new Set<Watcher>();

  /** A relay over `store`; `kv` is where accounts are (to check a recipient exists). */
  constructor(options: {
    store: FileStore;
    kv: Deno.Kv;
    report: (event: FileEvent) => void;
    now?: () => number;
  }) {
    this.#store = options.store;
    this.#kv = options.kv;
    this.#report = options.report;
    this.#now = options.now ?? Date.now;
  }

  /** The file side of one authenticated session, told about new files until it closes. */
  open(account: string, displayName: string, handle: FileSessionHandle): FileSession {
    const watcher = { account, handle };
    this.#watchers.add(watcher);
    return new FileSession(this, { account, displayName, handle }, () => {
      this.#watchers.delete(watcher);
    });
  }

  /** The store behind the relay. */
  get store(): FileStore {
    return this.#store;
  }

  /** Tells everyone allowed to see `file` that it is on offer. */
  announce(file: StoredFileInfo): void {
    this.#report({ kind: "fileOffered", file, at: this.#now() });
    const bytes = encodeFrame({ type: "fileOffered", file: toWire(file) });
    for (const watcher of this.#watchers) {
      if (mayView(file, watcher.account)) watcher.handle.sendWhenRoom(bytes).catch(() => {});
    }
  }

  /** Reports a file event on the console. */
  report(event: FileEvent): void {
    this.#report(event);
  }

  /** The wall clock. */
  now(): number {
    return this.#now();
  }

  /** The recipient's account and display name, or a refusal when there is no such account. */
  async recipient(name: string): Promise<{ account: string; displayName: string }> {
    let account: accounts.Account | null;
    try {
      account = await accounts.get(this.#kv, name);
    } catch (error) {
      if (!(error instanceof InvalidName)) throw error;
      account = null;
    }
    if (account === null) {
      throw new FileRefused("noSuchMember", `Cannot send to ${name}: there is no such account`);
    }
    return { account: account.name, displayName: account.displayName };
  }
}

/** The file frames of one session. */
export class FileSession {
  readonly #relay: FileRelay;
  readonly #who: { account: string; displayName: string; handle: FileSessionHandle };
  readonly #onClose: () => void;
  readonly #uploads = new Map<string, Upload>();
  readonly #downloads = new Set<DownloadReader>();
  #closed = false;

  /** Made by FileRelay.open. */
  constructor(
    relay: FileRelay,
    who: { account: string; displayName: string; handle: FileSessionHandle },
    onClose: () => void,
  ) {
    this.#relay = relay;
    this.#who = who;
    this.#onClose = onClose;
  }

  /** Whether `frame` is a file frame (handled here) rather than a chat frame. */
  static handles(frame: ClientFrame): boolean {
    return FILE_FRAME_TYPES.has(frame.type);
  }

  /** Handles one file frame; a refusal goes back as `fileError`. */
  async handle(frame: ClientFrame): Promise<void> {
    try {
      switch (frame.type) {
        case "uploadStart":
          return await this.#uploadStart(frame);
        case "fileChunk":
          return await this.#chunk(frame.fileId, frame.offset, frame.data);
        case "uploadEnd":
          return await this.#uploadEnd(frame.fileId, frame.size, frame.sha256);
        case "fileListRequest":
          return this.#send({
            type: "fileList",
            // The newest MAX_FILES: a longer list would not fit in one message.
            files: this.#relay.store.list(this.#who.account).slice(-MAX_FILES).map(toWire),
          });
        case "download":
          return await this.#download(frame.fileId, frame.offset);
      }
    } catch (error) {
      if (!(error instanceof FileRefused)) throw error;
      const requestId = frame.type === "uploadStart" ? frame.requestId : undefined;
      const fileId = "fileId" in frame ? frame.fileId : undefined;
      this.#refuse(error, { requestId, fileId });
      if (frame.type === "uploadStart") {
        this.#relay.report({
          kind: "fileRefused",
          name: frame.name,
          by: this.#who.displayName,
          reason: error.message,
          at: this.#relay.now(),
        });
      }
    }
  }

  /** The session ended: uploads wait to be resumed (or are dropped), downloads stop. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    for (const reader of this.#downloads) await reader.close().catch(() => {});
    for (const upload of this.#uploads.values()) await upload.detach().catch(() => {});
    this.#uploads.clear();
  }

  async #uploadStart(frame: ClientFrame & { type: "uploadStart" }): Promise<void> {
    if (this.#uploads.size >= MAX_UPLOADS_PER_SESSION) {
      throw new FileRefused(
        "tooManyUploads",
        `Cannot start another upload: at most ${MAX_UPLOADS_PER_SESSION} at once per session`,
      );
    }
    const recipient = frame.to === undefined ? undefined : await this.#relay.recipient(frame.to);
    const { upload, offset, resumed } = await this.#relay.store.beginUpload({
      senderAccount: this.#who.account,
      sender: this.#who.displayName,
      toAccount: recipient?.account,
      to: recipient?.displayName,
      name: frame.name,
      size: frame.size,
      resumeKey: frame.resumeKey,
    });
    if (this.#closed) {
      await upload.detach();
      return;
    }
    this.#uploads.set(upload.info.fileId, upload);
    this.#send({
      type: "uploadReady",
      requestId: frame.requestId,
      fileId: upload.info.fileId,
      offset,
    });
    if (!resumed) this.#relay.announce(upload.info);
  }

  async #chunk(fileId: string, offset: number, data: Uint8Array): Promise<void> {
    const upload = this.#upload(fileId);
    try {
      const stored = await upload.write(offset, data);
      this.#send({ type: "uploadProgress", fileId, stored });
    } catch (error) {
      if (error instanceof FileRefused && error.code !== "badOffset") this.#uploads.delete(fileId);
      throw error;
    }
  }

  async #uploadEnd(fileId: string, size: number, sha256: Uint8Array): Promise<void> {
    const upload = this.#upload(fileId);
    this.#uploads.delete(fileId);
    const file = await upload.finish(size, sha256);
    this.#send({ type: "uploadDone", fileId, size: file.size ?? size, sha256: file.sha256! });
    this.#relay.report({ kind: "fileStored", file, at: this.#relay.now() });
  }

  #upload(fileId: string): Upload {
    const upload = this.#uploads.get(fileId);
    if (upload === undefined) {
      throw new FileRefused("noSuchFile", `Cannot take data for ${fileId}: no upload of that id`);
    }
    return upload;
  }

  async #download(fileId: string, offset: number): Promise<void> {
    if (this.#downloads.size >= MAX_DOWNLOADS_PER_SESSION) {
      throw new FileRefused(
        "notAllowed",
        `Cannot start another download: at most ${MAX_DOWNLOADS_PER_SESSION} at once per session`,
      );
    }
    const reader = await this.#relay.store.openDownload(fileId, this.#who.account, offset);
    if (this.#closed) {
      await reader.close();
      return;
    }
    this.#downloads.add(reader);
    this.#stream(reader, offset).finally(() => {
      this.#downloads.delete(reader);
      return reader.close().catch(() => {});
    });
  }

  /** Sends the file from `offset` as it becomes available, then DownloadEnd. */
  async #stream(reader: DownloadReader, offset: number): Promise<void> {
    const fileId = reader.info.fileId;
    const handle = this.#who.handle;
    try {
      for (let position = offset;;) {
        const data = await reader.read(FILE_CHUNK_BYTES);
        if (data === null) break;
        await handle.sendWhenRoom(
          encodeFrame({ type: "fileData", fileId, offset: position, data }),
        );
        position += data.length;
      }
      await handle.sendWhenRoom(encodeFrame({ type: "downloadEnd", file: toWire(reader.info) }));
      this.#relay.report({
        kind: "fileFetched",
        file: reader.info,
        by: this.#who.displayName,
        at: this.#relay.now(),
      });
    } catch (error) {
      if (error instanceof FileRefused) this.#refuse(error, { fileId });
      // Otherwise the session closed under the download: nobody to tell.
    }
  }

  #refuse(error: FileRefused, about: { requestId?: number; fileId?: string }): void {
    this.#send({
      type: "fileError",
      code: error.code as FileErrorCode,
      message: error.message,
      ...(about.requestId === undefined ? {} : { requestId: about.requestId }),
      ...(about.fileId === undefined ? {} : { fileId: about.fileId }),
    });
  }

  #send(frame: ServerFrame): void {
    this.#who.handle.send(frame);
  }
}

/** Uploads one session may run at once (a client sends one file at a time; a few is generous). */
export const MAX_UPLOADS_PER_SESSION = 4;
/** Downloads one session may run at once: each holds an open file and a read buffer. */
export const MAX_DOWNLOADS_PER_SESSION = 4;

const FILE_FRAME_TYPES: ReadonlySet<string> = new Set([
  "uploadStart",
  "fileChunk",
  "uploadEnd",
  "fileListRequest",
  "download",
]);

/** Whether `account` may see and fetch `file`: room files, or private ones it sent or is sent. */
export function mayView(file: StoredFileInfo, account: string): boolean {
  return file.toAccount === undefined || file.toAccount === account ||
    file.senderAccount === account;
}

/** A stored file as the protocol describes it. */
export function toWire(file: StoredFileInfo): FileInfo {
  return {
    fileId: file.fileId,
    name: file.name,
    size: file.size,
    stored: file.stored,
    complete: file.complete,
    sha256: file.complete ? file.sha256 : undefined,
    sender: file.sender,
    to: file.to,
    offeredAt: file.offeredAt,
    expiresAt: file.expiresAt,
  };
}
