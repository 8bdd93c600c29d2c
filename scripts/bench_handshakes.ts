/**
 * The secure-channel section of `deno task bench`: handshakes per second
 * completed by one server process (mochi's Retry + Noise NX, and Deno's QUIC
 * with TLS 1.3 for reference), driven by one or two load-generator processes
 * that each keep a fixed number of handshakes in flight. Each run is its own
 * set of `deno run` processes (scripts/bench/handshake_peer.ts).
 */

import { writeSelfSignedCertificate } from "./bench/cert.ts";
import {
  formatNumber,
  formatOutcome,
  formatRatio,
  map,
  percentile,
  processorCount,
  ratio,
} from "./bench/format.ts";
import {
  type HandshakeResult,
  type HandshakeRunSpec,
  measureHandshakes,
  readProcFile,
} from "./bench/handshake_runs.ts";
import type { BenchOptions, BenchTable } from "./bench/table.ts";
import { attempt, type Outcome } from "./bench/transport_runs.ts";

/** Load-generator processes per run; each count is run for both protocols. */
const GENERATOR_COUNTS = [1, 2] as const;
/** Handshakes in flight per generator. */
const CONCURRENCY = 64;
/** Measured window, and the load before it; quick mode shortens both. */
const WINDOW_MS = 5_000;
const WARMUP_MS = 1_000;
const QUICK_WINDOW_MS = 1_500;
const QUICK_WARMUP_MS = 500;

const PROTOCOLS = ["mochi", "quic"] as const;
type HandshakeProtocol = typeof PROTOCOLS[number];
const PROTOCOL_NAMES: Record<HandshakeProtocol, string> = { mochi: "mochi", quic: "QUIC" };

const COLUMNS = [
  "server",
  "load",
  "handshakes/s",
  "server CPU (% of one core)",
  "server CPU per handshake (ms)",
  "generators' CPU (% of one core)",
  "connect time p50 / p99 (ms)",
  "notes",
];

function generatorLabel(generators: number): string {
  return `${generators} generator${generators === 1 ? "" : "s"} x ${CONCURRENCY} in flight`;
}

function handshakesPerSecond(result: HandshakeResult, windowMs: number): number {
  return result.completed / (windowMs / 1000);
}

function percent(partMs: number, wholeMs: number): string {
  return `${(100 * partMs / wholeMs).toFixed(0)} %`;
}

/** Runs the whole section and returns its table. */
export async function handshakeBenchmark(options: BenchOptions): Promise<BenchTable> {
  const windowMs = options.quick ? QUICK_WINDOW_MS : WINDOW_MS;
  const warmupMs = options.quick ? QUICK_WARMUP_MS : WARMUP_MS;
  const certificate = await writeSelfSignedCertificate();
  const rows: string[][] = [];
  const ratios: string[] = [];
  const serverCpuShares: number[] = [];
  try {
    for (const generators of GENERATOR_COUNTS) {
      const results = {} as Record<HandshakeProtocol, Outcome<HandshakeResult>>;
      for (const protocol of PROTOCOLS) {
        const spec: HandshakeRunSpec = {
          protocol,
          generators,
          concurrency: CONCURRENCY,
          windowMs,
          warmupMs,
        };
        const what = `${protocol}, ${generatorLabel(generators)}, ${windowMs / 1000} s`;
        console.error(`handshakes: ${what}`);
        results[protocol] = await attempt(what, () => measureHandshakes(spec, certificate));
        console.error(`  ${formatOutcome(results[protocol], (r) => describe(r, windowMs))}`);
        rows.push(handshakeRow(protocol, generators, results[protocol], windowMs));
        const result = results[protocol];
        if (result.ok) {
          serverCpuShares.push(result.value.serverCpuMs / result.value.serverElapsedMs);
        }
      }
      const rate = (protocol: HandshakeProtocol) =>
        map(results[protocol], (result) => handshakesPerSecond(result, windowMs));
      ratios.push(
        `${formatRatio(ratio(rate("mochi"), rate("quic")))} with ${generatorLabel(generators)}`,
      );
    }
  } finally {
    await certificate.remove();
  }
  const receiveBuffer = (await readProcFile("/proc/sys/net/core/rmem_default"))?.trim();
  return {
    title: "Secure channel: handshakes per second",
    columns: COLUMNS,
    rows,
    notes: sectionNotes(options, {
      windowMs,
      warmupMs,
      ratios,
      receiveBuffer,
      busiestServer: Math.max(...serverCpuShares),
    }),
    targets: [],
  };
}

function describe(result: HandshakeResult, windowMs: number): string {
  return `${formatNumber(handshakesPerSecond(result, windowMs))} handshakes/s, server CPU ` +
    `${percent(result.serverCpuMs, result.serverElapsedMs)}, ${result.failed} failed, ` +
    `server socket drops ${result.serverSocketDrops ?? "n/a"}, counters ` +
    JSON.stringify(result.serverCounters);
}

function handshakeRow(
  protocol: HandshakeProtocol,
  generators: number,
  outcome: Outcome<HandshakeResult>,
  windowMs: number,
): string[] {
  const label = [PROTOCOL_NAMES[protocol], generatorLabel(generators)];
  if (!outcome.ok) return [...label, outcome.reason, "n/a", "n/a", "n/a", "n/a", ""];
  const result = outcome.value;
  const connect = result.connectMs.length === 0
    ? "n/a"
    : `${formatNumber(percentile(result.connectMs, 50))} / ` +
      `${formatNumber(percentile(result.connectMs, 99))}`;
  return [
    ...label,
    formatNumber(handshakesPerSecond(result, windowMs)),
    percent(result.serverCpuMs, result.serverElapsedMs),
    result.completed === 0 ? "n/a" : (result.serverCpuMs / result.completed).toFixed(2),
    percent(result.generatorCpuMs, windowMs),
    connect,
    rowNotes(protocol, result, windowMs).join("; "),
  ];
}

function rowNotes(
  protocol: HandshakeProtocol,
  result: HandshakeResult,
  windowMs: number,
): string[] {
  const notes = [`${result.failed} failed`];
  if (result.firstError !== "") notes[0] += ` (first: ${result.firstError})`;
  const drops = (count: number | null) => count === null ? "n/a" : String(count);
  const counters = result.serverCounters;
  if (protocol === "mochi") {
    notes.push(
      `kernel drops: server socket ${drops(result.serverSocketDrops)}, generators' sockets ` +
        drops(result.generatorSocketDrops),
    );
    notes.push(
      `server: ${result.serverHandshakes} Accepts, ${counters.retriesSent ?? "?"} Retries`,
    );
    const dropped = Object.entries(counters)
      .filter(([name, value]) => (name.startsWith("dropped") || name === "sendErrors") && value > 0)
      .map(([name, value]) => `${name} ${value}`);
    if (dropped.length > 0) notes.push(`server ${dropped.join(", ")}`);
  } else {
    notes.push(`kernel drops: server socket ${drops(result.serverSocketDrops)}`);
    const aborted = counters.acceptFailures ?? 0;
    notes.push(
      `server: ${result.serverHandshakes} accepted` +
        (aborted > 0 ? ` + ${aborted} aborted by the client's close` : ""),
    );
  }
  if (result.machineBusyMs !== null) {
    const others = result.machineBusyMs - result.serverCpuMs - result.generatorCpuMs;
    notes.push(
      `everything else on the machine: ${percent(Math.max(0, others), windowMs)} of a core`,
    );
  }
  const slowest = Math.max(...result.connectMs);
  if (Number.isFinite(slowest)) notes.push(`slowest connect ${formatNumber(slowest)} ms`);
  if (result.undrainedGenerators > 0) {
    notes.push(
      `${result.undrainedGenerators} generator(s) stopped waiting for their last connects`,
    );
  }
  return notes;
}

/** What the notes report besides the method. */
interface NoteFacts {
  windowMs: number;
  warmupMs: number;
  /** "0.40x with 1 generator ..." for each generator count. */
  ratios: string[];
  /** net.core.rmem_default, if readable. */
  receiveBuffer: string | undefined;
  /** The largest server CPU share (of one core) of any run; -Infinity if none ran. */
  busiestServer: number;
}

function sectionNotes(options: BenchOptions, facts: NoteFacts): string[] {
  const { windowMs, warmupMs, ratios, receiveBuffer } = facts;
  const cores = processorCount();
  let sharing = "Processes: each run is one server process and 1 or 2 load-generator " +
    "processes (scripts/bench/handshake_peer.ts, each its own `deno run`), so 2 or 3 " +
    `processes share the machine's ${cores} cores, and client and server work compete for them.`;
  if (Number.isFinite(facts.busiestServer) && facts.busiestServer < 0.95) {
    sharing += ` No server used a whole core (at most ${(100 * facts.busiestServer).toFixed(0)} ` +
      "%): the rates are what this machine sustains with both ends on it, not a server's " +
      "ceiling; server CPU per handshake is the figure that carries over to a server with a " +
      "core of its own.";
  }
  const notes = [
    "One run of each measurement on one machine; numbers vary from run to run.",
    sharing,
    `Method: every generator keeps ${CONCURRENCY} handshakes in flight, each \`connect\` ` +
    "then `close` (a connection's slot is free again once its close is done), from the start " +
    `of its process; after a warm-up of at least ${warmupMs / 1000} s a ${windowMs / 1000} s ` +
    "window opens, on a wall-clock schedule every process reads. handshakes/s: connects that " +
    "completed inside the window (counted by the generators, summed) divided by its length. " +
    "Server CPU: user + system time of the server process (every thread; " +
    "`process.cpuUsage()`) over the same window, as a share of one core; per handshake: that " +
    "time divided by the handshakes. Generators' CPU: the same, summed over generators. " +
    "Connect time: from calling connect to connected, for the handshakes of the window.",
    'mochi: `UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0, accept: true })` as the ' +
    "server (a throwaway static key), default TransportConfig; each generator opens every " +
    "connection from one client endpoint with `endpoint.connect(...)`, then " +
    "`connection.close()`. Every handshake is a full one, with two round trips: an Initial " +
    "(padded to 1200 bytes), a stateless Retry with a token, the Initial again with the token, " +
    "then the Accept (Noise NX: X25519 from @noble/curves, in JavaScript); close is Close, " +
    "CloseAck. The server counts a handshake (Accepts) when an Initial with a valid token " +
    "creates a connection.",
    "QUIC (for reference): `Deno.QuicEndpoint` + `listen` as the server (TLS 1.3, rustls inside " +
    "quinn, the throwaway ECDSA P-256 certificate of the transport section), every incoming " +
    "connection accepted at once; each generator calls `Deno.connectQuic` then " +
    "`close()`. Each connection gets a fresh client endpoint (a socket of its own): Deno keeps " +
    "a TLS session cache per endpoint, so a shared one would resume sessions instead of doing " +
    "full handshakes (and a closed endpoint keeps its socket until garbage collection, so QUIC " +
    "generators run with --expose-gc and collect after every 256 connections, which counts in " +
    "their CPU). One round trip (no Retry); close is one CONNECTION_CLOSE, unacknowledged. " +
    "The server counts a connection when its accept resolves; a client may close before that " +
    "(it finishes half a round trip earlier), which the server sees as an accept aborted by " +
    "the peer after doing the handshake's work; so the generators' count is the one reported.",
    `mochi/QUIC handshakes/s: ${ratios.join("; ")}.`,
    "Datagrams dropped by the kernel: growth over the window of the per-socket drop counter " +
    "in /proc/net/udp (the socket's receive buffer was full); a dropped handshake packet " +
    "costs its connect a retransmission timeout (1 s before mochi has a round-trip sample). " +
    "Sockets use the system's default receive buffer (net.core.rmem_default " +
    `${receiveBuffer ?? "unknown"} bytes on this machine): neither mochi's socket nor ` +
    "Deno's QUIC endpoint asks for a larger one (checked with `ss -m` on Deno 2.9: both " +
    "servers' sockets had that size).",
    "Everything else on the machine: CPU time the machine was busy over the window " +
    "(/proc/stat) minus the server's and the generators' own, as a share of one core: the " +
    "harness, the kernel's own work, and any other program running at the same time.",
  ];
  if (options.quick) {
    notes.unshift(
      `QUICK MODE: ${windowMs / 1000} s windows after ${warmupMs / 1000} s warm-ups; ` +
        "not for publication.",
    );
  }
  return notes;
}
