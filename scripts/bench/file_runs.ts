/**
 * One file-transfer measurement each, with real processes on loopback:
 *
 * - mochi: a fresh `mochi server` (scripts/bench/room_server.ts) with
 *   accounts ada and bob, `mochi netsim` in front of it when the path is
 *   impaired (both clients then go through it), a 1-byte transfer first (the
 *   fixed cost, and each process's memory when it moves nothing), then the
 *   file: `recv-file --from ada` waits for the offer, `send-file` starts,
 *   the server relays the upload to the waiting download as it arrives.
 * - TCP: scripts/bench/tcp_copy_peer.ts, receiver then sender.
 *
 * Every run has a deadline, stops every process it started and removes its
 * temporary directory, whatever happened. A received file whose SHA-256
 * differs from the source's is reported, never taken as a result.
 */

import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { MochiCommand, type MochiUser, registerAccount } from "./mochi_command.ts";
import { MemoryWatch, type PeakRss } from "./memory_watch.ts";
import { type NetsimSettings, type RunningNetsim, startNetsim, stopNetsim } from "./netsim.ts";
import { Announcement } from "./peer_protocol.ts";
import { PeerProcess } from "./process.ts";
import { RoomServer } from "./room_server.ts";

/** The processes whose memory a mochi run reports. */
export const FILE_PROCESSES = ["server", "sender", "receiver"] as const;
export type FileProcess = typeof FILE_PROCESSES[number];

/** How long the server and the registrations may take before the transfer starts. */
const SETUP_BUDGET_MS = 60_000;
/** Budget of the 1-byte transfer. */
const SMALL_TRANSFER_BUDGET_MS = 30_000;
const TCP_PEER_SCRIPT = "scripts/bench/tcp_copy_peer.ts";

/** A file to move, written once by the section. */
export interface SourceFile {
  path: string;
  bytes: number;
  /** Lowercase hex SHA-256 of its contents. */
  sha256: string;
}

/** Elapsed times of one transfer through sender, server and receiver. */
export interface TransferTimes {
  /** From the sender's start to the receiver's exit 0, in seconds. */
  totalSeconds: number;
  /** From the sender's start to its own exit 0 (the server holds it all), in seconds. */
  uploadSeconds: number;
}

/** One hop at a time: the upload with nobody receiving, then the download of the stored file. */
export interface HopTimes {
  /** From the sender's start to its exit 0, nobody downloading meanwhile, in seconds. */
  uploadSeconds: number;
  /** From recv-file's start (by id, the file complete on the server) to its exit 0, in seconds. */
  downloadSeconds: number;
}

/** What a mochi run measured. */
export interface FileTransferResult {
  file: TransferTimes;
  /** The same file one hop at a time (direct runs only; null when not measured). */
  hops: HopTimes | null;
  /** The 1-byte transfer, run first on the same server and path. */
  oneByte: TransferTimes;
  /** Peak RSS of each process during the file's transfer. */
  peakRss: Record<FileProcess, number | null>;
  /** The same during the 1-byte transfer (the server's: its peak when it ended). */
  oneBytePeakRss: Record<FileProcess, number | null>;
  /** Lines the relay printed when stopped (its counters); empty when direct. */
  relayCounters: string[];
}

/** What a TCP copy measured. */
export interface TcpCopyResult {
  /** From the sender's start to the receiver's exit, in seconds. */
  totalSeconds: number;
  /** At the receiver, from the first byte to the last written, in seconds. */
  transferSeconds: number;
}

/** Raised when a received file is not the source: a correctness failure, not a slow run. */
export class ContentMismatch extends Error {
  override name = "ContentMismatch";
}

/** Writes `bytes` random bytes to `path` and returns the file with its SHA-256. */
export async function writeRandomFile(path: string, bytes: number): Promise<SourceFile> {
  const hash = createHash("sha256");
  const piece = new Uint8Array(4 * 1024 * 1024);
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let written = 0; written < bytes; written += piece.length) {
    const part = piece.subarray(0, Math.min(piece.length, bytes - written));
    // getRandomValues fills at most 64 KiB per call.
    for (let offset = 0; offset < part.length; offset += 65_536) {
      crypto.getRandomValues(part.subarray(offset, offset + 65_536));
    }
    hash.update(part);
    let done = 0;
    while (done < part.length) done += await file.write(part.subarray(done));
  }
  return { path, bytes, sha256: hash.digest("hex") };
}

/** Lowercase hex SHA-256 of a file, read as a stream. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** Throws ContentMismatch unless `received` holds exactly the source's bytes. */
async function verifyCopy(source: SourceFile, received: string, what: string): Promise<void> {
  const size = await Deno.stat(received).then((info) => info.size, () => -1);
  if (size < 0) throw new ContentMismatch(`${what}: no file at ${received}`);
  const sha256 = size === source.bytes ? await sha256OfFile(received) : "";
  if (sha256 !== source.sha256) {
    throw new ContentMismatch(
      `${what}: received ${size} bytes with SHA-256 ${sha256 || "(not computed)"}, ` +
        `sent ${source.bytes} bytes with SHA-256 ${source.sha256}`,
    );
  }
}

/** The server and the two accounts of one mochi run. */
interface MochiRoom {
  directory: string;
  server: RoomServer;
  /** The port the clients use: the relay's, or the server's. */
  clientPort: number;
  netsim: RunningNetsim | null;
  ada: MochiUser;
  bob: MochiUser;
}

async function openRoom(directory: string, netsim: NetsimSettings | null): Promise<MochiRoom> {
  const deadline = Date.now() + SETUP_BUDGET_MS;
  const roomPassword = `bench-files-${crypto.randomUUID()}`;
  const server = RoomServer.start({
    dataDirectory: join(directory, "server"),
    roomPassword,
    maxClients: 16,
    messageRate: "10/5",
  });
  const room: MochiRoom = {
    directory,
    server,
    clientPort: 0,
    netsim: null,
    ada: user("ada", directory, roomPassword),
    bob: user("bob", directory, roomPassword),
  };
  try {
    const port = await server.port(deadline);
    await Promise.all([room.ada, room.bob].map((who) => registerAccount(who, port, deadline)));
    room.netsim = netsim === null ? null : await startNetsim(port, netsim, deadline);
    room.clientPort = room.netsim?.port ?? port;
    return room;
  } catch (error) {
    await closeRoom(room);
    throw error;
  }
}

async function closeRoom(room: MochiRoom): Promise<string[]> {
  const counters = room.netsim === null ? [] : await stopNetsim(room.netsim);
  await room.server.stop();
  return counters;
}

function user(name: string, directory: string, roomPassword: string): MochiUser {
  return {
    name,
    password: `${name}-password`,
    roomPassword,
    home: join(directory, `home-${name}`),
  };
}

/** One transfer from ada to bob; `watch` follows the sender and the receiver too. */
async function transfer(
  room: MochiRoom,
  source: SourceFile,
  deadline: number,
  watch: MemoryWatch,
): Promise<TransferTimes> {
  const output = await Deno.makeTempDir({ dir: room.directory, prefix: "received-" });
  const server = `127.0.0.1:${room.clientPort}`;
  const receiver = MochiCommand.start("recv-file", room.bob, [
    "recv-file",
    "--server",
    server,
    "--user",
    "bob",
    "--from",
    "ada",
    "-o",
    output,
  ]);
  let sender: MochiCommand | null = null;
  try {
    watch.watch("receiver", receiver.pid);
    await receiver.stderrMatch(/waiting for the next file/, deadline);
    const startedAt = performance.now();
    sender = MochiCommand.start("send-file", room.ada, [
      "send-file",
      "--server",
      server,
      "--user",
      "ada",
      source.path,
    ]);
    watch.watch("sender", sender.pid);
    let uploadSeconds = NaN;
    const uploaded = sender.exited.then(() => {
      uploadSeconds = (performance.now() - startedAt) / 1000;
    });
    const sent = sender.succeeds(deadline);
    // A failing sender ends the wait at once instead of leaving the receiver to the deadline.
    await Promise.race([
      receiver.succeeds(deadline),
      sent.then(() => new Promise<never>(() => {})),
    ]);
    const totalSeconds = (performance.now() - startedAt) / 1000;
    await sent;
    await uploaded;
    await verifyCopy(source, join(output, basename(source.path)), "mochi recv-file");
    return { totalSeconds, uploadSeconds };
  } finally {
    await Promise.all([receiver.stop(), sender?.stop()]);
    await Deno.remove(output, { recursive: true });
  }
}

/**
 * Moves a 1-byte file, then `source`, from ada to bob through a fresh server
 * (and relay, when `netsim` is not null), all within `timeoutMs`.
 */
export async function measureFileTransfer(
  source: SourceFile,
  oneByte: SourceFile,
  netsim: NetsimSettings | null,
  timeoutMs: number,
): Promise<FileTransferResult> {
  const directory = await Deno.makeTempDir({ prefix: "mochi-bench-files-" });
  let room: MochiRoom | null = null;
  try {
    room = await openRoom(directory, netsim);
    const small = await watchedTransfer(room, oneByte, Date.now() + SMALL_TRANSFER_BUDGET_MS);
    const file = await watchedTransfer(room, source, Date.now() + timeoutMs);
    const hops = netsim === null ? await hopByHop(room, source, Date.now() + timeoutMs) : null;
    const relayCounters = await closeRoom(room);
    room = null;
    return {
      file: file.times,
      hops,
      oneByte: small.times,
      peakRss: file.peakRss,
      oneBytePeakRss: small.peakRss,
      relayCounters,
    };
  } finally {
    if (room !== null) await closeRoom(room);
    await Deno.remove(directory, { recursive: true });
  }
}

/**
 * The upload alone (nobody downloading), then the download alone by id:
 * what each hop costs when the server does not relay both at once.
 */
async function hopByHop(room: MochiRoom, source: SourceFile, deadline: number): Promise<HopTimes> {
  const output = await Deno.makeTempDir({ dir: room.directory, prefix: "received-hop-" });
  const server = `127.0.0.1:${room.clientPort}`;
  const commands: MochiCommand[] = [];
  try {
    let startedAt = performance.now();
    const sender = MochiCommand.start("send-file", room.ada, [
      "send-file",
      "--server",
      server,
      "--user",
      "ada",
      source.path,
    ]);
    commands.push(sender);
    await sender.succeeds(deadline);
    const uploadSeconds = (performance.now() - startedAt) / 1000;
    const fileId = sender.stdout.trim();
    startedAt = performance.now();
    const receiver = MochiCommand.start("recv-file", room.bob, [
      "recv-file",
      "--server",
      server,
      "--user",
      "bob",
      fileId,
      "-o",
      output,
    ]);
    commands.push(receiver);
    await receiver.succeeds(deadline);
    const downloadSeconds = (performance.now() - startedAt) / 1000;
    await verifyCopy(source, join(output, basename(source.path)), "mochi recv-file by id");
    return { uploadSeconds, downloadSeconds };
  } finally {
    await Promise.all(commands.map((command) => command.stop()));
    await Deno.remove(output, { recursive: true });
  }
}

/** A transfer with the memory of the server, the sender and the receiver watched. */
async function watchedTransfer(
  room: MochiRoom,
  source: SourceFile,
  deadline: number,
): Promise<{ times: TransferTimes; peakRss: Record<FileProcess, number | null> }> {
  const watch = new MemoryWatch();
  watch.watch("server", room.server.pid);
  let times: TransferTimes;
  let peaks: PeakRss;
  try {
    times = await transfer(room, source, deadline, watch);
  } finally {
    peaks = await watch.stop();
  }
  return { times, peakRss: pick(peaks) };
}

function pick(peaks: PeakRss): Record<FileProcess, number | null> {
  return {
    server: peaks.server ?? null,
    sender: peaks.sender ?? null,
    receiver: peaks.receiver ?? null,
  };
}

/** Copies `source` over one TCP connection between two processes on loopback. */
export async function measureTcpCopy(
  source: SourceFile,
  timeoutMs: number,
): Promise<TcpCopyResult> {
  const deadline = Date.now() + timeoutMs;
  const directory = await Deno.makeTempDir({ prefix: "mochi-bench-tcp-" });
  const output = join(directory, basename(source.path));
  const permissions = ["--allow-net", "--allow-read", "--allow-write"];
  const processes: PeerProcess[] = [];
  try {
    const receiver = PeerProcess.spawn({
      name: "tcp receiver",
      script: TCP_PEER_SCRIPT,
      args: ["--role", "receiver", "--output", output],
      permissions,
    });
    processes.push(receiver);
    const port = Number((await receiver.announcement(Announcement.ready, deadline)).port);
    const startedAt = performance.now();
    processes.push(PeerProcess.spawn({
      name: "tcp sender",
      script: TCP_PEER_SCRIPT,
      args: ["--role", "sender", "--port", String(port), "--input", source.path],
      permissions,
    }));
    const received = await receiver.announcement(Announcement.result, deadline);
    const code = await receiver.exitCode(deadline);
    const totalSeconds = (performance.now() - startedAt) / 1000;
    if (code !== 0) throw new Error(`tcp receiver exited with status ${code}`);
    await verifyCopy(source, output, "TCP copy");
    return { totalSeconds, transferSeconds: Number(received.seconds) };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await Deno.remove(directory, { recursive: true });
  }
}
