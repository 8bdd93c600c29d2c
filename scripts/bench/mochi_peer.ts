/**
 * mochi's transport (src/transport/udp.ts) as a benchmark peer.
 *
 *   receiver: --role receiver --workload bulk|latency --bytes N --count C
 *             prints READY {port}, then RESULT {bytes, seconds} (bulk) or
 *             RESULT {oneWayMs} (latency)
 *   sender:   --role sender --workload bulk|latency --bytes N --count C --host H --port P
 *             prints RESULT {bytes, seconds, packetsSent, packetsRetransmitted, ...}
 *             (bulk) or RESULT {roundTripMs} (latency)
 *
 * Bulk: 64 KiB messages, each `send` awaited (it waits while the send buffer
 * is full), then `flush` and `close`; the receiver's clock runs from the first
 * byte to the last. Latency: 100-byte probes (see latency_workload.ts).
 * Default TransportConfig on both sides.
 */

import { parseArgs } from "node:util";
import { type UdpConnection, UdpEndpoint } from "../../src/transport/udp.ts";
import { echoProbes, type ProbeChannel, sendProbes } from "./latency_workload.ts";
import {
  announce,
  Announcement,
  BULK_MESSAGE_BYTES,
  numberOption,
  stringOption,
} from "./peer_protocol.ts";

/** Options shared by both roles. */
interface PeerOptions {
  workload: string;
  totalBytes: number;
  count: number;
}

/** A mochi connection seen as a probe channel (it already delivers whole messages). */
function probeChannel(connection: UdpConnection): ProbeChannel {
  return {
    send: (message) => connection.send(message),
    receive: () => connection.receive(),
  };
}

/** Accepts one connection and runs the receiving half of the workload. */
async function runReceiver(options: PeerOptions): Promise<void> {
  const endpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0, accept: true });
  announce(Announcement.ready, { port: endpoint.address.port });
  const connection = await endpoint.accept();
  if (connection === null) throw new Error("endpoint closed before a connection arrived");
  if (options.workload === "bulk") {
    let bytes = 0;
    let firstAt = 0;
    while (bytes < options.totalBytes) {
      const message = await connection.receive();
      if (message === null) break;
      if (bytes === 0) firstAt = performance.now();
      bytes += message.length;
    }
    const seconds = (performance.now() - firstAt) / 1000;
    announce(Announcement.result, { bytes, seconds });
  } else {
    const oneWayMs = await echoProbes(probeChannel(connection), options.count);
    announce(Announcement.result, { oneWayMs });
  }
  // Let the sender finish its graceful close before the endpoint goes away.
  while (await connection.receive() !== null) {
    // Nothing else is expected.
  }
  await endpoint.close();
}

/** Connects and runs the sending half of the workload. */
async function runSender(options: PeerOptions, hostname: string, port: number): Promise<void> {
  const endpoint = UdpEndpoint.bind({ hostname: "127.0.0.1", port: 0 });
  const connection = await endpoint.connect({ hostname, port });
  if (options.workload === "bulk") {
    const startedAt = performance.now();
    for (let offset = 0; offset < options.totalBytes; offset += BULK_MESSAGE_BYTES) {
      const length = Math.min(BULK_MESSAGE_BYTES, options.totalBytes - offset);
      // A fresh message each time: `send` may keep a reference until it is acknowledged.
      await connection.send(new Uint8Array(length).fill(0x6d));
    }
    await connection.flush();
    const seconds = (performance.now() - startedAt) / 1000;
    const stats = connection.stats();
    await connection.close("bulk transfer done");
    announce(Announcement.result, { ...stats, bytes: options.totalBytes, seconds });
  } else {
    const roundTripMs = await sendProbes(probeChannel(connection), options.count);
    await connection.close("probes done");
    announce(Announcement.result, { roundTripMs });
  }
  await endpoint.close();
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      role: { type: "string" },
      workload: { type: "string", default: "bulk" },
      bytes: { type: "string", default: "0" },
      count: { type: "string", default: "0" },
      host: { type: "string" },
      port: { type: "string" },
    },
  });
  const options: PeerOptions = {
    workload: stringOption(values, "workload"),
    totalBytes: numberOption(values, "bytes"),
    count: numberOption(values, "count"),
  };
  if (values.role === "receiver") {
    await runReceiver(options);
  } else if (values.role === "sender") {
    await runSender(options, stringOption(values, "host"), numberOption(values, "port"));
  } else {
    throw new Error("--role must be receiver or sender");
  }
}
