/**
 * Raw UDP peer for the ceiling row: the sender blasts 1200-byte datagrams as
 * fast as `send` allows, with no pacing, no acknowledgement and no
 * retransmission; the receiver counts what arrives. Loss is expected, so the
 * result is the goodput of the bytes actually delivered (unreliable).
 *
 *   receiver: --role receiver --bytes N [--idle-ms 500]
 *             prints READY {port}, then RESULT {bytes, datagrams, seconds}
 *   sender:   --role sender --bytes N --host H --port P
 *             prints RESULT {bytes, datagrams, seconds}
 *
 * The receiver's clock runs from the first to the last datagram it received;
 * it stops when every byte has arrived or nothing arrived for `idle-ms`.
 */

import { parseArgs } from "node:util";
import {
  announce,
  Announcement,
  numberOption,
  RAW_DATAGRAM_BYTES,
  stringOption,
} from "./peer_protocol.ts";

/** Default silence after which the receiver decides the blast is over. */
const DEFAULT_IDLE_MS = 500;

/** How often the receiver's watchdog checks for silence. */
const WATCHDOG_INTERVAL_MS = 50;

/** Receives until every byte arrived or the sender has gone quiet; reports counts. */
async function runReceiver(totalBytes: number, idleMs: number): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  announce(Announcement.ready, { port: (socket.addr as Deno.NetAddr).port });
  const buffer = new Uint8Array(RAW_DATAGRAM_BYTES * 2);
  let bytes = 0;
  let datagrams = 0;
  let firstAt = 0;
  let lastAt = 0;
  let closed = false;
  const closeSocket = () => {
    if (closed) return;
    closed = true;
    socket.close();
  };
  const watchdog = setInterval(() => {
    if (datagrams > 0 && performance.now() - lastAt > idleMs) closeSocket();
  }, WATCHDOG_INTERVAL_MS);
  try {
    while (bytes < totalBytes) {
      const [data] = await socket.receive(buffer);
      lastAt = performance.now();
      if (datagrams === 0) firstAt = lastAt;
      datagrams++;
      bytes += data.length;
    }
  } catch (error) {
    if (!closed) throw error;
  } finally {
    clearInterval(watchdog);
    closeSocket();
  }
  announce(Announcement.result, { bytes, datagrams, seconds: (lastAt - firstAt) / 1000 });
}

/** Sends `totalBytes` as back-to-back datagrams to the receiver. */
async function runSender(totalBytes: number, hostname: string, port: number): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const payload = new Uint8Array(RAW_DATAGRAM_BYTES).fill(0x6d);
  const destination: Deno.NetAddr = { transport: "udp", hostname, port };
  const datagrams = Math.ceil(totalBytes / RAW_DATAGRAM_BYTES);
  const startedAt = performance.now();
  for (let index = 0; index < datagrams; index++) {
    const remaining = totalBytes - index * RAW_DATAGRAM_BYTES;
    const datagram = remaining >= RAW_DATAGRAM_BYTES ? payload : payload.subarray(0, remaining);
    await socket.send(datagram, destination);
  }
  const seconds = (performance.now() - startedAt) / 1000;
  socket.close();
  announce(Announcement.result, { bytes: totalBytes, datagrams, seconds });
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      role: { type: "string" },
      workload: { type: "string", default: "bulk" },
      bytes: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "idle-ms": { type: "string", default: String(DEFAULT_IDLE_MS) },
    },
  });
  const totalBytes = numberOption(values, "bytes");
  if (values.workload !== "bulk") throw new Error("raw UDP only runs the bulk workload");
  if (values.role === "receiver") {
    await runReceiver(totalBytes, numberOption(values, "idle-ms"));
  } else if (values.role === "sender") {
    await runSender(totalBytes, stringOption(values, "host"), numberOption(values, "port"));
  } else {
    throw new Error("--role must be receiver or sender");
  }
}
