/**
 * The room section of `deno task bench`: a real `mochi server` process with
 * 10, 100 and 500 protocol-level clients on loopback, each sending one
 * message per second, which the room fans out to every other member. It
 * measures deliveries per second at the receivers, end-to-end latency (the
 * sender's wall clock is in the message text), and the server's CPU and
 * memory from /proc, over a fixed window after every client has joined. Each
 * row is its own set of processes (scripts/bench/room_runs.ts).
 */

import { formatNumber, processorCount } from "./bench/format.ts";
import { measureRoom, type RoomResult, type RoomRunSpec } from "./bench/room_runs.ts";
import type { BenchOptions, BenchTable, TargetCheck } from "./bench/table.ts";
import { targetVerdict } from "./bench/table.ts";
import type { LatencyHistogram } from "./bench/room_protocol.ts";

/** Clients in the room, one row each. */
const CLIENT_COUNTS = [10, 100, 500] as const;
/** Each client's rate: one message per second. */
const MESSAGES_PER_CLIENT_PER_SECOND = 1;
/** Rows from this many clients on use two generator processes. */
const TWO_GENERATORS_FROM = 200;
const CLIENTS_PER_ENDPOINT = 50;
/** Clients of one generator registering and joining at once (the server hashes 2 at a time). */
const JOIN_CONCURRENCY = 8;
/** The joining may take this long plus JOIN_BUDGET_PER_CLIENT_MS per client, then: timeout. */
const JOIN_BUDGET_BASE_MS = 15_000;
/** Two PBKDF2 hashes per client, ~80 ms each, two at a time: ~80 ms; 1.9x that. */
const JOIN_BUDGET_PER_CLIENT_MS = 150;
const WINDOW_MS = 20_000;
const WARMUP_MS = 3_000;
const DRAIN_MS = 5_000;
const QUICK_WINDOW_MS = 5_000;
const QUICK_WARMUP_MS = 1_000;
const QUICK_DRAIN_MS = 2_000;
/** The server's --message-rate: far above 1/s, so that the limit never refuses a message. */
const MESSAGE_RATE = "100/1";
const MAX_CLIENTS = 1_000;

/** The targets, checked on the largest room. */
const Target = {
  clients: 500,
  p99LatencyMs: 50,
  /** Share of one core. */
  serverCpu: 1,
  serverRssBytes: 200 * 1000 * 1000,
} as const;

const MEGABYTE = 1000 * 1000;

const COLUMNS = [
  "clients",
  "messages/s sent (taken by the server)",
  "deliveries/s at receivers (% of sent x (clients - 1))",
  "latency p50 / p99 (ms)",
  "server CPU, % of one core (main thread)",
  "server RSS, MB: joined -> end of window (peak in window)",
  "notes",
];

function specFor(clients: number, options: BenchOptions): RoomRunSpec {
  return {
    clients,
    generators: clients >= TWO_GENERATORS_FROM ? 2 : 1,
    clientsPerEndpoint: CLIENTS_PER_ENDPOINT,
    joinConcurrency: JOIN_CONCURRENCY,
    joinBudgetMs: JOIN_BUDGET_BASE_MS + clients * JOIN_BUDGET_PER_CLIENT_MS,
    warmupMs: options.quick ? QUICK_WARMUP_MS : WARMUP_MS,
    windowMs: options.quick ? QUICK_WINDOW_MS : WINDOW_MS,
    drainMs: options.quick ? QUICK_DRAIN_MS : DRAIN_MS,
    messageRate: MESSAGE_RATE,
    maxClients: MAX_CLIENTS,
  };
}

/** Runs the whole section and returns its table. */
export async function roomBenchmark(options: BenchOptions): Promise<BenchTable> {
  const rows: string[][] = [];
  const targets: TargetCheck[] = [];
  let windowMs = WINDOW_MS;
  let drainMs = DRAIN_MS;
  for (const clients of CLIENT_COUNTS) {
    const spec = specFor(clients, options);
    windowMs = spec.windowMs;
    drainMs = spec.drainMs;
    console.error(
      `room: ${clients} clients, ${spec.generators} generator(s), ${spec.windowMs / 1000} s ` +
        `window (joining may take ${spec.joinBudgetMs / 1000} s)`,
    );
    const result = await measureRoom(spec);
    logResult(result, spec);
    rows.push(roomRow(result, spec));
    if (clients === Target.clients) targets.push(...checkTargets(result, spec));
  }
  return {
    title: "Chat room: fan-out to every member",
    columns: COLUMNS,
    rows,
    notes: sectionNotes(options, windowMs, drainMs),
    targets,
  };
}

const seconds = (ms: number) => `${formatNumber(ms / 1000)} s`;
const megabytes = (bytes: number | null) =>
  bytes === null || !Number.isFinite(bytes) ? "n/a" : formatNumber(bytes / MEGABYTE);
/** A percentage with one decimal; a shortfall is rounded down, so it never shows as 100.0. */
function percentOf(part: number, whole: number): string {
  if (whole === 0) return "n/a";
  const percent = 100 * part / whole;
  return `${(part < whole ? Math.floor(percent * 10) / 10 : percent).toFixed(1)} %`;
}

/** The window's messages times the other members: deliveries a perfect room makes. */
function expectedDeliveries(result: RoomResult): number {
  const generators = result.generators;
  if (generators === null || result.joined === null) return 0;
  return generators.sentInWindow * (result.joined - 1);
}

/** A latency percentile of the window's messages; those not arrived count as slowest. */
function latencyPercentile(result: RoomResult, p: number): number {
  const generators = result.generators!;
  const missing = expectedDeliveries(result) - generators.windowMessagesByReport;
  return generators.latency.percentile(p, missing);
}

function formatLatency(ms: number, drainMs: number): string {
  if (Number.isNaN(ms)) return "n/a";
  if (ms === Infinity) return `not delivered ${seconds(drainMs)} after the window`;
  return formatNumber(ms);
}

function formatAge(histogram: LatencyHistogram): string {
  if (histogram.count === 0) return "none received";
  return `p50 ${formatNumber(histogram.percentile(50))} ms, max ${
    formatNumber(histogram.max())
  } ms`;
}

function roomRow(result: RoomResult, spec: RoomRunSpec): string[] {
  const label = `${spec.clients} (${spec.generators} generator${spec.generators === 1 ? "" : "s"})`;
  const server = result.server;
  const serverCpu = server === null
    ? "n/a"
    : `${(100 * server.cpuMs / server.wallMs).toFixed(0)} % (${
      (100 * server.mainThreadCpuMs / server.wallMs).toFixed(0)
    } %)`;
  const memory = server === null
    ? "n/a"
    : `${megabytes(server.rssJoinedBytes)} -> ${megabytes(server.rssEndBytes)} (${
      megabytes(server.rssPeakInWindowBytes)
    })`;
  const generators = result.generators;
  const windowSeconds = spec.windowMs / 1000;
  const taken = result.serverMessagesInWindow === null
    ? ""
    : ` (${formatNumber(result.serverMessagesInWindow / windowSeconds)})`;
  if (generators === null) {
    const reason = result.status === "timeout" ? "timeout" : "error";
    return [label, reason, reason, reason, serverCpu, memory, rowNotes(result, spec).join("; ")];
  }
  const expected = expectedDeliveries(result);
  return [
    label,
    `${formatNumber(generators.sentInWindow / windowSeconds)}${taken}`,
    `${formatNumber(generators.deliveriesInWindow / windowSeconds)} (${
      percentOf(generators.deliveriesInWindow, expected)
    })`,
    `${formatLatency(latencyPercentile(result, 50), spec.drainMs)} / ${
      formatLatency(latencyPercentile(result, 99), spec.drainMs)
    }`,
    serverCpu,
    memory,
    rowNotes(result, spec).join("; "),
  ];
}

function rowNotes(result: RoomResult, spec: RoomRunSpec): string[] {
  const notes: string[] = [];
  if (result.status !== "ok") {
    notes.push(`${result.status.toUpperCase()}: ${result.reason.split("\n")[0]}`);
  }
  if (result.joined !== null) {
    notes.push(
      `${result.joined} of ${spec.clients} joined` +
        (result.joinMs === null ? "" : ` in ${seconds(result.joinMs)}, before the window`),
    );
  }
  const generators = result.generators;
  if (generators !== null) {
    const expected = expectedDeliveries(result);
    notes.push(
      `window's messages delivered by its end ${
        percentOf(generators.windowMessagesByStop, expected)
      }, ${seconds(spec.drainMs)} later ${percentOf(generators.windowMessagesByReport, expected)}`,
    );
    notes.push(
      `backlog at the window's end ${expected - generators.windowMessagesByStop} deliveries`,
    );
    notes.push(
      `age of messages arriving in the window's first tenth: ${
        formatAge(generators.ageFirstTenth)
      }; last tenth: ${formatAge(generators.ageLastTenth)}`,
    );
    notes.push(
      `senders' Delivered for ${percentOf(generators.acknowledged, generators.sentInWindow)}` +
        (generators.ackLatency.count === 0
          ? ""
          : `, p50 ${formatNumber(generators.ackLatency.percentile(50))} ms`),
    );
    if (generators.lateSends > 0) notes.push(`${generators.lateSends} sends late by > 100 ms`);
    const errors = Object.entries(generators.errors).map(([code, count]) => `${code} ${count}`);
    if (errors.length > 0) notes.push(`ErrorFrames: ${errors.join(", ")}`);
    if (generators.disconnected > 0) {
      const reasons = Object.entries(generators.disconnectReasons)
        .sort(([, a], [, b]) => b - a)
        .map(([reason, count]) => `${count} ${reason}`);
      notes.push(
        `${generators.disconnected} clients disconnected, the first ${
          seconds(generators.firstDisconnectMs ?? 0)
        } after the window opened (${reasons.join("; ")})`,
      );
    }
    if (generators.leftPresences > 0) {
      notes.push(`"left" presences received in the window: ${generators.leftPresences}`);
    }
    if (generators.sessionsEnded > 0) notes.push(`${generators.sessionsEnded} SessionEnded`);
    notes.push(
      `generators' CPU ${(100 * generators.cpuMs / generators.cpuWallMs).toFixed(0)} % of a core`,
    );
  }
  if (result.serverSocketDrops !== null) {
    notes.push(
      `kernel drops: server socket ${result.serverSocketDrops}, generators' sockets ${
        result.generatorSocketDrops ?? "n/a"
      }`,
    );
  }
  if (result.machineBusyMs !== null) {
    notes.push(
      `machine busy ${(result.machineBusyMs / spec.windowMs * 100).toFixed(0)} % of one core ` +
        `(of ${processorCount() * 100} %)`,
    );
  }
  notes.push(`row took ${seconds(result.elapsedMs)}`);
  if (spec.clients === Target.clients) {
    notes.push(
      ...checkTargets(result, spec).map((target) =>
        `target ${target.description}: ${targetVerdict(target.met)} (${target.measured})`
      ),
    );
  }
  return notes;
}

function checkTargets(result: RoomResult, spec: RoomRunSpec): TargetCheck[] {
  const generators = result.generators;
  const server = result.server;
  const p99 = generators === null ? NaN : latencyPercentile(result, 99);
  const cpu = server === null ? NaN : server.cpuMs / server.wallMs;
  const rss = server === null ? NaN : server.rssPeakInWindowBytes;
  const label = `${spec.clients} clients`;
  return [
    {
      description: `${label}: p99 end-to-end latency under ${Target.p99LatencyMs} ms`,
      measured: Number.isNaN(p99)
        ? "not measured"
        : p99 === Infinity
        ? formatLatency(p99, spec.drainMs)
        : `${formatLatency(p99, spec.drainMs)} ms`,
      met: Number.isNaN(p99) ? null : p99 < Target.p99LatencyMs,
    },
    {
      description: `${label}: server CPU under one core`,
      measured: Number.isNaN(cpu) ? "not measured" : `${(100 * cpu).toFixed(0)} % of one core`,
      met: Number.isNaN(cpu) ? null : cpu < Target.serverCpu,
    },
    {
      description: `${label}: server memory (RSS, peak in the window) under ${
        Target.serverRssBytes / MEGABYTE
      } MB`,
      measured: Number.isNaN(rss) ? "not measured" : `${megabytes(rss)} MB`,
      met: Number.isNaN(rss) ? null : rss < Target.serverRssBytes,
    },
  ];
}

function logResult(result: RoomResult, spec: RoomRunSpec): void {
  const row = roomRow(result, spec);
  for (const [index, column] of COLUMNS.entries()) console.error(`  ${column}: ${row[index]}`);
  const perSecond = result.generators?.deliveriesPerSecond;
  if (perSecond !== undefined) {
    console.error(`  deliveries per second from the first send: ${perSecond.join(" ")}`);
  }
  if (result.status !== "ok") console.error(`  ${result.status}: ${result.reason}`);
  const console_ = result.serverConsole.split("\n").filter((line) =>
    /^(dropped|stopped|stopping)/.test(line)
  );
  for (const line of console_.slice(-3)) console.error(`  server: ${line}`);
}

function sectionNotes(options: BenchOptions, windowMs: number, drainMs: number): string[] {
  const notes = [
    "One run of each row on one machine; numbers vary from run to run.",
    `Processes: each row is one \`mochi server\` process (\`deno run --allow-all main.ts server ` +
    `--host 127.0.0.1 --port 0 --data <temporary directory> --max-clients ${MAX_CLIENTS} ` +
    `--message-rate ${MESSAGE_RATE}\`, the room password in MOCHI_ROOM_PASSWORD, its console ` +
    "on a pipe read by the harness) and 1 load-generator process (2 from " +
    `${TWO_GENERATORS_FROM} clients; scripts/bench/room_generator.ts), all on the machine's ` +
    `${processorCount()} cores, so the generators' work competes with the server's.`,
    "Clients: protocol-level sessions (`UdpEndpoint.connect`, then `encodeFrame` / " +
    `\`decodeServerFrame\`), ${CLIENTS_PER_ENDPOINT} per UdpEndpoint (one UDP socket). Each ` +
    "does Hello -> Welcome, Register (a new account, bench0001...) -> AuthResult, JoinRoom -> " +
    "JoinResult; a generator joins " +
    `${JOIN_CONCURRENCY} at a time and retries a \`rateLimited\` answer after its ` +
    "retryAfterMs. Registration and the room password each cost the server a PBKDF2 hash " +
    "(600,000 iterations, ~80 ms, at most 2 at once), so joining takes about 0.1 s per client " +
    '(the "joined in" note): it is all done before the load starts and is not part of any ' +
    "measurement.",
    `Load: once every client has joined, each sends ${MESSAGES_PER_CLIENT_PER_SECOND} Say ` +
    "per second (text: its wall-clock send time and a counter, about 20 bytes), the room's " +
    "clients spread evenly over each second; the room sends it to every other member. After a " +
    `warm-up of ${seconds(options.quick ? QUICK_WARMUP_MS : WARMUP_MS)} the ` +
    `${seconds(windowMs)} window opens. The load is never reduced: with N clients the room ` +
    "owes N x (N - 1) deliveries per second (249,500 at 500), whatever the server manages.",
    "messages/s sent: Says the generators sent in the window; taken by the server: room " +
    "sequence numbers its console printed in the window. deliveries/s: RoomMessages the " +
    "receivers got in the window (whenever sent), per second; the percentage is of what a " +
    "perfect room would deliver for the messages sent (sent x (clients - 1)).",
    "Latency: receive time minus the send time in the text (one machine clock), for the " +
    `messages sent in the window, received up to ${seconds(drainMs)} after it; deliveries ` +
    'still missing then count as slower than any: "not delivered" means more than half ' +
    "(p50) or more than 1 % (p99) of them had not arrived by then. Backlog: deliveries of " +
    "the window's messages still missing when it closed. Age: the latency of the messages " +
    "received in the first and the last tenth of the window, whenever sent: its growth is " +
    "the backlog growing. Senders' Delivered: the server's acknowledgement of the window's " +
    `messages by ${seconds(drainMs)} after it (it waits in the sender's queue behind the ` +
    "frames already queued to that member).",
    "Server CPU: utime + stime of the server process (every thread) from /proc/PID/stat at " +
    "the window's edges, as a share of one core; in parentheses the main thread's alone " +
    "(/proc/PID/task/PID/stat: JavaScript runs there; the other threads are V8's background " +
    "threads, garbage collection among them, and Deno's I/O threads). Server RSS: VmRSS " +
    "from /proc/PID/status when every client had joined, at the window's end, and the " +
    "largest of the readings taken every second in the window. Machine busy: /proc/stat " +
    "over the window, every process included.",
    "Kernel drops: growth over the window of the drop counter in /proc/net/udp (a socket's " +
    "receive buffer was full); a dropped packet costs its connection a go-back-N " +
    "retransmission.",
  ];
  if (options.quick) {
    notes.unshift(
      `QUICK MODE: ${seconds(windowMs)} windows; not for publication.`,
    );
  }
  return notes;
}
