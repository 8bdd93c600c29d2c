/**
 * A chat server that takes files, over real UDP on loopback, with a real
 * Deno KV file and a real file store in a fresh temporary directory, wired
 * as `runServer` wires it (src/cli/server.ts); and clients that speak it
 * frame by frame. Everything is closed and removed afterwards, whatever
 * happens. (tests/server/chat_server_test.ts has the chat-only twin.)
 *
 * Waiting is on frames, never on a timer: `expect` resolves when the frame
 * arrives and fails fast when the connection ends; its deadline only bounds
 * a test that would otherwise hang.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  type ClientFrame,
  decodeServerFrame,
  encodeFrame,
  FILE_CHUNK_BYTES,
  type FileInfo,
  PROTOCOL_VERSION,
  type ServerFrame,
} from "../../src/protocol/mod.ts";
import type { RoomEvent } from "../../src/server/chat_room.ts";
import { ChatServer } from "../../src/server/chat_server.ts";
import { type FileEvent, FileRelay } from "../../src/server/file_relay.ts";
import { FileStore } from "../../src/server/files/mod.ts";
import { setRoomPassword } from "../../src/server/room_password.ts";
import { type UdpConnection, UdpEndpoint } from "../../src/transport/udp.ts";

/** PBKDF2 cost for tests; the default is tested in tests/accounts. */
const ITERATIONS = 1_000;
/** The room password every server in these tests has. */
export const ROOM_PASSWORD = "room-password-hunter2";
/** The server's largest file (small, so `fileTooLarge` is cheap to provoke). */
export const MAX_FILE_SIZE = 1 << 20;
/** Longest a test waits for one frame before failing (a bound, not a timing). */
const EXPECT_DEADLINE_MS = 10_000;
/** Longest the clean-up waits for clients to close politely before closing their endpoint. */
const CLOSE_DEADLINE_MS = 2_000;

/** A frame of one type. */
export type FrameOf<T extends ServerFrame["type"]> = ServerFrame & { type: T };

interface Waiter {
  check(): boolean;
  fail(error: Error): void;
}

/** A client speaking frames, collecting everything the server sends. */
export class FrameClient {
  /** Every frame received so far, in order. */
  readonly received: ServerFrame[] = [];
  readonly #connection: UdpConnection;
  readonly #reading: Promise<void>;
  #waiters = new Set<Waiter>();
  #ended = false;

  /** Starts reading `connection`. */
  constructor(connection: UdpConnection) {
    this.#connection = connection;
    this.#reading = this.#read();
  }

  /** Sends one frame (waits while the transport's send buffer is full). */
  async send(frame: ClientFrame): Promise<void> {
    await this.#connection.send(encodeFrame(frame));
  }

  /** How many frames have arrived: a mark to `expect` frames after it. */
  mark(): number {
    return this.received.length;
  }

  /** The frames of `type` received so far that match `predicate`. */
  all<T extends ServerFrame["type"]>(
    type: T,
    predicate: (frame: FrameOf<T>) => boolean = () => true,
  ): FrameOf<T>[] {
    return this.received.filter((frame): frame is FrameOf<T> =>
      frame.type === type && predicate(frame as FrameOf<T>)
    );
  }

  /** The first frame of `type` matching `predicate` at index `from` or later, once it arrives. */
  expect<T extends ServerFrame["type"]>(
    type: T,
    predicate: (frame: FrameOf<T>) => boolean = () => true,
    from = 0,
  ): Promise<FrameOf<T>> {
    return this.expectFrame(
      (frame): frame is FrameOf<T> => frame.type === type && predicate(frame as FrameOf<T>),
      from,
      type,
    );
  }

  /** The first frame matching `predicate` at index `from` or later, once it arrives. */
  expectFrame<F extends ServerFrame>(
    predicate: (frame: ServerFrame) => frame is F,
    from: number,
    what: string,
  ): Promise<F> {
    return new Promise((resolve, reject) => {
      const deadline: { timer?: ReturnType<typeof setTimeout> } = {};
      const waiter: Waiter = {
        check: () => {
          const found = this.received.slice(from).find(predicate);
          if (found === undefined) return false;
          clearTimeout(deadline.timer);
          resolve(found);
          return true;
        },
        fail: (error) => {
          clearTimeout(deadline.timer);
          reject(error);
        },
      };
      if (waiter.check()) return;
      if (this.#ended) return waiter.fail(this.#missing(what, "the connection closed"));
      this.#waiters.add(waiter);
      deadline.timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        waiter.fail(this.#missing(what, `${EXPECT_DEADLINE_MS} ms passed`));
      }, EXPECT_DEADLINE_MS);
    });
  }

  /** Resolves when the connection has closed. */
  get closed(): Promise<unknown> {
    return this.#connection.closed;
  }

  /** Closes the connection (after the transport delivered what was sent) and stops reading. */
  async close(): Promise<void> {
    await this.#connection.close("test done");
    await this.#reading;
  }

  async #read(): Promise<void> {
    try {
      for (
        let bytes = await this.#connection.receive();
        bytes;
        bytes = await this.#connection.receive()
      ) {
        this.received.push(decodeServerFrame(bytes));
        for (const waiter of this.#waiters) if (waiter.check()) this.#waiters.delete(waiter);
      }
    } finally {
      this.#ended = true;
      for (const waiter of this.#waiters) {
        waiter.fail(this.#missing("frame", "the connection closed"));
      }
      this.#waiters.clear();
    }
  }

  #missing(type: string, why: string): Error {
    const got = this.received.map((frame) =>
      frame.type === "fileError" || frame.type === "error"
        ? `${frame.type}:${frame.code}`
        : frame.type
    );
    return new Error(`no ${type} (${why}); got ${JSON.stringify(got)}`);
  }
}

/** What a test gets. */
export interface FileServer {
  server: ChatServer;
  store: FileStore;
  /** What the console was told about the room. */
  roomEvents: RoomEvent[];
  /** What the console was told about files. */
  fileEvents: FileEvent[];
  /** A new connection to the server. */
  connect(): Promise<FrameClient>;
}

/** Runs `body` with a server that takes files (fresh KV and store in a temp dir), then cleans up. */
export async function withFileServer(body: (server: FileServer) => Promise<void>): Promise<void> {
  const directory = await Deno.makeTempDir({ prefix: "mochi-file-relay-" });
  const kv = await Deno.openKv(join(directory, "mochi.kv"));
  const roomEvents: RoomEvent[] = [];
  const fileEvents: FileEvent[] = [];
  const clients: FrameClient[] = [];
  let store: FileStore | undefined;
  let endpoint: UdpEndpoint | undefined;
  let clientEndpoint: UdpEndpoint | undefined;
  let server: ChatServer | undefined;
  let serving: Promise<void> | undefined;
  try {
    await setRoomPassword(kv, ROOM_PASSWORD, { iterations: ITERATIONS });
    store = await FileStore.open({
      kv,
      directory: join(directory, "files"),
      maxFileSize: MAX_FILE_SIZE,
      maxStorage: 16 * MAX_FILE_SIZE,
      ttlMs: 60 * 60_000,
    });
    const files = new FileRelay({ store, kv, report: (event) => fileEvents.push(event) });
    endpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0, accept: true });
    server = new ChatServer({
      kv,
      endpoint,
      files,
      maxMembers: 10,
      registrationOpen: true,
      report: (event) => roomEvents.push(event),
      hashIterations: ITERATIONS,
    });
    serving = server.serve();
    const serverAddress = endpoint.address;
    const clientSide = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0 });
    clientEndpoint = clientSide;
    const connect = async () => {
      const client = new FrameClient(await clientSide.connect(serverAddress));
      clients.push(client);
      return client;
    };
    await body({ server, store, roomEvents, fileEvents, connect });
  } finally {
    await within(
      CLOSE_DEADLINE_MS,
      Promise.all(clients.map((client) => client.close().catch(() => {}))),
    );
    await clientEndpoint?.close();
    await server?.stop(500);
    await endpoint?.close();
    await serving;
    await store?.close();
    kv.close();
    await Deno.remove(directory, { recursive: true });
  }
}

/** Hello, then Register (or Login) as `name` (password derived from the name). */
export async function authenticate(
  client: FrameClient,
  name: string,
  how: "register" | "login",
): Promise<void> {
  await client.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await client.expect("welcome");
  await client.send({ type: how, name, password: `${name.toLowerCase()}-password` });
  const result = await client.expect("authResult");
  assert.equal(result.outcome, "ok", result.message);
}

/** A member of the room: Hello, Register (or Login), JoinRoom. */
export async function member(
  server: FileServer,
  name: string,
  how: "register" | "login" = "register",
): Promise<FrameClient> {
  return await joined(server, name, how, "joinRoom");
}

/** A file session: Hello, Register (or Login), JoinFiles. */
export async function fileSession(
  server: FileServer,
  name: string,
  how: "register" | "login" = "register",
): Promise<FrameClient> {
  return await joined(server, name, how, "joinFiles");
}

/** Hello, Register (or Login), then `join` with the room password, answered ok. */
async function joined(
  server: FileServer,
  name: string,
  how: "register" | "login",
  join: "joinRoom" | "joinFiles",
): Promise<FrameClient> {
  const client = await server.connect();
  await authenticate(client, name, how);
  await client.send({ type: join, roomPassword: ROOM_PASSWORD });
  const result = await client.expect("joinResult");
  assert.equal(result.outcome, "ok", result.message);
  return client;
}

/**
 * FileListRequest, answered by a FileList. Also a barrier: the server
 * queues frames to a session in order, so anything it queued to `client`
 * before this request arrived before the answer.
 */
export async function listFiles(client: FrameClient): Promise<readonly FileInfo[]> {
  const mark = client.mark();
  await client.send({ type: "fileListRequest" });
  return (await client.expect("fileList", () => true, mark)).files;
}

let nextRequestId = 1;

/** UploadStart; resolves with the UploadReady (fails on a FileError). */
export async function startUpload(
  client: FrameClient,
  request: { name: string; size?: number; to?: string; resumeKey?: Uint8Array },
): Promise<FrameOf<"uploadReady">> {
  const requestId = nextRequestId++;
  const mark = client.mark();
  await client.send({ type: "uploadStart", requestId, ...request });
  const answer = await client.expectFrame(
    (frame): frame is FrameOf<"uploadReady" | "fileError"> =>
      (frame.type === "uploadReady" || frame.type === "fileError") &&
      frame.requestId === requestId,
    mark,
    "uploadReady",
  );
  if (answer.type === "fileError") {
    throw new Error(`upload refused: ${answer.code}: ${answer.message}`);
  }
  return answer;
}

/** FileChunks of `data[from, to)`, in client-sized pieces; waits for the last UploadProgress. */
export async function sendChunks(
  client: FrameClient,
  fileId: string,
  data: Uint8Array,
  from = 0,
  to = data.length,
): Promise<void> {
  const mark = client.mark();
  for (let offset = from; offset < to; offset += FILE_CHUNK_BYTES) {
    const end = Math.min(to, offset + FILE_CHUNK_BYTES);
    await client.send({ type: "fileChunk", fileId, offset, data: data.subarray(offset, end) });
  }
  await client.expect(
    "uploadProgress",
    (frame) => frame.fileId === fileId && frame.stored === to,
    mark,
  );
}

/** UploadEnd with `data`'s size and SHA-256; resolves with the UploadDone. */
export async function endUpload(
  client: FrameClient,
  fileId: string,
  data: Uint8Array,
): Promise<FrameOf<"uploadDone">> {
  const mark = client.mark();
  await client.send({ type: "uploadEnd", fileId, size: data.length, sha256: sha256(data) });
  return await client.expect("uploadDone", (frame) => frame.fileId === fileId, mark);
}

/** A whole upload; resolves with the file's id. */
export async function upload(
  client: FrameClient,
  name: string,
  data: Uint8Array,
  to?: string,
): Promise<string> {
  const ready = await startUpload(client, { name, size: data.length, to });
  await sendChunks(client, ready.fileId, data);
  await endUpload(client, ready.fileId, data);
  return ready.fileId;
}

/**
 * The FileData frames for `fileId` received at index `from` or later, checked
 * to run in order without gaps from byte `offset`, joined.
 */
export function downloaded(client: FrameClient, fileId: string, from = 0, offset = 0): Uint8Array {
  const parts = client.received.slice(from).filter((frame): frame is FrameOf<"fileData"> =>
    frame.type === "fileData" && frame.fileId === fileId
  );
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.data.length, 0));
  let position = offset;
  for (const part of parts) {
    assert.equal(part.offset, position, "FileData frames come in order, without gaps");
    whole.set(part.data, position - offset);
    position += part.data.length;
  }
  return whole;
}

/**
 * Asserts `actual` holds exactly `expected`'s bytes. (assert.deepEqual would
 * spend minutes drawing a diff of two large arrays that differ.)
 */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const shorter = Math.min(actual.length, expected.length);
  let index = 0;
  while (index < shorter && actual[index] === expected[index]) index++;
  if (index === shorter && actual.length === expected.length) return;
  assert.fail(
    `${what}: got ${actual.length} bytes, expected ${expected.length}; they differ from byte ${index}`,
  );
}

/** SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** `length` bytes of a fixed, non-repeating-looking pattern (deterministic, unlike random). */
export function pattern(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    // xorshift32: cheap, and no two chunks alike, so a misplaced chunk shows.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** Resolves when `promise` settles or `ms` have passed, whichever is first. */
async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  await Promise.race([promise, bound]);
  clearTimeout(timer);
}
