/**
 * The transport section of `deno task bench`: goodput of raw UDP, mochi's
 * transport and Deno's built-in QUIC, direct on loopback and through
 * `mochi netsim`; single-message latency at 5 % loss; memory per idle mochi
 * connection. Each peer is its own `deno run` process (see scripts/bench/).
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
import type { NetsimSettings } from "./bench/netsim.ts";
import type { BenchOptions, BenchTable, TargetCheck } from "./bench/table.ts";
import { targetVerdict } from "./bench/table.ts";
import {
  attempt,
  type GoodputResult,
  type LatencyResult,
  measureGoodput,
  measureIdleMemory,
  measureLatency,
  type MemoryResult,
  type Outcome,
  type PathSpec,
  type Protocol,
  type RunContext,
} from "./bench/transport_runs.ts";

const MEBIBYTE = 1024 * 1024;
const KIBIBYTE = 1024;
/** Transfer size of the loss-free rows. */
const FULL_TRANSFER_BYTES = 64 * MEBIBYTE;
/** Transfer size of the lossy rows: a slow protocol needs minutes for 64 MiB at 5 % loss. */
const LOSSY_TRANSFER_BYTES = 8 * MEBIBYTE;
/** Workloads are divided by this in quick mode. */
const QUICK_DIVISOR = 8;
/** A run that takes longer than this is reported as "timeout". */
const RUN_TIMEOUT_MS = 120_000;
const LATENCY_PROBES = 1_000;
const IDLE_CONNECTIONS = 1_000;
/** 10 ms round trip = 5 ms each way (netsim's delay is per direction). */
const ONE_WAY_DELAY_MS = 5;
const ROUND_TRIP_MS = 2 * ONE_WAY_DELAY_MS;
const NETSIM_SEED = 7;
const LOSSES_PERCENT = [0, 1, 5] as const;
const LATENCY_LOSS_PERCENT = 5;

/** Targets from the project's plan. */
const Target = {
  directRatio: 0.5,
  lossyRatio: 1.5,
  /** 4 round trips + 20 ms at 10 ms RTT. */
  p99LatencyMs: 4 * ROUND_TRIP_MS + 20,
  idleConnectionBytes: 64 * KIBIBYTE,
} as const;

const COLUMNS = ["measurement", "mochi", "QUIC", "raw UDP (ceiling)", "mochi/QUIC", "notes"];

function netsimPath(lossPercent: number, transferBytes: number): PathSpec {
  const settings: NetsimSettings = {
    lossPercent,
    oneWayDelayMs: ONE_WAY_DELAY_MS,
    seed: NETSIM_SEED,
  };
  return {
    label: `netsim ${ROUND_TRIP_MS} ms RTT, ${lossPercent} % loss`,
    netsim: settings,
    transferBytes,
  };
}

function retransmissionNote(outcome: Outcome<GoodputResult>): string {
  if (!outcome.ok) return "";
  const sent = Number(outcome.value.senderStats.packetsSent);
  const retransmitted = Number(outcome.value.senderStats.packetsRetransmitted);
  if (!(sent > 0) || !Number.isFinite(retransmitted)) return "";
  return `mochi retransmitted ${formatNumber((100 * retransmitted) / sent)} % of packets`;
}

/** Runs the whole transport section and returns its table. */
export async function transportBenchmark(options: BenchOptions): Promise<BenchTable> {
  const divisor = options.quick ? QUICK_DIVISOR : 1;
  const fullBytes = FULL_TRANSFER_BYTES / divisor;
  const lossyBytes = LOSSY_TRANSFER_BYTES / divisor;
  const probes = LATENCY_PROBES / divisor;
  const idleConnections = IDLE_CONNECTIONS / divisor;
  const paths: PathSpec[] = [
    { label: "direct loopback", netsim: null, transferBytes: fullBytes },
    ...LOSSES_PERCENT.map((loss) => netsimPath(loss, loss === 0 ? fullBytes : lossyBytes)),
  ];
  const certificate = await writeSelfSignedCertificate();
  const context: RunContext = {
    certificateFile: certificate.certificateFile,
    privateKeyFile: certificate.privateKeyFile,
    runTimeoutMs: RUN_TIMEOUT_MS,
  };
  const rows: string[][] = [];
  const targets: TargetCheck[] = [];
  const notes: string[] = [];
  try {
    for (const path of paths) {
      const results = {} as Record<Protocol, Outcome<GoodputResult>>;
      for (const protocol of ["udp", "quic", "mochi"] as const) {
        const what = `${protocol}, ${path.label}, ${path.transferBytes / MEBIBYTE} MiB`;
        console.error(`transport: goodput ${what}`);
        results[protocol] = await attempt(what, () => measureGoodput(protocol, path, context));
        console.error(`  ${formatOutcome(results[protocol], describeGoodput)}`);
      }
      rows.push(goodputRow(path, results, targets));
    }
    const latencyPath = netsimPath(LATENCY_LOSS_PERCENT, 0);
    const latency = {} as Record<"quic" | "mochi", Outcome<LatencyResult>>;
    for (const protocol of ["quic", "mochi"] as const) {
      const what = `${protocol}, ${probes} probes, ${latencyPath.label}`;
      console.error(`transport: latency ${what}`);
      latency[protocol] = await attempt(
        what,
        () => measureLatency(protocol, latencyPath, probes, context),
      );
    }
    rows.push(...latencyRows(latencyPath, probes, latency, targets));
    console.error(`transport: memory of ${idleConnections} idle mochi connections`);
    const memory = await attempt("memory", () => measureIdleMemory(idleConnections, context));
    rows.push(memoryRow(memory, targets));
    notes.push(...sectionNotes(options, latency, memory));
  } finally {
    await certificate.remove();
  }
  return { title: "Transport", columns: COLUMNS, rows, notes, targets };
}

function describeGoodput(result: GoodputResult): string {
  const delivered = result.deliveredFraction < 1
    ? ` (${formatNumber(100 * result.deliveredFraction)} % delivered)`
    : "";
  return `${formatNumber(result.megabytesPerSecond)} MB/s${delivered}`;
}

function goodputRow(
  path: PathSpec,
  results: Record<Protocol, Outcome<GoodputResult>>,
  targets: TargetCheck[],
): string[] {
  const rate = (protocol: Protocol) => map(results[protocol], (r) => r.megabytesPerSecond);
  const mochiOverQuic = ratio(rate("mochi"), rate("quic"));
  const lossPercent = path.netsim?.lossPercent ?? 0;
  const noteParts: string[] = [];
  const targetRatio = path.netsim === null
    ? Target.directRatio
    : lossPercent > 0
    ? Target.lossyRatio
    : null;
  if (targetRatio !== null) {
    const met = mochiOverQuic === null ? null : mochiOverQuic >= targetRatio;
    noteParts.push(`target >= ${targetRatio}x QUIC: ${targetVerdict(met)}`);
    targets.push({
      description: `goodput ${path.label}: mochi at least ${targetRatio}x QUIC`,
      measured: formatRatio(mochiOverQuic),
      met,
    });
  }
  const retransmissions = retransmissionNote(results.mochi);
  if (retransmissions !== "") noteParts.push(retransmissions);
  const goodputCell = (protocol: Protocol) =>
    formatOutcome(results[protocol], (result) => describeGoodput(result).replace(" MB/s", ""));
  return [
    `goodput, ${path.label}, ${path.transferBytes / MEBIBYTE} MiB (MB/s)`,
    goodputCell("mochi"),
    goodputCell("quic"),
    goodputCell("udp"),
    formatRatio(mochiOverQuic),
    noteParts.join("; "),
  ];
}

function latencyRows(
  path: PathSpec,
  probes: number,
  latency: Record<"quic" | "mochi", Outcome<LatencyResult>>,
  targets: TargetCheck[],
): string[][] {
  return [50, 99].map((p) => {
    const value = (protocol: "quic" | "mochi") =>
      map(latency[protocol], (result) => percentile(result.oneWayMs, p));
    const mochi = value("mochi");
    const quic = value("quic");
    let note = "one-way; lower is better";
    if (p === 99) {
      const met = mochi.ok ? mochi.value <= Target.p99LatencyMs : null;
      note += `; target <= ${Target.p99LatencyMs} ms: ${targetVerdict(met)}`;
      targets.push({
        description: `p99 single-message latency, ${path.label}: at most ${Target.p99LatencyMs} ms`,
        measured: formatOutcome(mochi, (ms) => `${formatNumber(ms)} ms`),
        met,
      });
    }
    return [
      `latency p${p}, ${probes} x 100 B, ${path.label} (ms)`,
      formatOutcome(mochi, (ms) => formatNumber(ms)),
      formatOutcome(quic, (ms) => formatNumber(ms)),
      "n/a",
      formatRatio(ratio(mochi, quic)),
      note,
    ];
  });
}

function memoryRow(memory: Outcome<MemoryResult>, targets: TargetCheck[]): string[] {
  const worstBytes = map(
    memory,
    (result) => Math.max(result.serverHeapBytesPerConnection, result.serverRssBytesPerConnection),
  );
  const met = worstBytes.ok ? worstBytes.value < Target.idleConnectionBytes : null;
  const limitKib = Target.idleConnectionBytes / KIBIBYTE;
  const describe = (result: MemoryResult) =>
    `${formatNumber(result.serverHeapBytesPerConnection / KIBIBYTE)} heap, ` +
    `${formatNumber(result.serverRssBytesPerConnection / KIBIBYTE)} RSS`;
  targets.push({
    description:
      `memory per idle mochi connection (server side, heap and RSS) under ${limitKib} KiB`,
    measured: formatOutcome(
      memory,
      (result) =>
        `${formatNumber(result.serverHeapBytesPerConnection / KIBIBYTE)} KiB heap, ` +
        `${formatNumber(result.serverRssBytesPerConnection / KIBIBYTE)} KiB RSS`,
    ),
    met,
  });
  const count = memory.ok ? memory.value.count : IDLE_CONNECTIONS;
  return [
    `memory per idle connection, ${count} connections, server side (KiB)`,
    formatOutcome(memory, describe),
    "not measured",
    "n/a",
    "n/a",
    `target < ${limitKib} KiB (heap and RSS): ${targetVerdict(met)}`,
  ];
}

function sectionNotes(
  options: BenchOptions,
  latency: Record<"quic" | "mochi", Outcome<LatencyResult>>,
  memory: Outcome<MemoryResult>,
): string[] {
  const halvedRoundTrip = (protocol: "quic" | "mochi") =>
    formatOutcome(latency[protocol], (result) => {
      const halves = result.roundTripMs.map((ms) => ms / 2);
      return `p50 ${formatNumber(percentile(halves, 50))} ms, ` +
        `p99 ${formatNumber(percentile(halves, 99))} ms`;
    });
  const clientMemory = formatOutcome(
    memory,
    (result) =>
      `${formatNumber(result.clientHeapBytesPerConnection / KIBIBYTE)} KiB heap, ` +
      `${formatNumber(result.clientRssBytesPerConnection / KIBIBYTE)} KiB RSS`,
  );
  const notes = [
    "One run of each measurement on one machine; numbers vary from run to run.",
    "Processes: in every goodput and latency run the sender and the receiver are separate " +
    "`deno run` processes (scripts/bench/*_peer.ts), coordinating over stdout lines; " +
    "through netsim the relay is a third process (`deno run main.ts netsim --loss L " +
    `--delay ${ONE_WAY_DELAY_MS} --seed ${NETSIM_SEED}\`; delay is one-way, so ` +
    `${ROUND_TRIP_MS} ms round trip). The direct rows run two processes, the netsim rows ` +
    `three, on the machine's ${processorCount()} cores.`,
    "Encryption: every mochi row runs over mochi's secure channel (src/secure/): a Noise NX " +
    "handshake (Noise_NX_25519_ChaChaPoly_SHA256, X25519 from @noble/curves) in the Initial " +
    "and Accept packets, after a stateless Retry round trip, then ChaCha20-Poly1305 " +
    "(node:crypto) on every later packet, a 16-byte tag within each datagram of at most 1200 " +
    "bytes. Every QUIC row is TLS 1.3 (rustls inside quinn). raw UDP is unencrypted.",
    "Goodput: application bytes delivered at the receiver, in MB/s (10^6 bytes per second), " +
    "timed at the receiver from the first byte to the last (the handshake is excluded). " +
    "Transfers are MiB (2^20 bytes); the lossy rows move 8 MiB instead of 64 MiB so that a " +
    `slow protocol finishes within the ${RUN_TIMEOUT_MS / 1000} s limit of each run ` +
    `(a run that does not finish in time is reported as "timeout").`,
    "raw UDP: 1200-byte datagrams sent back to back with no pacing, acknowledgement or " +
    "retransmission; the receiver counts what arrives (stops after 500 ms of silence). It is " +
    "unreliable: its goodput counts delivered bytes only, the percentage is of bytes sent. " +
    "It is the ceiling of a transport written in JavaScript on `Deno.listenDatagram` with " +
    "1200-byte datagrams, as mochi is; QUIC runs natively (quinn, in Rust) with larger " +
    "datagrams (quinn discovers the path MTU) and can exceed it.",
    "Through netsim every protocol is also limited by the relay, itself one JavaScript " +
    "process: the raw UDP blast shows how much the relay forwards (most of a blast overflows " +
    "socket buffers on the way, hence its low delivered share).",
    "mochi: default TransportConfig, 64 KiB messages, `send` each, then `flush` and `close`.",
    "QUIC: `Deno.connectQuic` / `Deno.QuicEndpoint` (quinn), one unidirectional stream " +
    "written in 64 KiB pieces, default congestion control, TLS 1.3 with a throwaway self-signed " +
    "ECDSA P-256 certificate generated at run time with node:crypto into a temporary folder.",
    "Latency: one 100-byte message at a time; the receiver echoes each and the sender sends " +
    "the next only after the echo. Reported is the one-way time from send to arrival at the " +
    "receiver (the sender stamps its wall clock into the message; both processes read the " +
    "same clock). Cross-check, echo round trip halved: " +
    `mochi ${halvedRoundTrip("mochi")}; QUIC ${halvedRoundTrip("quic")}.`,
    "Memory: a server process accepts N idle mochi connections on one endpoint, opened by a " +
    "client process on one endpoint; each process measures its own growth (heapUsed + " +
    "external after a forced GC, and RSS) from before the first connection to 2 s after the " +
    `last, divided by N. Client side: ${clientMemory}.`,
  ];
  if (options.quick) notes.unshift("QUICK MODE: workloads divided by 8; not for publication.");
  return notes;
}
