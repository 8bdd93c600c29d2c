/**
 * Deno's built-in QUIC (quinn underneath, unstable-net) as a benchmark peer.
 *
 *   receiver: --role receiver --workload bulk|latency --bytes N --count C
 *             --cert-file F --key-file F
 *             prints READY {port}, then RESULT {bytes, seconds} (bulk) or
 *             RESULT {oneWayMs} (latency)
 *   sender:   --role sender --workload bulk|latency --bytes N --count C
 *             --host H --port P --cert-file F
 *             prints RESULT {bytes, seconds} (bulk) or RESULT {roundTripMs} (latency)
 *
 * Bulk: one unidirectional stream, written in 64 KiB pieces; the receiver's
 * clock runs from the first byte to the last. Latency: one bidirectional
 * stream carrying 100-byte probes (see latency_workload.ts). Congestion
 * control is quinn's default.
 */

import { parseArgs } from "node:util";
import { CERTIFICATE_SERVER_NAME } from "./cert.ts";
import { echoProbes, FixedSizeStreamChannel, sendProbes } from "./latency_workload.ts";
import {
  announce,
  Announcement,
  BULK_MESSAGE_BYTES,
  LATENCY_MESSAGE_BYTES,
  numberOption,
  QUIC_ALPN_PROTOCOL,
  stringOption,
} from "./peer_protocol.ts";

/** Close code meaning "benchmark finished normally". */
const CLOSE_CODE_DONE = 0;

/** Options shared by both roles. */
interface PeerOptions {
  workload: string;
  totalBytes: number;
  count: number;
  certificatePem: string;
}

/** Reads the next stream the peer opens from `streams`. */
async function firstStream<T>(streams: ReadableStream<T>): Promise<T> {
  const reader = streams.getReader();
  const { value, done } = await reader.read();
  reader.releaseLock();
  if (done) throw new Error("connection closed before the peer opened a stream");
  return value;
}

/** Accepts one connection and runs the receiving half of the workload. */
async function runReceiver(options: PeerOptions, privateKeyPem: string): Promise<void> {
  const endpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = endpoint.listen({
    alpnProtocols: [QUIC_ALPN_PROTOCOL],
    cert: options.certificatePem,
    key: privateKeyPem,
  });
  announce(Announcement.ready, { port: endpoint.addr.port });
  const connection = await listener.accept();
  if (options.workload === "bulk") {
    const stream = await firstStream(connection.incomingUnidirectionalStreams);
    let bytes = 0;
    let firstAt = 0;
    for await (const chunk of stream) {
      if (bytes === 0) firstAt = performance.now();
      bytes += chunk.length;
    }
    const seconds = (performance.now() - firstAt) / 1000;
    announce(Announcement.result, { bytes, seconds });
    connection.close({ closeCode: CLOSE_CODE_DONE, reason: "received everything" });
  } else {
    const stream = await firstStream(connection.incomingBidirectionalStreams);
    const channel = new FixedSizeStreamChannel(
      stream.readable,
      stream.writable,
      LATENCY_MESSAGE_BYTES,
    );
    const oneWayMs = await echoProbes(channel, options.count);
    announce(Announcement.result, { oneWayMs });
    await connection.closed;
  }
  endpoint.close();
}

/** Connects and runs the sending half of the workload. */
async function runSender(options: PeerOptions, hostname: string, port: number): Promise<void> {
  const connection = await Deno.connectQuic({
    hostname,
    port,
    serverName: CERTIFICATE_SERVER_NAME,
    alpnProtocols: [QUIC_ALPN_PROTOCOL],
    caCerts: [options.certificatePem],
  });
  if (options.workload === "bulk") {
    const stream = await connection.createUnidirectionalStream();
    const writer = stream.getWriter();
    const piece = new Uint8Array(BULK_MESSAGE_BYTES).fill(0x6d);
    const startedAt = performance.now();
    for (let offset = 0; offset < options.totalBytes; offset += piece.length) {
      const length = Math.min(piece.length, options.totalBytes - offset);
      await writer.write(length === piece.length ? piece : piece.subarray(0, length));
    }
    await writer.close();
    await connection.closed; // the receiver closes once it has every byte
    const seconds = (performance.now() - startedAt) / 1000;
    announce(Announcement.result, { bytes: options.totalBytes, seconds });
  } else {
    const stream = await connection.createBidirectionalStream();
    const channel = new FixedSizeStreamChannel(
      stream.readable,
      stream.writable,
      LATENCY_MESSAGE_BYTES,
    );
    const roundTripMs = await sendProbes(channel, options.count);
    announce(Announcement.result, { roundTripMs });
    connection.close({ closeCode: CLOSE_CODE_DONE, reason: "probes done" });
  }
  connection.endpoint.close();
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
      "cert-file": { type: "string" },
      "key-file": { type: "string" },
    },
  });
  const options: PeerOptions = {
    workload: stringOption(values, "workload"),
    totalBytes: numberOption(values, "bytes"),
    count: numberOption(values, "count"),
    certificatePem: await Deno.readTextFile(stringOption(values, "cert-file")),
  };
  if (values.role === "receiver") {
    await runReceiver(options, await Deno.readTextFile(stringOption(values, "key-file")));
  } else if (values.role === "sender") {
    await runSender(options, stringOption(values, "host"), numberOption(values, "port"));
  } else {
    throw new Error("--role must be receiver or sender");
  }
}
