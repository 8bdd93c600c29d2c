/**
 * A load generator of the room benchmark: many protocol-level chat clients in
 * one process, on a few UDP endpoints, against a real `mochi server`.
 *
 *   --host H --port P        the server
 *   --first F --count C      this generator's clients: global indexes F .. F + C - 1,
 *                            accounts bench{F+1} .. (scripts/bench/room_protocol.ts)
 *   --members M              clients in the whole room (all generators): spreads the
 *                            send times of the room's clients evenly over each second
 *   --clients-per-endpoint E clients sharing one UdpEndpoint (one UDP socket)
 *   --join-concurrency J     clients of this generator joining at once
 *   --room-password W        the room password the server was started with
 *   --schedule-file S        where the harness writes the schedule once all have joined
 *   --exit-at X              wall-clock ms: the process exits then, whatever happens
 *
 * Each client: connect, Hello -> Welcome, Register -> AuthResult (a new
 * account: a PBKDF2 hash on the server), JoinRoom -> JoinResult (the room
 * password: another hash). A `rateLimited` answer (the server's hash pool is
 * full) is retried after its retryAfterMs. Once every client has joined (or
 * failed to) the generator prints READY {joined, failed, joinMs, localPorts,
 * firstError} and polls for the schedule file. From loadAt until stopAt each
 * client sends one Say per second, at its own phase of the second, whose text
 * carries its wall-clock send time; every RoomMessage received is counted,
 * and for messages sent inside [startAt, stopAt) the end-to-end latency
 * (receive time minus send time, one machine clock) goes into a histogram;
 * so does the age of every message received early and late in the window.
 * At reportAt it prints RESULT (see {@link GeneratorResult}) and exits.
 */

import process from "node:process";
import { parseArgs } from "node:util";
import {
  type ClientFrame,
  decodeServerFrame,
  encodeFrame,
  messageId,
  PROTOCOL_VERSION,
  type ServerFrame,
} from "../../src/protocol/mod.ts";
import { type UdpConnection, UdpEndpoint } from "../../src/transport/udp.ts";
import {
  announce,
  Announcement,
  numberOption,
  stringOption,
  wallClockMs,
} from "./peer_protocol.ts";
import {
  clientName,
  LatencyHistogram,
  messageText,
  readSchedule,
  type RoomSchedule,
  sentAtOf,
} from "./room_protocol.ts";

/** Every benchmark account's password. */
const ACCOUNT_PASSWORD = "bench-account-password";
/** How often the generator looks for the schedule file. */
const SCHEDULE_POLL_MS = 50;
/** A send that leaves this much after its planned time counts as late. */
const LATE_SEND_MS = 100;
/** Joins between two progress lines on stderr. */
const PROGRESS_EVERY = 50;

/** What a generator reports (RESULT) at reportAt. */
export interface GeneratorResult {
  /** Says sent with a send time inside the window. */
  sentInWindow: number;
  /** Says sent more than LATE_SEND_MS after their planned time (the generator fell behind). */
  lateSends: number;
  /** RoomMessages received inside the window (any send time): the delivery rate. */
  deliveriesInWindow: number;
  /** RoomMessages of the window's messages received by stopAt, and by reportAt. */
  windowMessagesByStop: number;
  windowMessagesByReport: number;
  /** End-to-end latency of the window's messages received by reportAt (histogram JSON). */
  latency: Record<string, number>;
  /**
   * Age (receive time minus send time) of the RoomMessages received in the
   * first and in the last tenth of the window, whenever they were sent: how
   * far behind the room was at the start and at the end.
   */
  ageFirstTenth: Record<string, number>;
  ageLastTenth: Record<string, number>;
  /** Sender's view: Delivered acknowledgements of the window's messages, and their latency. */
  acknowledged: number;
  ackLatency: Record<string, number>;
  /** RoomMessages received per second, from loadAt to reportAt. */
  deliveriesPerSecond: number[];
  /** ErrorFrames by code, SessionEnded frames, `left` presences seen, failed sends. */
  errors: Record<string, number>;
  sessionsEnded: number;
  leftPresences: number;
  sendFailures: number;
  /** Connections that closed after joining, and when the first did (ms after startAt). */
  disconnected: number;
  /** How those connections ended ("<initiator> close, <reason>") and how many of each. */
  disconnectReasons: Record<string, number>;
  firstDisconnectMs: number | null;
  firstError: string;
  /** CPU time (user + system, every thread) over the window, and the wall time it covers. */
  cpuMs: number;
  cpuWallMs: number;
}

interface Options {
  hostname: string;
  port: number;
  first: number;
  count: number;
  members: number;
  clientsPerEndpoint: number;
  joinConcurrency: number;
  roomPassword: string;
  scheduleFile: string;
  exitAt: number;
}

/** Setup frames a joining client waits for, in order. */
type SetupFrame = ServerFrame & { type: "welcome" | "authResult" | "joinResult" };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function cpuTimeMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Exits the process at `exitAt` even if something hangs; does not keep it alive. */
function armExitTimer(exitAt: number): void {
  const timer = setTimeout(() => {
    console.error("room generator: exit deadline reached");
    Deno.exit(3);
  }, Math.max(0, exitAt - wallClockMs()));
  Deno.unrefTimer(timer);
}

/** Everything the generator counts; one instance shared by its clients. */
class Tally {
  schedule: RoomSchedule | null = null;
  joined = false;
  sentInWindow = 0;
  lateSends = 0;
  deliveriesInWindow = 0;
  windowMessagesByStop = 0;
  windowMessagesByReport = 0;
  readonly latency = new LatencyHistogram();
  readonly ageFirstTenth = new LatencyHistogram();
  readonly ageLastTenth = new LatencyHistogram();
  acknowledged = 0;
  readonly ackLatency = new LatencyHistogram();
  readonly deliveriesPerSecond: number[] = [];
  readonly errors: Record<string, number> = {};
  sessionsEnded = 0;
  leftPresences = 0;
  sendFailures = 0;
  disconnected = 0;
  readonly disconnectReasons: Record<string, number> = {};
  firstDisconnectAt: number | null = null;
  firstError = "";

  noteError(message: string): void {
    if (this.firstError === "") this.firstError = message;
  }

  /** A RoomMessage arrived now. */
  delivery(text: string): void {
    const schedule = this.schedule;
    if (schedule === null) return;
    const receivedAt = wallClockMs();
    const second = Math.floor((receivedAt - schedule.loadAt) / 1000);
    if (second >= 0) {
      while (this.deliveriesPerSecond.length <= second) this.deliveriesPerSecond.push(0);
      this.deliveriesPerSecond[second]!++;
    }
    const sentAt = sentAtOf(text);
    const latency = receivedAt - sentAt;
    if (receivedAt >= schedule.startAt && receivedAt < schedule.stopAt) {
      this.deliveriesInWindow++;
      const tenth = (schedule.stopAt - schedule.startAt) / 10;
      if (receivedAt < schedule.startAt + tenth) this.ageFirstTenth.add(latency);
      if (receivedAt >= schedule.stopAt - tenth) this.ageLastTenth.add(latency);
    }
    if (!(sentAt >= schedule.startAt && sentAt < schedule.stopAt)) return;
    if (receivedAt >= schedule.reportAt) return;
    this.windowMessagesByReport++;
    if (receivedAt < schedule.stopAt) this.windowMessagesByStop++;
    this.latency.add(latency);
  }

  inWindow(at: number): boolean {
    return this.schedule !== null && at >= this.schedule.startAt && at < this.schedule.stopAt;
  }
}

/** One chat client: a connection, its receive loop, and its setup conversation. */
class BenchClient {
  readonly connection: UdpConnection;
  readonly #tally: Tally;
  #setupFrames: SetupFrame[] = [];
  #setupWaiter: (() => void) | null = null;
  #closedReason: string | null = null;
  /** Send times of the window's Says not yet acknowledged, in order (Delivered comes in order). */
  readonly #unacknowledged: number[] = [];

  constructor(connection: UdpConnection, tally: Tally) {
    this.connection = connection;
    this.#tally = tally;
    this.#receiveLoop().catch((error) => tally.noteError(`receive: ${errorMessage(error)}`));
  }

  send(frame: ClientFrame): void {
    this.connection.send(encodeFrame(frame)).catch((error) => {
      this.#tally.sendFailures++;
      this.#tally.noteError(`send: ${errorMessage(error)}`);
    });
  }

  /** The next setup frame of `type`; throws if the connection ends or the server refuses. */
  async next<T extends SetupFrame["type"]>(type: T): Promise<SetupFrame & { type: T }> {
    for (;;) {
      const frame = this.#setupFrames.shift();
      if (frame !== undefined) {
        if (frame.type !== type) throw new Error(`expected ${type}, got ${frame.type}`);
        return frame as SetupFrame & { type: T };
      }
      if (this.#closedReason !== null) {
        throw new Error(`connection closed while waiting for ${type}: ${this.#closedReason}`);
      }
      await new Promise<void>((resolve) => this.#setupWaiter = resolve);
    }
  }

  /** Sends one Say stamped with the wall clock. */
  say(counter: number, plannedAt: number): void {
    const sentAt = wallClockMs();
    const tally = this.#tally;
    if (sentAt - plannedAt > LATE_SEND_MS) tally.lateSends++;
    if (tally.inWindow(sentAt)) {
      tally.sentInWindow++;
      this.#unacknowledged.push(sentAt);
    } else {
      this.#unacknowledged.push(NaN);
    }
    this.send({
      type: "say",
      messageId: messageId(crypto.getRandomValues(new Uint8Array(16))),
      text: messageText(sentAt, counter),
    });
  }

  #wakeSetup(): void {
    const wake = this.#setupWaiter;
    this.#setupWaiter = null;
    wake?.();
  }

  async #receiveLoop(): Promise<void> {
    const tally = this.#tally;
    for (
      let bytes = await this.connection.receive();
      bytes;
      bytes = await this.connection.receive()
    ) {
      const frame = decodeServerFrame(bytes);
      switch (frame.type) {
        case "roomMessage":
          tally.delivery(frame.text);
          break;
        case "delivered": {
          const sentAt = this.#unacknowledged.shift();
          if (sentAt !== undefined && !Number.isNaN(sentAt)) {
            const at = wallClockMs();
            if (tally.schedule !== null && at < tally.schedule.reportAt) {
              tally.acknowledged++;
              tally.ackLatency.add(at - sentAt);
            }
          }
          break;
        }
        case "presence":
          if (frame.kind === "left" && tally.inWindow(wallClockMs())) tally.leftPresences++;
          break;
        case "welcome":
        case "authResult":
        case "joinResult":
          this.#setupFrames.push(frame);
          this.#wakeSetup();
          break;
        case "error":
          tally.errors[frame.code] = (tally.errors[frame.code] ?? 0) + 1;
          tally.noteError(`server error ${frame.code}: ${frame.message}`);
          break;
        case "sessionEnded":
          tally.sessionsEnded++;
          tally.noteError(`session ended (${frame.reason}): ${frame.message}`);
          break;
        default:
          break;
      }
    }
    const info = await this.connection.closed;
    this.#closedReason = `${info.initiator} close, ${info.reason || "no reason"}`;
    this.#wakeSetup();
    if (tally.joined) {
      tally.disconnected++;
      tally.disconnectReasons[this.#closedReason] =
        (tally.disconnectReasons[this.#closedReason] ?? 0) + 1;
      tally.firstDisconnectAt ??= wallClockMs();
      tally.noteError(`disconnected: ${this.#closedReason}`);
    }
  }
}

/** Connects, registers and joins one client; retries `rateLimited` answers. */
async function joinClient(
  endpoint: UdpEndpoint,
  options: Options,
  index: number,
  tally: Tally,
): Promise<BenchClient> {
  const connection = await endpoint.connect({ hostname: options.hostname, port: options.port });
  const client = new BenchClient(connection, tally);
  client.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await client.next("welcome");
  for (;;) {
    client.send({ type: "register", name: clientName(index), password: ACCOUNT_PASSWORD });
    const result = await client.next("authResult");
    if (result.outcome === "ok") break;
    if (result.outcome !== "rateLimited") {
      throw new Error(`register ${clientName(index)}: ${result.outcome}: ${result.message}`);
    }
    await sleep(result.retryAfterMs);
  }
  for (;;) {
    client.send({ type: "joinRoom", roomPassword: options.roomPassword });
    const result = await client.next("joinResult");
    if (result.outcome === "ok") break;
    if (result.outcome !== "rateLimited") {
      throw new Error(`join ${clientName(index)}: ${result.outcome}: ${result.message}`);
    }
    await sleep(result.retryAfterMs);
  }
  return client;
}

/** Sends one Say per second from `client`, at its phase, from loadAt until stopAt. */
function startSending(client: BenchClient, phaseMs: number, schedule: RoomSchedule): void {
  let counter = 0;
  const next = () => {
    const plannedAt = schedule.loadAt + phaseMs + counter * 1000;
    if (plannedAt >= schedule.stopAt) return;
    setTimeout(() => {
      client.say(counter++, plannedAt);
      next();
    }, Math.max(0, plannedAt - wallClockMs()));
  };
  next();
}

async function run(options: Options): Promise<void> {
  armExitTimer(options.exitAt);
  const tally = new Tally();
  const endpointCount = Math.ceil(options.count / options.clientsPerEndpoint);
  const endpoints = Array.from(
    { length: endpointCount },
    () => UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0 }),
  );
  const clients: Array<{ client: BenchClient; index: number }> = [];
  let nextOffset = 0;
  let failed = 0;
  const joinStartedAt = wallClockMs();
  const worker = async () => {
    while (nextOffset < options.count) {
      const offset = nextOffset++;
      const index = options.first + offset;
      const endpoint = endpoints[Math.floor(offset / options.clientsPerEndpoint)]!;
      try {
        clients.push({ client: await joinClient(endpoint, options, index, tally), index });
        if (clients.length % PROGRESS_EVERY === 0 || clients.length === options.count) {
          console.error(
            `joined ${clients.length}/${options.count} after ` +
              `${((wallClockMs() - joinStartedAt) / 1000).toFixed(1)} s`,
          );
        }
      } catch (error) {
        failed++;
        tally.noteError(`joining ${clientName(index)}: ${errorMessage(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.joinConcurrency }, worker));
  tally.joined = true;
  announce(Announcement.ready, {
    joined: clients.length,
    failed,
    joinMs: wallClockMs() - joinStartedAt,
    localPorts: endpoints.map((endpoint) => endpoint.address.port),
    firstError: tally.firstError,
  });

  let schedule: RoomSchedule | null = null;
  while ((schedule = await readSchedule(options.scheduleFile)) === null) {
    await sleep(SCHEDULE_POLL_MS);
  }
  tally.schedule = schedule;
  for (const { client, index } of clients) {
    startSending(client, (index / options.members) * 1000, schedule);
  }
  let cpuAtStart = cpuTimeMs();
  let wallAtStart = wallClockMs();
  let cpuAtStop = cpuAtStart;
  let wallAtStop = wallAtStart;
  const window = sleep(schedule.startAt - wallClockMs()).then(() => {
    cpuAtStart = cpuTimeMs();
    wallAtStart = wallClockMs();
    return sleep(schedule.stopAt - wallClockMs());
  }).then(() => {
    cpuAtStop = cpuTimeMs();
    wallAtStop = wallClockMs();
  });
  await window;
  await sleep(schedule.reportAt - wallClockMs());
  const result: GeneratorResult = {
    sentInWindow: tally.sentInWindow,
    lateSends: tally.lateSends,
    deliveriesInWindow: tally.deliveriesInWindow,
    windowMessagesByStop: tally.windowMessagesByStop,
    windowMessagesByReport: tally.windowMessagesByReport,
    latency: tally.latency.toJSON(),
    ageFirstTenth: tally.ageFirstTenth.toJSON(),
    ageLastTenth: tally.ageLastTenth.toJSON(),
    acknowledged: tally.acknowledged,
    ackLatency: tally.ackLatency.toJSON(),
    deliveriesPerSecond: tally.deliveriesPerSecond,
    errors: tally.errors,
    sessionsEnded: tally.sessionsEnded,
    leftPresences: tally.leftPresences,
    sendFailures: tally.sendFailures,
    disconnected: tally.disconnected,
    disconnectReasons: tally.disconnectReasons,
    firstDisconnectMs: tally.firstDisconnectAt === null
      ? null
      : tally.firstDisconnectAt - schedule.startAt,
    firstError: tally.firstError,
    cpuMs: cpuAtStop - cpuAtStart,
    cpuWallMs: wallAtStop - wallAtStart,
  };
  announce(Announcement.result, result as unknown as Record<string, unknown>);
  // No goodbyes: the harness stops the server next, and 500 Leaves would only add load.
  Deno.exit(0);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      first: { type: "string" },
      count: { type: "string" },
      members: { type: "string" },
      "clients-per-endpoint": { type: "string" },
      "join-concurrency": { type: "string" },
      "room-password": { type: "string" },
      "schedule-file": { type: "string" },
      "exit-at": { type: "string" },
    },
  });
  await run({
    hostname: stringOption(values, "host"),
    port: numberOption(values, "port"),
    first: numberOption(values, "first"),
    count: numberOption(values, "count"),
    members: numberOption(values, "members"),
    clientsPerEndpoint: numberOption(values, "clients-per-endpoint"),
    joinConcurrency: numberOption(values, "join-concurrency"),
    roomPassword: stringOption(values, "room-password"),
    scheduleFile: stringOption(values, "schedule-file"),
    exitAt: numberOption(values, "exit-at"),
  });
}
