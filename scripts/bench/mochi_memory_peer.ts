/**
 * Memory per idle mochi connection. Run with `--v8-flags=--expose-gc`.
 *
 *   server: --role server --count N
 *           binds one accepting endpoint, prints READY {port}, accepts N
 *           connections, waits, then prints RESULT {heapBytes, rssBytes}
 *   client: --role client --count N --host H --port P
 *           opens N connections from one endpoint, waits, then prints
 *           RESULT {heapBytes, rssBytes}
 *
 * Each side measures its own growth from just before the first connection to
 * SETTLE_MS after the last, after forcing garbage collection: heapBytes is
 * heapUsed + external (what JavaScript holds), rssBytes the resident set.
 * Both then keep their connections open, idle, until the harness stops them.
 */

import { parseArgs } from "node:util";
import { type UdpConnection, UdpEndpoint } from "../../src/transport/udp.ts";
import { announce, Announcement, numberOption, stringOption } from "./peer_protocol.ts";

/** Idle time after the last connection before measuring (keepalives are 5 s apart). */
const SETTLE_MS = 2_000;

/** How often the process wakes while it waits to be stopped. */
const IDLE_TICK_MS = 1_000;

/** Memory the process holds now, after collecting garbage. */
interface MemorySample {
  heapBytes: number;
  rssBytes: number;
}

function sampleMemory(): MemorySample {
  const collectGarbage = (globalThis as { gc?: () => void }).gc;
  if (collectGarbage === undefined) throw new Error("run with --v8-flags=--expose-gc");
  collectGarbage();
  collectGarbage();
  const usage = Deno.memoryUsage();
  return { heapBytes: usage.heapUsed + usage.external, rssBytes: usage.rss };
}

/** Reports growth since `before`, then holds the connections until stopped. */
async function reportAndHold(before: MemorySample, connections: UdpConnection[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const after = sampleMemory();
  announce(Announcement.result, {
    connections: connections.length,
    heapBytes: after.heapBytes - before.heapBytes,
    rssBytes: after.rssBytes - before.rssBytes,
  });
  setInterval(() => connections.length, IDLE_TICK_MS); // stay alive, holding every connection
  await new Promise(() => {});
}

async function runServer(count: number): Promise<void> {
  const endpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0, accept: true });
  const before = sampleMemory();
  announce(Announcement.ready, { port: endpoint.address.port });
  const connections: UdpConnection[] = [];
  while (connections.length < count) {
    const connection = await endpoint.accept();
    if (connection === null) throw new Error("endpoint closed while accepting");
    connections.push(connection);
  }
  await reportAndHold(before, connections);
}

async function runClient(count: number, hostname: string, port: number): Promise<void> {
  const endpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0 });
  const before = sampleMemory();
  const connections: UdpConnection[] = [];
  while (connections.length < count) {
    connections.push(await endpoint.connect({ hostname, port }));
  }
  await reportAndHold(before, connections);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      role: { type: "string" },
      count: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
    },
  });
  const count = numberOption(values, "count");
  if (values.role === "server") {
    await runServer(count);
  } else if (values.role === "client") {
    await runClient(count, stringOption(values, "host"), numberOption(values, "port"));
  } else {
    throw new Error("--role must be server or client");
  }
}
