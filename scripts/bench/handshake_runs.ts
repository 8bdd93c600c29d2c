/**
 * One handshake-rate measurement: starts a server process, then the load
 * generator processes, on a schedule all of them read from the wall clock:
 * load from the start, a warm-up, then a fixed window in which the server
 * samples its CPU time and the generators count completed handshakes. Stops
 * every process it started, whatever happened; the run has a deadline, and
 * each peer also exits by itself shortly after it.
 */

import { Announcement, wallClockMs } from "./peer_protocol.ts";
import type { PeerProcess } from "./process.ts";
import { RunProcesses } from "./transport_runs.ts";

const PEER_SCRIPT = "scripts/bench/handshake_peer.ts";

/** Time allowed for the server and the generators to start before the warm-up begins. */
const BOOT_ALLOWANCE_MS = 2_000;
/** A generator may finish its last connects this long after the window (see the peer). */
const GENERATOR_DRAIN_MS = 2_000;
/** Every peer exits by itself this long after the window, even if the harness is gone. */
const PEER_EXIT_MARGIN_MS = 10_000;
/** The harness gives up on a run this long after the peers should have exited. */
const HARNESS_MARGIN_MS = 3_000;

/** What one run measures. */
export interface HandshakeRunSpec {
  protocol: "mochi" | "quic";
  /** Load-generator processes. */
  generators: number;
  /** Handshakes in flight per generator. */
  concurrency: number;
  /** Length of the measured window. */
  windowMs: number;
  /** Load before the window opens. */
  warmupMs: number;
}

/** The QUIC certificate; mochi needs none. */
export interface HandshakeRunContext {
  certificateFile: string;
  privateKeyFile: string;
}

/** What one run measured, over the window. */
export interface HandshakeResult {
  /** Handshakes the generators saw complete inside the window. */
  completed: number;
  /** Connects that failed inside the window, and the first error of any. */
  failed: number;
  firstError: string;
  /** Handshakes the server counted as complete in its own window. */
  serverHandshakes: number;
  /** The server's counters that grew in the window (mochi: drops, retries; QUIC: failed accepts). */
  serverCounters: Record<string, number>;
  /** The first error the server saw, or "". */
  serverFirstError: string;
  /** The server's CPU time (user + system, all threads) over the window, and the window it saw. */
  serverCpuMs: number;
  serverElapsedMs: number;
  /** The generators' CPU time over the window, summed. */
  generatorCpuMs: number;
  /** Time from calling connect to connected, for each completed handshake. */
  connectMs: number[];
  /** Datagrams the kernel dropped at the server's socket in the window (receive buffer full). */
  serverSocketDrops: number | null;
  /** The same at the generators' sockets, summed (null for QUIC: a socket per connection). */
  generatorSocketDrops: number | null;
  /**
   * CPU time the whole machine was busy over the window (every process, the
   * kernel, and the harness), from /proc/stat; null where unavailable.
   */
  machineBusyMs: number | null;
  /** Generators that still had connects in flight when they gave up waiting for them. */
  undrainedGenerators: number;
  /** Shortest warm-up any generator had (from its first connect to the window). */
  warmupMs: number;
}

/**
 * The contents of files under /proc, or null where they cannot be read.
 * Deno grants much of /proc only to --allow-all, so this runs `cat`.
 */
export async function readProcFile(...paths: string[]): Promise<string | null> {
  try {
    const output = await new Deno.Command("cat", {
      args: paths,
      stdout: "piped",
      stderr: "null",
    }).output();
    return output.success ? new TextDecoder().decode(output.stdout) : null;
  } catch {
    return null;
  }
}

/**
 * Reads the kernel's per-socket drop counters (/proc/net/udp and udp6, the
 * last column) for the sockets bound to `ports`; null where unavailable.
 */
async function socketDrops(ports: number[]): Promise<Map<number, number> | null> {
  const text = await readProcFile("/proc/net/udp", "/proc/net/udp6");
  if (text === null) return null;
  const drops = new Map<number, number>(ports.map((port) => [port, 0]));
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const port = Number.parseInt(fields[1]?.split(":")[1] ?? "", 16);
    const dropped = Number(fields[fields.length - 1]);
    if (drops.has(port) && Number.isFinite(dropped)) drops.set(port, drops.get(port)! + dropped);
  }
  return drops;
}

/** Linux's USER_HZ: /proc/stat counts in hundredths of a second on every common build. */
const PROC_STAT_TICK_MS = 10;

/**
 * CPU time the whole machine spent busy (every field of /proc/stat's "cpu"
 * line but idle and iowait), in milliseconds; null where unavailable.
 */
async function machineBusyMs(): Promise<number | null> {
  const text = await readProcFile("/proc/stat");
  const fields = text?.split("\n").find((line) => line.startsWith("cpu "))?.trim().split(/\s+/);
  if (fields === undefined) return null;
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const ticks = fields.slice(1, 9).map(Number);
  if (ticks.length < 8 || !ticks.every(Number.isFinite)) return null;
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = ticks as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * PROC_STAT_TICK_MS;
}

function dropGrowth(
  before: Map<number, number> | null,
  after: Map<number, number> | null,
  ports: number[],
): number | null {
  if (before === null || after === null || ports.length === 0) return null;
  return ports.reduce((sum, port) => sum + after.get(port)! - before.get(port)!, 0);
}

function sleepUntil(wallClock: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, wallClock - wallClockMs())));
}

function numberArray(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "number")) {
    throw new Error("expected an array of numbers");
  }
  return value;
}

function portOf(payload: Record<string, unknown>): number {
  const port = Number(payload.port);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`bad READY payload`);
  return port;
}

/** Runs one server and `spec.generators` generators; returns what the window saw. */
export async function measureHandshakes(
  spec: HandshakeRunSpec,
  context: HandshakeRunContext,
): Promise<HandshakeResult> {
  const startAt = wallClockMs() + BOOT_ALLOWANCE_MS + spec.warmupMs;
  const stopAt = startAt + spec.windowMs;
  const exitAt = stopAt + GENERATOR_DRAIN_MS + PEER_EXIT_MARGIN_MS;
  // Deadlines are Date.now() values: the same wall clock the peers read.
  const deadline = exitAt + HARNESS_MARGIN_MS;
  const schedule = [
    "--protocol",
    spec.protocol,
    "--start-at",
    String(startAt),
    "--window-ms",
    String(spec.windowMs),
    "--exit-at",
    String(exitAt),
  ];
  const certificate = spec.protocol === "quic"
    ? ["--cert-file", context.certificateFile, "--key-file", context.privateKeyFile]
    : [];
  const processes = new RunProcesses();
  try {
    const server = processes.spawn(`${spec.protocol} handshake server`, PEER_SCRIPT, [
      "--role",
      "server",
      ...schedule,
      ...certificate,
    ]);
    const serverPort = portOf(await server.announcement(Announcement.ready, deadline));
    const generators: PeerProcess[] = [];
    for (let index = 0; index < spec.generators; index++) {
      generators.push(
        processes.spawn(`${spec.protocol} load generator ${index + 1}`, PEER_SCRIPT, [
          "--role",
          "generator",
          "--host",
          "127.0.0.1",
          "--port",
          String(serverPort),
          "--concurrency",
          String(spec.concurrency),
          ...schedule,
          ...certificate,
        ], spec.protocol === "quic" ? ["--expose-gc"] : []),
      );
    }
    const ready = await Promise.all(
      generators.map((generator) => generator.announcement(Announcement.ready, deadline)),
    );
    const warmupMs = Math.min(...ready.map((payload) => startAt - Number(payload.loadStartedAt)));
    if (!(warmupMs >= spec.warmupMs / 2)) {
      throw new Error(
        `load generators started late (warm-up ${Math.round(warmupMs)} ms of ${spec.warmupMs})`,
      );
    }
    const ports = [serverPort];
    const generatorPorts = ready.map((payload) => payload.localPort)
      .filter((port): port is number => typeof port === "number");
    ports.push(...generatorPorts);
    // Never rejects, so that an early failure of the run leaves no rejection behind.
    const systemAt = (wallClock: number) =>
      sleepUntil(wallClock).then(() => Promise.all([socketDrops(ports), machineBusyMs()]))
        .catch(() => [null, null] as const);
    const systemAtStart = systemAt(startAt);
    const systemAtStop = systemAt(stopAt);
    const serverResult = await server.announcement(Announcement.result, deadline);
    const generatorResults = await Promise.all(
      generators.map((generator) => generator.announcement(Announcement.result, deadline)),
    );
    const [[before, busyBefore], [after, busyAfter]] = await Promise.all([
      systemAtStart,
      systemAtStop,
    ]);
    const machineBusy = busyBefore === null || busyAfter === null ? null : busyAfter - busyBefore;
    const sum = (name: string) =>
      generatorResults.reduce((total, result) => total + Number(result[name]), 0);
    return {
      completed: sum("completed"),
      failed: sum("failed"),
      firstError: generatorResults.map((result) => String(result.firstError ?? ""))
        .find((message) => message !== "") ?? "",
      serverHandshakes: Number(serverResult.handshakes),
      serverCounters: serverResult.counters as Record<string, number>,
      serverFirstError: String(serverResult.firstError ?? ""),
      serverCpuMs: Number(serverResult.cpuMs),
      serverElapsedMs: Number(serverResult.elapsedMs),
      generatorCpuMs: sum("cpuMs"),
      connectMs: generatorResults.flatMap((result) => numberArray(result.connectMs)),
      serverSocketDrops: dropGrowth(before, after, [serverPort]),
      generatorSocketDrops: dropGrowth(before, after, generatorPorts),
      machineBusyMs: machineBusy,
      undrainedGenerators: generatorResults.filter((result) => result.drained !== true).length,
      warmupMs,
    };
  } finally {
    await processes.stopAll();
  }
}
