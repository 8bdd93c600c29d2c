/**
 * Handshake rate: one server process and one or more load-generator
 * processes, for mochi (src/transport/udp.ts: Retry, then Noise NX in
 * Initial/Accept) or Deno's built-in QUIC (TLS 1.3).
 *
 *   server:    --role server --protocol mochi|quic --start-at T --window-ms W --exit-at X
 *              [--cert-file F --key-file F]
 *              prints READY {port}; accepts every connection and lets the peer close it;
 *              samples its handshake count and its CPU time at T and at T + W, then
 *              prints RESULT {handshakes, cpuMs, elapsedMs, counters, firstError} and
 *              keeps serving until stopped
 *   generator: --role generator --protocol mochi|quic --host H --port P --concurrency C
 *              --start-at T --window-ms W --exit-at X [--cert-file F]
 *              prints READY {loadStartedAt, localPort}; C workers each loop "connect,
 *              then close" until T + W; prints RESULT {completed, failed, cpuMs,
 *              connectMs, firstError, drained} for the connects that completed (or
 *              failed) inside [T, T + W), then exits
 *
 * T, W and X are wall-clock milliseconds (every process reads the same clock).
 * Every process exits by itself at X whatever happens, so none outlives its run.
 *
 * mochi: each generator has one client endpoint; every connection on it is a
 * new one (fresh connection id, fresh ephemeral key), so every handshake is a
 * full one: Initial, Retry, Initial with the token, Accept; then `close()`
 * (Close, CloseAck). QUIC: `Deno.connectQuic` on a fresh endpoint for every
 * connection, because Deno keeps a TLS session cache per endpoint and would
 * otherwise resume sessions; then `close()` (one CONNECTION_CLOSE). Run QUIC
 * generators with `--v8-flags=--expose-gc` (see QUIC_ENDPOINTS_PER_COLLECTION).
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { UdpEndpoint } from "../../src/transport/udp.ts";
import { CERTIFICATE_SERVER_NAME } from "./cert.ts";
import {
  announce,
  Announcement,
  numberOption,
  QUIC_ALPN_PROTOCOL,
  stringOption,
  wallClockMs,
} from "./peer_protocol.ts";

/** How long generators wait for connects still in flight at the end of the window. */
const DRAIN_MS = 2_000;

/** Close code meaning "benchmark finished normally". */
const CLOSE_CODE_DONE = 0;

/**
 * A closed QUIC endpoint keeps its socket until V8 collects it, so without
 * help a generator holds thousands of sockets and can run out of file
 * descriptors; it collects garbage after this many endpoints (it is run with
 * `--expose-gc`).
 */
const QUIC_ENDPOINTS_PER_COLLECTION = 256;

/** When the measurement runs, in wall-clock milliseconds. */
interface Schedule {
  startAt: number;
  windowMs: number;
  exitAt: number;
}

/** A running server: how many handshakes it has completed, and extra counters. */
interface HandshakeServer {
  port: number;
  handshakes(): number;
  /** Counters that only grow (their growth over the window is reported). */
  counters(): Record<string, number>;
  /** The first error the server saw, or "". */
  firstError(): string;
}

/** Process CPU time (user + system, every thread) in milliseconds. */
function cpuTimeMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function sleepUntil(wallClock: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, wallClock - wallClockMs())));
}

/** Exits the process at `exitAt` even if something hangs; does not keep it alive. */
function armExitTimer(exitAt: number): void {
  const timer = setTimeout(() => {
    console.error("handshake peer: exit deadline reached");
    Deno.exit(3);
  }, Math.max(0, exitAt - wallClockMs()));
  Deno.unrefTimer(timer);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function startMochiServer(): HandshakeServer {
  const endpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0, accept: true });
  (async () => {
    // Taking each connection off the accept queue is all the application does;
    // the endpoint answers the client's Close by itself.
    while (await endpoint.accept() !== null) {
      // Nothing to do with it.
    }
  })();
  return {
    port: endpoint.address.port,
    handshakes: () => endpoint.counters().connectionsAccepted,
    counters: () => {
      const { connectionsAccepted: _, connections: __, ...growing } = endpoint.counters();
      return growing;
    },
    firstError: () => "",
  };
}

function startQuicServer(certificatePem: string, privateKeyPem: string): HandshakeServer {
  const endpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = endpoint.listen({
    alpnProtocols: [QUIC_ALPN_PROTOCOL],
    cert: certificatePem,
    key: privateKeyPem,
  });
  let accepted = 0;
  let failed = 0;
  let firstError = "";
  (async () => {
    for await (const incoming of listener) {
      // Not awaited: handshakes proceed concurrently, as they do in quinn.
      incoming.accept<false>().then(
        (connection) => {
          accepted++;
          connection.closed.catch(() => {});
        },
        (error) => {
          failed++;
          if (firstError === "") firstError = errorMessage(error);
        },
      );
    }
  })();
  return {
    port: endpoint.addr.port,
    handshakes: () => accepted,
    counters: () => ({ acceptFailures: failed }),
    firstError: () => firstError,
  };
}

async function runServer(server: HandshakeServer, schedule: Schedule): Promise<void> {
  announce(Announcement.ready, { port: server.port });
  await sleepUntil(schedule.startAt);
  const sample = () => ({ at: wallClockMs(), cpuMs: cpuTimeMs(), handshakes: server.handshakes() });
  const before = sample();
  const countersBefore = server.counters();
  await sleepUntil(schedule.startAt + schedule.windowMs);
  const after = sample();
  const countersAfter = server.counters();
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(countersAfter)) {
    counters[name] = value - (countersBefore[name] ?? 0);
  }
  announce(Announcement.result, {
    handshakes: after.handshakes - before.handshakes,
    cpuMs: after.cpuMs - before.cpuMs,
    elapsedMs: after.at - before.at,
    lateStartMs: before.at - schedule.startAt,
    counters,
    firstError: server.firstError(),
  });
  // Keep serving (generators close their last connections) until stopped or exitAt.
  await new Promise(() => {});
}

/** Opens one connection; resolves once it is connected, with its closing under way. */
type Connector = () => Promise<{ closed: Promise<void> }>;

/** How a generator opens connections, and the port of its socket if it has one. */
interface Load {
  connect: Connector;
  shutdown: () => Promise<void>;
  /** The one local UDP port all connections use, or null (a socket per connection). */
  localPort: number | null;
}

function mochiConnector(hostname: string, port: number): Load {
  const endpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0 });
  return {
    connect: async () => {
      const connection = await endpoint.connect({ hostname, port });
      return { closed: connection.close("handshake benchmark").then(() => {}) };
    },
    shutdown: () => endpoint.close(),
    localPort: endpoint.address.port,
  };
}

function quicConnector(hostname: string, port: number, certificatePem: string): Load {
  const endpoints = new Set<Deno.QuicEndpoint>();
  const collectGarbage = (globalThis as { gc?: () => void }).gc;
  let closedSinceCollection = 0;
  return {
    connect: async () => {
      const connection = await Deno.connectQuic({
        hostname,
        port,
        serverName: CERTIFICATE_SERVER_NAME,
        alpnProtocols: [QUIC_ALPN_PROTOCOL],
        caCerts: [certificatePem],
      });
      const endpoint = connection.endpoint;
      endpoints.add(endpoint);
      connection.close({ closeCode: CLOSE_CODE_DONE, reason: "handshake benchmark" });
      const closed = connection.closed.then(() => {}, () => {}).finally(() => {
        endpoint.close();
        endpoints.delete(endpoint);
        if (++closedSinceCollection >= QUIC_ENDPOINTS_PER_COLLECTION) {
          closedSinceCollection = 0;
          collectGarbage?.();
        }
      });
      return { closed };
    },
    shutdown: () => {
      for (const endpoint of endpoints) endpoint.close();
      endpoints.clear();
      return Promise.resolve();
    },
    localPort: null,
  };
}

async function runGenerator(
  connector: Load,
  concurrency: number,
  schedule: Schedule,
): Promise<void> {
  const stopAt = schedule.startAt + schedule.windowMs;
  const inWindow = (at: number) => at >= schedule.startAt && at < stopAt;
  const connectMs: number[] = [];
  let completed = 0;
  let failed = 0;
  let failedOutsideWindow = 0;
  let firstError = "";
  const worker = async () => {
    while (wallClockMs() < stopAt) {
      const begunAt = wallClockMs();
      try {
        const { closed } = await connector.connect();
        const connectedAt = wallClockMs();
        if (inWindow(connectedAt)) {
          completed++;
          connectMs.push(Math.round((connectedAt - begunAt) * 100) / 100);
        }
        await closed;
      } catch (error) {
        if (inWindow(wallClockMs())) failed++;
        else failedOutsideWindow++;
        if (firstError === "") firstError = errorMessage(error);
      }
    }
  };
  let cpuAtStart = cpuTimeMs();
  let cpuAtStop = cpuAtStart;
  sleepUntil(schedule.startAt).then(() => cpuAtStart = cpuTimeMs());
  sleepUntil(stopAt).then(() => cpuAtStop = cpuTimeMs());
  const loadStartedAt = wallClockMs();
  const workers = Array.from({ length: concurrency }, worker);
  announce(Announcement.ready, { loadStartedAt, localPort: connector.localPort });
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  const drained = await Promise.race([
    Promise.all(workers).then(() => true),
    sleepUntil(stopAt).then(() =>
      new Promise<boolean>((resolve) => drainTimer = setTimeout(() => resolve(false), DRAIN_MS))
    ),
  ]);
  clearTimeout(drainTimer);
  announce(Announcement.result, {
    completed,
    failed,
    failedOutsideWindow,
    firstError,
    drained,
    cpuMs: cpuAtStop - cpuAtStart,
    connectMs,
  });
  await connector.shutdown();
  Deno.exit(0);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      role: { type: "string" },
      protocol: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      concurrency: { type: "string", default: "64" },
      "start-at": { type: "string" },
      "window-ms": { type: "string" },
      "exit-at": { type: "string" },
      "cert-file": { type: "string" },
      "key-file": { type: "string" },
    },
  });
  const schedule: Schedule = {
    startAt: numberOption(values, "start-at"),
    windowMs: numberOption(values, "window-ms"),
    exitAt: numberOption(values, "exit-at"),
  };
  armExitTimer(schedule.exitAt);
  const protocol = stringOption(values, "protocol");
  if (protocol !== "mochi" && protocol !== "quic") {
    throw new Error("--protocol must be mochi or quic");
  }
  const certificatePem = protocol === "quic"
    ? await Deno.readTextFile(stringOption(values, "cert-file"))
    : "";
  if (values.role === "server") {
    const server = protocol === "mochi" ? startMochiServer() : startQuicServer(
      certificatePem,
      await Deno.readTextFile(stringOption(values, "key-file")),
    );
    await runServer(server, schedule);
  } else if (values.role === "generator") {
    const hostname = stringOption(values, "host");
    const port = numberOption(values, "port");
    const connector = protocol === "mochi"
      ? mochiConnector(hostname, port)
      : quicConnector(hostname, port, certificatePem);
    await runGenerator(connector, numberOption(values, "concurrency"), schedule);
  } else {
    throw new Error("--role must be server or generator");
  }
}
