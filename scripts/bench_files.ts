/**
 * The files section of `deno task bench`: goodput of one 256 MiB random file
 * from `mochi send-file` through a real `mochi server` to `mochi recv-file`,
 * direct on loopback and through `mochi netsim` (1 % loss, 10 ms round trip),
 * against mochi's transport moving as many bytes over the same paths in the
 * same run, and against copying the file over TCP on loopback (the user's
 * alternative); plus the peak memory of the server, the sender and the
 * receiver. Every peer is its own process (scripts/bench/file_runs.ts).
 */

import { formatNumber, formatOutcome, formatRatio, map, processorCount } from "./bench/format.ts";
import {
  ContentMismatch,
  type FileProcess,
  type FileTransferResult,
  measureFileTransfer,
  measureTcpCopy,
  type SourceFile,
  type TcpCopyResult,
  writeRandomFile,
} from "./bench/file_runs.ts";
import { MemoryWatch, type PeakRss } from "./bench/memory_watch.ts";
import type { NetsimSettings } from "./bench/netsim.ts";
import type { BenchOptions, BenchTable, TargetCheck } from "./bench/table.ts";
import { targetVerdict } from "./bench/table.ts";
import { attempt, measureGoodput, type Outcome, type PathSpec } from "./bench/transport_runs.ts";

const MEBIBYTE = 1024 * 1024;
const MEGABYTE = 1000 * 1000;
/** The file moved on every path (the netsim rows too: ~80 s at 1 % loss). */
const FILE_BYTES = 256 * MEBIBYTE;
/** Workloads are divided by this in quick mode. */
const QUICK_DIVISOR = 8;
/** Deadlines of the big transfer of each run; a run past it is reported as "timeout". */
const DIRECT_TIMEOUT_MS = 120_000;
const NETSIM_TIMEOUT_MS = 180_000;
/** The transport section's netsim rows: 10 ms round trip, the same seed. */
const NETSIM: NetsimSettings = { lossPercent: 1, oneWayDelayMs: 5, seed: 7 };
const ROUND_TRIP_MS = 2 * NETSIM.oneWayDelayMs;

/** Targets from the file-transfer issue. */
const Target = {
  /** "a file transfer reaches at least 0.8x the transport's goodput in the same run" */
  fileOverTransport: 0.8,
  /** "never more than a few MB beyond the runtime", read as at most this growth. */
  memoryGrowthBytes: 8 * MEGABYTE,
} as const;

const COLUMNS = [
  "measurement",
  "mochi file (send-file -> server -> recv-file)",
  "transport (mochi, same bytes)",
  "TCP (Deno.connect, same file)",
  "file/transport",
  "target",
];

/** One path's measurements. */
interface PathResults {
  label: string;
  file: Outcome<FileTransferResult>;
  transport: Outcome<number>;
}

/** What the runs that compare a received copy with the source found. */
interface Integrity {
  /** Runs whose every received copy had the source's size and SHA-256. */
  verifiedRuns: number;
  /** What differed, one line per run that received a different file. */
  mismatches: string[];
}

/** Runs `body` (a run that checks its copies), recording a mismatch loudly before rethrowing. */
async function checkingCopies<T>(integrity: Integrity, body: () => Promise<T>): Promise<T> {
  try {
    const value = await body();
    integrity.verifiedRuns++;
    return value;
  } catch (error) {
    if (error instanceof ContentMismatch) {
      integrity.mismatches.push(error.message);
      console.error(`files: RECEIVED FILE DIFFERS FROM THE SOURCE: ${error.message}`);
    }
    throw error;
  }
}

function integrityTarget(integrity: Integrity): TargetCheck {
  const mismatched = integrity.mismatches.length;
  return {
    description: "every received copy has the source's size and SHA-256",
    measured: mismatched > 0
      ? `${mismatched} run(s) received a different file: ${integrity.mismatches[0]}`
      : `${integrity.verifiedRuns} runs, every copy identical`,
    met: mismatched > 0 ? false : integrity.verifiedRuns > 0 ? true : null,
  };
}

/** Runs the whole section and returns its table. */
export async function filesBenchmark(options: BenchOptions): Promise<BenchTable> {
  const bytes = FILE_BYTES / (options.quick ? QUICK_DIVISOR : 1);
  const directory = await Deno.makeTempDir({ prefix: "mochi-bench-files-source-" });
  const integrity: Integrity = { verifiedRuns: 0, mismatches: [] };
  const checked = <T>(what: string, body: () => Promise<T>) =>
    attempt(what, () => checkingCopies(integrity, body));
  try {
    console.error(`files: writing a ${bytes / MEBIBYTE} MiB random file`);
    const source = await writeRandomFile(`${directory}/random-${bytes / MEBIBYTE}MiB.bin`, bytes);
    const oneByte = await writeRandomFile(`${directory}/one-byte.bin`, 1);
    console.error("files: TCP copy, direct loopback");
    const tcpWatch = new MemoryWatch();
    tcpWatch.watchChild("sender", /tcp_copy_peer\.ts --role sender/);
    tcpWatch.watchChild("receiver", /tcp_copy_peer\.ts --role receiver/);
    const tcp = await checked("TCP copy", () => measureTcpCopy(source, DIRECT_TIMEOUT_MS));
    const tcpPeaks = await tcpWatch.stop();
    const direct = await measurePath(
      "direct loopback",
      source,
      oneByte,
      null,
      DIRECT_TIMEOUT_MS,
      checked,
    );
    const transportPeaks = direct.transportPeaks;
    const netsimLabel = `netsim ${ROUND_TRIP_MS} ms RTT, ${NETSIM.lossPercent} % loss`;
    const netsim = await measurePath(
      netsimLabel,
      source,
      oneByte,
      NETSIM,
      NETSIM_TIMEOUT_MS,
      checked,
    );
    const targets: TargetCheck[] = [];
    const rows = [
      goodputRow(direct, bytes, tcp, targets),
      goodputRow(netsim, bytes, null, targets),
      ...hopRows(direct, bytes, targets),
      uploadRow(direct, bytes),
      uploadRow(netsim, bytes),
      fixedCostRow(direct, netsim),
      ...memoryRows(direct.file, transportPeaks, tcpPeaks, bytes, targets),
    ];
    targets.push(integrityTarget(integrity));
    return {
      title: "File transfer",
      columns: COLUMNS,
      rows,
      notes: sectionNotes(options, bytes, direct, netsim),
      targets,
    };
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

/** The file, then the transport, over one path. */
async function measurePath(
  label: string,
  source: SourceFile,
  oneByte: SourceFile,
  netsim: NetsimSettings | null,
  timeoutMs: number,
  checked: <T>(what: string, body: () => Promise<T>) => Promise<Outcome<T>>,
): Promise<PathResults & { transportPeaks: PeakRss }> {
  const size = `${source.bytes / MEBIBYTE} MiB`;
  console.error(`files: mochi file, ${label}, ${size}`);
  const file = await checked(
    `file, ${label}`,
    () => measureFileTransfer(source, oneByte, netsim, timeoutMs),
  );
  console.error(`  ${formatOutcome(file, describeFile(source.bytes))}`);
  console.error(`files: transport, ${label}, ${size}`);
  const path: PathSpec = { label, netsim, transferBytes: source.bytes };
  const watch = new MemoryWatch();
  watch.watchChild("sender", /mochi_peer\.ts --role sender/);
  watch.watchChild("receiver", /mochi_peer\.ts --role receiver/);
  const context = { certificateFile: "", privateKeyFile: "", runTimeoutMs: timeoutMs };
  const goodput = await attempt(
    `transport, ${label}`,
    () => measureGoodput("mochi", path, context),
  );
  const transportPeaks = await watch.stop();
  const transport = map(goodput, (result) => result.megabytesPerSecond);
  console.error(`  ${formatOutcome(transport, (rate) => `${formatNumber(rate)} MB/s`)}`);
  return { label, file, transport, transportPeaks };
}

const rate = (bytes: number, seconds: number) => bytes / seconds / MEGABYTE;
const megabytes = (value: number | null) => value === null ? "n/a" : formatNumber(value / MEGABYTE);

function describeFile(bytes: number) {
  return (result: FileTransferResult) =>
    `${formatNumber(rate(bytes, result.file.totalSeconds))} MB/s end to end ` +
    `(${formatNumber(result.file.totalSeconds)} s; upload ${
      formatNumber(result.file.uploadSeconds)
    } s; 1-byte file ${formatNumber(result.oneByte.totalSeconds)} s)`;
}

function goodputRow(
  path: PathResults,
  bytes: number,
  tcp: Outcome<TcpCopyResult> | null,
  targets: TargetCheck[],
): string[] {
  const fileRate = map(path.file, (result) => rate(bytes, result.file.totalSeconds));
  const fileOverTransport = fileRate.ok && path.transport.ok && path.transport.value > 0
    ? fileRate.value / path.transport.value
    : null;
  const met = fileOverTransport === null ? null : fileOverTransport >= Target.fileOverTransport;
  targets.push({
    description: `goodput ${path.label}: file at least ${Target.fileOverTransport}x the transport`,
    measured: formatRatio(fileOverTransport),
    met,
  });
  const tcpCell = tcp === null ? "n/a (netsim relays UDP only)" : formatOutcome(
    tcp,
    (result) =>
      `${formatNumber(rate(bytes, result.totalSeconds))} (${formatNumber(result.totalSeconds)} s)`,
  );
  return [
    `goodput, ${path.label}, ${bytes / MEBIBYTE} MiB, sender start to receiver exit (MB/s)`,
    formatOutcome(
      fileRate,
      (value) => `${formatNumber(value)} (${formatNumber(bytes / MEGABYTE / value)} s)`,
    ),
    formatOutcome(path.transport, formatNumber),
    tcpCell,
    formatRatio(fileOverTransport),
    `>= ${Target.fileOverTransport}x: ${targetVerdict(met)}`,
  ];
}

/** The upload alone, then the download alone: each hop against the transport's one hop. */
function hopRows(path: PathResults, bytes: number, targets: TargetCheck[]): string[][] {
  const hops = [
    ["upload alone (send-file, nobody receiving)", "uploadSeconds"],
    ["download alone (recv-file ID of the stored file)", "downloadSeconds"],
  ] as const;
  return hops.map(([what, key]) => {
    const hopRate = map(
      path.file,
      (result) => result.hops === null ? NaN : rate(bytes, result.hops[key]),
    );
    const ratio = hopRate.ok && path.transport.ok && Number.isFinite(hopRate.value)
      ? hopRate.value / path.transport.value
      : null;
    const met = ratio === null ? null : ratio >= Target.fileOverTransport;
    targets.push({
      description: `${what}, ${path.label}: at least ${Target.fileOverTransport}x the transport`,
      measured: formatRatio(ratio),
      met,
    });
    return [
      `${what}, ${path.label}, ${bytes / MEBIBYTE} MiB, start to exit (MB/s)`,
      formatOutcome(
        hopRate,
        (value) => `${formatNumber(value)} (${formatNumber(bytes / MEGABYTE / value)} s)`,
      ),
      formatOutcome(path.transport, formatNumber),
      "n/a",
      formatRatio(ratio),
      `>= ${Target.fileOverTransport}x: ${targetVerdict(met)}`,
    ];
  });
}

function uploadRow(path: PathResults, bytes: number): string[] {
  const uploadRate = map(path.file, (result) => rate(bytes, result.file.uploadSeconds));
  return [
    `upload only, ${path.label}, with the receiver following: sender start to send-file exit (MB/s)`,
    formatOutcome(
      uploadRate,
      (value) => `${formatNumber(value)} (${formatNumber(bytes / MEGABYTE / value)} s)`,
    ),
    formatOutcome(path.transport, formatNumber),
    "n/a",
    formatRatio(
      uploadRate.ok && path.transport.ok ? uploadRate.value / path.transport.value : null,
    ),
    "none",
  ];
}

function fixedCostRow(direct: PathResults, netsim: PathResults): string[] {
  const cost = (path: PathResults) =>
    formatOutcome(path.file, (result) => formatNumber(result.oneByte.totalSeconds));
  return [
    "1-byte file, sender start to receiver exit, direct / netsim (s)",
    `${cost(direct)} / ${cost(netsim)}`,
    "n/a",
    "n/a",
    "n/a",
    "none",
  ];
}

function memoryRows(
  file: Outcome<FileTransferResult>,
  transportPeaks: PeakRss,
  tcpPeaks: PeakRss,
  bytes: number,
  targets: TargetCheck[],
): string[][] {
  const limit = `${Target.memoryGrowthBytes / MEGABYTE} MB`;
  return (["server", "sender", "receiver"] as const).map((process: FileProcess) => {
    const growth = map(file, (result) => {
      const peak = result.peakRss[process];
      const base = result.oneBytePeakRss[process];
      return { peak, growth: peak === null || base === null ? null : peak - base };
    });
    const measured = growth.ok ? growth.value.growth : null;
    const met = measured === null ? null : measured <= Target.memoryGrowthBytes;
    targets.push({
      description: `${process} memory: peak RSS during the direct ${
        bytes / MEBIBYTE
      } MiB transfer at most ${limit} above the 1-byte transfer's`,
      measured: measured === null ? "not measured" : `+${megabytes(measured)} MB`,
      met,
    });
    const peer = process === "server" ? null : process;
    return [
      `peak RSS of the ${process}, direct ${bytes / MEBIBYTE} MiB (MB)`,
      formatOutcome(
        growth,
        (value) => `${megabytes(value.peak)} (+${megabytes(value.growth)} over the 1-byte file)`,
      ),
      peer === null ? "n/a (no server)" : megabytes(transportPeaks[peer] ?? null),
      peer === null ? "n/a (no server)" : megabytes(tcpPeaks[peer] ?? null),
      "n/a",
      `growth <= ${limit}: ${targetVerdict(met)}`,
    ];
  });
}

/** "client->upstream: 398842 received, 4004 dropped; ..." from the relay's counter table. */
function summarizeRelay(lines: string[]): string {
  const directions = lines.flatMap((line) => {
    const match = line.match(/^\s*(\S+->\S+)\s+(\d+)\s+\d+\s+(\d+)/);
    return match === null ? [] : [`${match[1]}: ${match[2]} datagrams, ${match[3]} dropped`];
  });
  return directions.length === 0 ? "none printed" : directions.join("; ");
}

function sectionNotes(
  options: BenchOptions,
  bytes: number,
  direct: PathResults,
  netsim: PathResults,
): string[] {
  const netsimMemory = formatOutcome(
    netsim.file,
    (result) =>
      (["server", "sender", "receiver"] as const).map((process) =>
        `${process} ${megabytes(result.peakRss[process])} MB`
      ).join(", "),
  );
  const relay = formatOutcome(netsim.file, (result) => summarizeRelay(result.relayCounters));
  const notes = [
    "One run of each measurement on one machine; numbers vary from run to run.",
    `Processes, all on the machine's ${processorCount()} cores: mochi file rows run a fresh ` +
    "`mochi server` (`deno run --allow-all main.ts server --host 127.0.0.1 --port 0 --data " +
    "<temporary directory>`), and `mochi send-file` / `mochi recv-file` as a user runs them " +
    "(`deno run` with the permissions of `deno task mochi`, MOCHI_HOME, MOCHI_PASSWORD and " +
    "MOCHI_ROOM_PASSWORD in the environment, accounts ada and bob registered beforehand with " +
    "`mochi client --register`). `recv-file --from ada -o DIR` starts first and waits for the " +
    "offer; then `send-file`, whose upload the server relays to the waiting download as it " +
    "arrives. Through netsim (`mochi netsim --loss 1 --delay 5 --seed 7`, delay one-way, " +
    `so ${ROUND_TRIP_MS} ms round trip, the transport section's impairments) both the sender ` +
    "and the receiver go through the one relay process: the file crosses the impaired path " +
    "twice (up and down, pipelined), the transport row once.",
    `Goodput: ${bytes / MEBIBYTE} MiB (2^20 bytes) of random data, in MB/s (10^6 bytes per ` +
    "second). The mochi file time runs from the sender's start to the receiver's exit 0 " +
    "(process start-up, handshakes, logins and the final SHA-256 checks included; the " +
    "1-byte-file row is that fixed cost). The harness then checks that the received file " +
    "has the source's size and SHA-256 (so does recv-file itself). Upload only: to " +
    "send-file's exit, once the server holds the file verified.",
    "transport: mochi's transport alone (scripts/bench/mochi_peer.ts, the transport " +
    "section's peers: default TransportConfig, 64 KiB messages), moving the same number of " +
    "bytes over the same path in the same run, timed at the receiver from the first byte to " +
    "the last (handshake excluded), so the ratio is slightly unfavourable to the file.",
    "TCP: scripts/bench/tcp_copy_peer.ts, a receiver process (`Deno.listen`, socket to file) " +
    "and a sender process (`Deno.connect`, file to socket), timed like the mochi file, from " +
    "the sender's start to the receiver's exit; unencrypted. netsim relays UDP only: no TCP " +
    "row through it.",
    "Memory: VmRSS and VmHWM of each process from /proc every 100 ms (a peak in a " +
    "process's last 100 ms can be missed). The growth is the peak during the big file's " +
    "transfer minus the same process's peak during the 1-byte transfer just before it (the " +
    "server: its peak by then), i.e. what moving the file added beyond the runtime, the " +
    "loaded CLI and the login. transport and TCP columns: peak RSS of the transport and TCP " +
    "peers during their direct runs, for scale (smaller programs than the CLI).",
    `Peak RSS through netsim: ${netsimMemory}.`,
    `The relay's counters in the mochi file's netsim run (1-byte and big file): ${relay}.`,
  ];
  if (direct.file.ok) {
    const result = direct.file.value;
    const dataSeconds = result.file.totalSeconds - result.oneByte.totalSeconds;
    notes.push(
      `Direct, without the fixed cost (time minus the 1-byte file's): ${
        formatNumber(rate(bytes, dataSeconds))
      } MB/s.`,
    );
  }
  if (options.quick) notes.unshift("QUICK MODE: workloads divided by 8; not for publication.");
  return notes;
}
