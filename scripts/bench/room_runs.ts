/**
 * One room measurement: a temporary data directory, a real `mochi server`
 * process (room_server.ts), then the load-generator processes
 * (room_generator.ts). The generators register and join every client first
 * (two PBKDF2 hashes each on the server: the account, then the room
 * password), outside any measurement; once all have joined the harness
 * writes the schedule (a warm-up, the window, a drain) and reads the server's
 * CPU time and memory from /proc over the window, while the generators count
 * deliveries and latencies. Every phase has a deadline; a phase that misses
 * it ends the run as a timeout that keeps whatever was measured. Every
 * process is stopped and the directory removed, whatever happened.
 */

import { readProcFile } from "./handshake_runs.ts";
import { Announcement, wallClockMs } from "./peer_protocol.ts";
import { type PeerProcess, TimeoutError } from "./process.ts";
import type { GeneratorResult } from "./room_generator.ts";
import { LatencyHistogram, type RoomSchedule, writeSchedule } from "./room_protocol.ts";
import { type ProcessSample, RoomServer } from "./room_server.ts";
import { RunProcesses } from "./transport_runs.ts";

const GENERATOR_SCRIPT = "scripts/bench/room_generator.ts";

/** Time allowed for the server to start and print its port. */
const SERVER_START_MS = 15_000;
/** Between writing the schedule and the first sends (generators poll for it). */
const SCHEDULE_LEAD_MS = 1_000;
/** How often the server's memory is read during the window. */
const SAMPLE_EVERY_MS = 1_000;
/** A generator may report this long after reportAt before the run is a timeout. */
const RESULT_MARGIN_MS = 10_000;
/** Generators exit by themselves this long after the harness's last deadline. */
const PEER_EXIT_MARGIN_MS = 5_000;

/** What one run measures. */
export interface RoomRunSpec {
  /** Clients in the room. */
  clients: number;
  /** Load-generator processes; the clients are split evenly. */
  generators: number;
  /** Clients sharing one UDP socket in a generator. */
  clientsPerEndpoint: number;
  /** Clients of one generator joining at once. */
  joinConcurrency: number;
  /** Longest the joining may take, from the server's start. */
  joinBudgetMs: number;
  warmupMs: number;
  windowMs: number;
  /** After the window: how long the window's last messages get to arrive. */
  drainMs: number;
  /** The server's `--message-rate`. */
  messageRate: string;
  /** The server's `--max-clients`. */
  maxClients: number;
}

/** The generators' counts, summed. */
export interface GeneratorTotals {
  sentInWindow: number;
  lateSends: number;
  deliveriesInWindow: number;
  windowMessagesByStop: number;
  windowMessagesByReport: number;
  latency: LatencyHistogram;
  ageFirstTenth: LatencyHistogram;
  ageLastTenth: LatencyHistogram;
  acknowledged: number;
  ackLatency: LatencyHistogram;
  /** Deliveries per second from loadAt, summed over generators. */
  deliveriesPerSecond: number[];
  errors: Record<string, number>;
  sessionsEnded: number;
  leftPresences: number;
  sendFailures: number;
  disconnected: number;
  disconnectReasons: Record<string, number>;
  firstDisconnectMs: number | null;
  firstError: string;
  /** CPU time over the window, summed, and the longest wall time any generator saw. */
  cpuMs: number;
  cpuWallMs: number;
}

/** The server's CPU and memory over the window, from /proc. */
export interface ServerWindow {
  /** CPU time of every thread over the window, and of the main (JavaScript) thread alone. */
  cpuMs: number;
  mainThreadCpuMs: number;
  wallMs: number;
  /** RSS when every client had joined, before the load. */
  rssJoinedBytes: number | null;
  /** RSS at the end of the window, and the largest reading during it. */
  rssEndBytes: number;
  rssPeakInWindowBytes: number;
  /** VmHWM at the end of the window: the peak since the process started. */
  peakRssBytes: number;
}

/** What a run measured; `status` says whether it ran to its end. */
export interface RoomResult {
  status: "ok" | "timeout" | "error";
  /** From the server's start to the last process stopped. */
  elapsedMs: number;
  /** Why the run stopped early ("" when it did not). */
  reason: string;
  clients: number;
  /** Clients that joined (null if the generators never said). */
  joined: number | null;
  /** Slowest generator's joining time. */
  joinMs: number | null;
  schedule: RoomSchedule | null;
  generators: GeneratorTotals | null;
  server: ServerWindow | null;
  /** Messages the server took in the window (room sequence numbers its console printed). */
  serverMessagesInWindow: number | null;
  /** Datagrams the kernel dropped in the window: server socket, generators' sockets. */
  serverSocketDrops: number | null;
  generatorSocketDrops: number | null;
  /** CPU time the whole machine was busy over the window (/proc/stat). */
  machineBusyMs: number | null;
  /** Console lines of the server that are not messages, and its stderr. */
  serverConsole: string;
}

/** Linux's USER_HZ: /proc/stat counts in hundredths of a second. */
const PROC_STAT_TICK_MS = 10;

/** CPU time the machine spent busy (every "cpu" field but idle and iowait), in ms. */
async function machineBusyMs(): Promise<number | null> {
  const text = await readProcFile("/proc/stat");
  const fields = text?.split("\n").find((line) => line.startsWith("cpu "))?.trim().split(/\s+/);
  const ticks = fields?.slice(1, 9).map(Number);
  if (ticks === undefined || ticks.length < 8 || !ticks.every(Number.isFinite)) return null;
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = ticks as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * PROC_STAT_TICK_MS;
}

/** Kernel drop counters (last column of /proc/net/udp) summed over the sockets on `ports`. */
async function socketDrops(ports: number[]): Promise<number | null> {
  const text = await readProcFile("/proc/net/udp", "/proc/net/udp6");
  if (text === null || ports.length === 0) return null;
  const wanted = new Set(ports);
  let drops = 0;
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const port = Number.parseInt(fields[1]?.split(":")[1] ?? "", 16);
    const dropped = Number(fields[fields.length - 1]);
    if (wanted.has(port) && Number.isFinite(dropped)) drops += dropped;
  }
  return drops;
}

function sleepUntil(wallClock: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, wallClock - wallClockMs())));
}

function histogram(json: unknown): LatencyHistogram {
  const result = new LatencyHistogram();
  result.merge(json as Record<string, number>);
  return result;
}

function sumGenerators(results: GeneratorResult[]): GeneratorTotals {
  const sum = (pick: (result: GeneratorResult) => number) =>
    results.reduce((total, result) => total + pick(result), 0);
  const merged = (pick: (result: GeneratorResult) => Record<string, number>) => {
    const all = new LatencyHistogram();
    for (const result of results) all.merge(pick(result));
    return all;
  };
  const perSecond: number[] = [];
  const errors: Record<string, number> = {};
  const disconnectReasons: Record<string, number> = {};
  for (const result of results) {
    for (const [reason, count] of Object.entries(result.disconnectReasons)) {
      disconnectReasons[reason] = (disconnectReasons[reason] ?? 0) + count;
    }
    result.deliveriesPerSecond.forEach((count, second) => {
      perSecond[second] = (perSecond[second] ?? 0) + count;
    });
    for (const [code, count] of Object.entries(result.errors)) {
      errors[code] = (errors[code] ?? 0) + count;
    }
  }
  const disconnects = results.map((result) => result.firstDisconnectMs)
    .filter((ms): ms is number => ms !== null);
  return {
    sentInWindow: sum((result) => result.sentInWindow),
    lateSends: sum((result) => result.lateSends),
    deliveriesInWindow: sum((result) => result.deliveriesInWindow),
    windowMessagesByStop: sum((result) => result.windowMessagesByStop),
    windowMessagesByReport: sum((result) => result.windowMessagesByReport),
    latency: merged((result) => result.latency),
    ageFirstTenth: merged((result) => result.ageFirstTenth),
    ageLastTenth: merged((result) => result.ageLastTenth),
    acknowledged: sum((result) => result.acknowledged),
    ackLatency: merged((result) => result.ackLatency),
    deliveriesPerSecond: Array.from(perSecond, (count) => count ?? 0),
    errors,
    sessionsEnded: sum((result) => result.sessionsEnded),
    leftPresences: sum((result) => result.leftPresences),
    sendFailures: sum((result) => result.sendFailures),
    disconnected: sum((result) => result.disconnected),
    disconnectReasons,
    firstDisconnectMs: disconnects.length === 0 ? null : Math.min(...disconnects),
    firstError: results.map((result) => result.firstError).find((error) => error !== "") ?? "",
    cpuMs: sum((result) => result.cpuMs),
    cpuWallMs: Math.max(...results.map((result) => result.cpuWallMs)),
  };
}

/** Clients that each generator had joined according to its last progress line. */
function joinProgress(generators: PeerProcess[]): number {
  let joined = 0;
  for (const generator of generators) {
    const lines = [...generator.stderrText().matchAll(/^joined (\d+)\//gm)];
    joined += Number(lines.at(-1)?.[1] ?? 0);
  }
  return joined;
}

/** Splits `clients` into `parts` nearly equal counts. */
function split(clients: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, index) => Math.floor(clients / parts) + (index < clients % parts ? 1 : 0),
  );
}

/** Runs one server and its generators; returns what was measured, even when cut short. */
export async function measureRoom(spec: RoomRunSpec): Promise<RoomResult> {
  const startedAt = wallClockMs();
  const joinDeadline = startedAt + spec.joinBudgetMs;
  const lastDeadline = joinDeadline + SCHEDULE_LEAD_MS + spec.warmupMs + spec.windowMs +
    spec.drainMs + RESULT_MARGIN_MS;
  const result: RoomResult = {
    status: "ok",
    elapsedMs: 0,
    reason: "",
    clients: spec.clients,
    joined: null,
    joinMs: null,
    schedule: null,
    generators: null,
    server: null,
    serverMessagesInWindow: null,
    serverSocketDrops: null,
    generatorSocketDrops: null,
    machineBusyMs: null,
    serverConsole: "",
  };
  const directory = await Deno.makeTempDir({ prefix: "mochi-bench-room-" });
  const roomPassword = `bench-room-${crypto.randomUUID()}`;
  const processes = new RunProcesses();
  const generators: PeerProcess[] = [];
  let server: RoomServer | null = null;
  let windowDone: Promise<void> = Promise.resolve();
  try {
    server = RoomServer.start({
      dataDirectory: `${directory}/data`,
      roomPassword,
      maxClients: spec.maxClients,
      messageRate: spec.messageRate,
    });
    const port = await server.port(Math.min(joinDeadline, startedAt + SERVER_START_MS));
    const scheduleFile = `${directory}/schedule.json`;
    let first = 0;
    for (const [index, count] of split(spec.clients, spec.generators).entries()) {
      generators.push(processes.spawn(`room generator ${index + 1}`, GENERATOR_SCRIPT, [
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--first",
        String(first),
        "--count",
        String(count),
        "--members",
        String(spec.clients),
        "--clients-per-endpoint",
        String(spec.clientsPerEndpoint),
        "--join-concurrency",
        String(spec.joinConcurrency),
        "--room-password",
        roomPassword,
        "--schedule-file",
        scheduleFile,
        "--exit-at",
        String(lastDeadline + PEER_EXIT_MARGIN_MS),
      ]));
      first += count;
    }
    let ready: Array<Record<string, unknown>>;
    try {
      ready = await Promise.all(
        generators.map((generator) => generator.announcement(Announcement.ready, joinDeadline)),
      );
    } catch (error) {
      if (error instanceof TimeoutError) result.joined = joinProgress(generators);
      throw error;
    }
    result.joined = ready.reduce((total, payload) => total + Number(payload.joined), 0);
    result.joinMs = Math.max(...ready.map((payload) => Number(payload.joinMs)));
    const joinErrors = ready.map((payload) => String(payload.firstError ?? ""))
      .filter((message) => message !== "");
    if (result.joined < 2) {
      throw new Error(`only ${result.joined} client(s) joined: ${joinErrors[0] ?? "no error"}`);
    }
    const joinedSample = await server.sample();
    const loadAt = wallClockMs() + SCHEDULE_LEAD_MS;
    const schedule: RoomSchedule = {
      loadAt,
      startAt: loadAt + spec.warmupMs,
      stopAt: loadAt + spec.warmupMs + spec.windowMs,
      reportAt: loadAt + spec.warmupMs + spec.windowMs + spec.drainMs,
    };
    result.schedule = schedule;
    await writeSchedule(scheduleFile, schedule);
    const generatorPorts = ready.flatMap((payload) => payload.localPorts as number[]);
    windowDone = watchWindow(server, schedule, port, generatorPorts, joinedSample, result)
      .catch((error) => console.error(`  watching the window failed: ${error}`));
    const reports = await Promise.all(
      generators.map((generator) =>
        generator.announcement(Announcement.result, schedule.reportAt + RESULT_MARGIN_MS)
      ),
    );
    result.generators = sumGenerators(reports.map(parseGeneratorResult));
  } catch (error) {
    result.status = error instanceof TimeoutError ? "timeout" : "error";
    result.reason = error instanceof Error ? error.message : String(error);
  } finally {
    await windowDone;
    await processes.stopAll();
    if (server !== null) {
      await server.stop();
      result.serverConsole = server.consoleTail();
    }
    await Deno.remove(directory, { recursive: true });
  }
  result.elapsedMs = wallClockMs() - startedAt;
  return result;
}

/** Reads the server and the sockets at the window's edges, and its memory during it. */
async function watchWindow(
  server: RoomServer,
  schedule: RoomSchedule,
  serverPort: number,
  generatorPorts: number[],
  joinedSample: ProcessSample | null,
  result: RoomResult,
): Promise<void> {
  const edge = () =>
    Promise.all([
      server.sample(),
      socketDrops([serverPort]),
      socketDrops(generatorPorts),
      machineBusyMs(),
    ]);
  await sleepUntil(schedule.startAt);
  const [start, serverDropsBefore, generatorDropsBefore, busyBefore] = await edge();
  let peakInWindow = start?.rssBytes ?? 0;
  for (let at = schedule.startAt + SAMPLE_EVERY_MS; at < schedule.stopAt; at += SAMPLE_EVERY_MS) {
    await sleepUntil(at);
    peakInWindow = Math.max(peakInWindow, (await server.sample())?.rssBytes ?? 0);
  }
  await sleepUntil(schedule.stopAt);
  const [end, serverDropsAfter, generatorDropsAfter, busyAfter] = await edge();
  const growth = (before: number | null, after: number | null) =>
    before === null || after === null ? null : after - before;
  if (start !== null && end !== null) {
    result.server = {
      cpuMs: end.cpuMs - start.cpuMs,
      mainThreadCpuMs: end.mainThreadCpuMs - start.mainThreadCpuMs,
      wallMs: end.at - start.at,
      rssJoinedBytes: joinedSample?.rssBytes ?? null,
      rssEndBytes: end.rssBytes,
      rssPeakInWindowBytes: Math.max(peakInWindow, end.rssBytes),
      peakRssBytes: end.peakRssBytes,
    };
  }
  result.serverSocketDrops = growth(serverDropsBefore, serverDropsAfter);
  result.generatorSocketDrops = growth(generatorDropsBefore, generatorDropsAfter);
  result.machineBusyMs = growth(busyBefore, busyAfter);
  result.serverMessagesInWindow = server.sequenceAt(schedule.stopAt) -
    server.sequenceAt(schedule.startAt);
}

function parseGeneratorResult(payload: Record<string, unknown>): GeneratorResult {
  const result = payload as unknown as GeneratorResult;
  for (const name of ["latency", "ageFirstTenth", "ageLastTenth", "ackLatency"] as const) {
    histogram(result[name]); // Throws on a malformed histogram.
  }
  if (!Array.isArray(result.deliveriesPerSecond)) throw new Error("bad generator RESULT");
  return result;
}
