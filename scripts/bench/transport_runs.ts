/**
 * One transport measurement each: starts the receiver process, the netsim
 * relay process when the path is impaired, then the sender process; collects
 * their RESULT lines; stops every process it started, whatever happened.
 * Every run has a deadline; past it the run is reported as "timeout".
 */

import { type NetsimSettings, type RunningNetsim, startNetsim, stopNetsim } from "./netsim.ts";
import { Announcement } from "./peer_protocol.ts";
import { PeerProcess, TimeoutError } from "./process.ts";

/** The three things the transport section compares. */
export type Protocol = "udp" | "quic" | "mochi";

/** A network path: direct loopback, or through netsim with impairments. */
export interface PathSpec {
  /** Human label, e.g. "netsim 10 ms RTT, 1 % loss". */
  label: string;
  /** Null for direct loopback. */
  netsim: NetsimSettings | null;
  /** Bytes transferred in the goodput runs on this path. */
  transferBytes: number;
}

/** What every run needs to know. */
export interface RunContext {
  /** PEM certificate file for QUIC (in a temporary folder). */
  certificateFile: string;
  /** PEM private key file for QUIC (in a temporary folder). */
  privateKeyFile: string;
  /** Longest a single run may take before it is reported as "timeout". */
  runTimeoutMs: number;
}

/** A run's value, or why there is none ("timeout" or an error message). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Result of one bulk transfer. */
export interface GoodputResult {
  /** Delivered bytes per second at the receiver, in MB/s (10^6 bytes). */
  megabytesPerSecond: number;
  /** Bytes delivered / bytes sent (below 1 only for raw UDP). */
  deliveredFraction: number;
  /** Sender-side statistics, when the peer reports them. */
  senderStats: Record<string, unknown>;
}

/** Result of one single-message latency run. */
export interface LatencyResult {
  /** One-way latency of each probe, measured at the receiver, in ms. */
  oneWayMs: number[];
  /** Round trip of each probe (probe + echo), measured at the sender, in ms. */
  roundTripMs: number[];
}

/** Result of the idle-connection memory run: bytes per connection. */
export interface MemoryResult {
  count: number;
  serverHeapBytesPerConnection: number;
  serverRssBytesPerConnection: number;
  clientHeapBytesPerConnection: number;
  clientRssBytesPerConnection: number;
}

const PEER_SCRIPTS: Record<Protocol, string> = {
  udp: "scripts/bench/udp_peer.ts",
  quic: "scripts/bench/quic_peer.ts",
  mochi: "scripts/bench/mochi_peer.ts",
};

const MEMORY_PEER_SCRIPT = "scripts/bench/mochi_memory_peer.ts";

/** Longest error reason shown in a table cell (the full text goes to stderr). */
const MAX_REASON_LENGTH = 120;

/** Runs `body`, turning a timeout or an error into a reason instead of a throw. */
export async function attempt<T>(what: string, body: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await body() };
  } catch (error) {
    if (error instanceof TimeoutError) {
      console.error(`  ${what}: timeout (${error.message})`);
      return { ok: false, reason: "timeout" };
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`  ${what}: error: ${message}`);
    const firstLine = message.split("\n")[0] ?? "";
    const shortened = firstLine.length > MAX_REASON_LENGTH
      ? `${firstLine.slice(0, MAX_REASON_LENGTH - 3)}...`
      : firstLine;
    return { ok: false, reason: `error: ${shortened}` };
  }
}

/** The processes of one run; all are stopped when the run ends. */
export class RunProcesses {
  readonly #processes: PeerProcess[] = [];
  #netsim: RunningNetsim | null = null;

  spawn(name: string, script: string, args: string[], v8Flags: string[] = []): PeerProcess {
    const process = PeerProcess.spawn({ name, script, args, v8Flags });
    this.#processes.push(process);
    return process;
  }

  /** Returns the port senders should target: the relay's, or the receiver's. */
  async route(receiverPort: number, path: PathSpec, deadline: number): Promise<number> {
    if (path.netsim === null) return receiverPort;
    this.#netsim = await startNetsim(receiverPort, path.netsim, deadline);
    return this.#netsim.port;
  }

  async stopAll(): Promise<void> {
    const netsim = this.#netsim;
    const stopping = this.#processes.map((process) => process.stop());
    if (netsim !== null) {
      for (const line of await stopNetsim(netsim)) console.error(`    relay: ${line}`);
    }
    await Promise.all(stopping);
  }
}

function protocolArgs(protocol: Protocol, context: RunContext): string[] {
  if (protocol !== "quic") return [];
  return ["--cert-file", context.certificateFile, "--key-file", context.privateKeyFile];
}

function portOf(payload: Record<string, unknown>): number {
  const port = Number(payload.port);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`bad READY payload`);
  return port;
}

/** Transfers `path.transferBytes` from a sender process to a receiver process. */
export async function measureGoodput(
  protocol: Protocol,
  path: PathSpec,
  context: RunContext,
): Promise<GoodputResult> {
  const deadline = Date.now() + context.runTimeoutMs;
  const processes = new RunProcesses();
  const script = PEER_SCRIPTS[protocol];
  const common = [
    "--workload",
    "bulk",
    "--bytes",
    String(path.transferBytes),
    ...protocolArgs(protocol, context),
  ];
  try {
    const receiver = processes.spawn(`${protocol} receiver`, script, [
      "--role",
      "receiver",
      ...common,
    ]);
    const receiverPort = portOf(await receiver.announcement(Announcement.ready, deadline));
    const targetPort = await processes.route(receiverPort, path, deadline);
    const sender = processes.spawn(`${protocol} sender`, script, [
      "--role",
      "sender",
      "--host",
      "127.0.0.1",
      "--port",
      String(targetPort),
      ...common,
    ]);
    const received = await receiver.announcement(Announcement.result, deadline);
    const sent = await sender.announcement(Announcement.result, deadline);
    const bytes = Number(received.bytes);
    const seconds = Number(received.seconds);
    if (!(bytes > 0 && seconds > 0)) throw new Error("receiver got nothing");
    return {
      megabytesPerSecond: bytes / seconds / 1e6,
      deliveredFraction: bytes / path.transferBytes,
      senderStats: sent,
    };
  } finally {
    await processes.stopAll();
  }
}

/** Sends `count` single 100-byte probes, one at a time, over `path`. */
export async function measureLatency(
  protocol: Exclude<Protocol, "udp">,
  path: PathSpec,
  count: number,
  context: RunContext,
): Promise<LatencyResult> {
  const deadline = Date.now() + context.runTimeoutMs;
  const processes = new RunProcesses();
  const script = PEER_SCRIPTS[protocol];
  const common = ["--workload", "latency", "--count", String(count)];
  try {
    const receiver = processes.spawn(`${protocol} receiver`, script, [
      "--role",
      "receiver",
      ...common,
      ...protocolArgs(protocol, context),
    ]);
    const receiverPort = portOf(await receiver.announcement(Announcement.ready, deadline));
    const targetPort = await processes.route(receiverPort, path, deadline);
    const sender = processes.spawn(`${protocol} sender`, script, [
      "--role",
      "sender",
      "--host",
      "127.0.0.1",
      "--port",
      String(targetPort),
      ...common,
      ...protocolArgs(protocol, context),
    ]);
    const received = await receiver.announcement(Announcement.result, deadline);
    const sent = await sender.announcement(Announcement.result, deadline);
    return {
      oneWayMs: numberArray(received.oneWayMs),
      roundTripMs: numberArray(sent.roundTripMs),
    };
  } finally {
    await processes.stopAll();
  }
}

/**
 * Opens `count` idle mochi connections from a client process to one server
 * endpoint in a server process; each process reports its own memory growth.
 */
export async function measureIdleMemory(count: number, context: RunContext): Promise<MemoryResult> {
  const deadline = Date.now() + context.runTimeoutMs;
  const processes = new RunProcesses();
  const v8Flags = ["--expose-gc"];
  const common = ["--count", String(count)];
  try {
    const server = processes.spawn(
      "memory server",
      MEMORY_PEER_SCRIPT,
      ["--role", "server", ...common],
      v8Flags,
    );
    const serverPort = portOf(await server.announcement(Announcement.ready, deadline));
    const client = processes.spawn("memory client", MEMORY_PEER_SCRIPT, [
      "--role",
      "client",
      "--host",
      "127.0.0.1",
      "--port",
      String(serverPort),
      ...common,
    ], v8Flags);
    const serverGrowth = await server.announcement(Announcement.result, deadline);
    const clientGrowth = await client.announcement(Announcement.result, deadline);
    return {
      count,
      serverHeapBytesPerConnection: Number(serverGrowth.heapBytes) / count,
      serverRssBytesPerConnection: Number(serverGrowth.rssBytes) / count,
      clientHeapBytesPerConnection: Number(clientGrowth.heapBytes) / count,
      clientRssBytesPerConnection: Number(clientGrowth.rssBytes) / count,
    };
  } finally {
    await processes.stopAll();
  }
}

function numberArray(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "number")) {
    throw new Error("expected an array of numbers");
  }
  return value;
}
