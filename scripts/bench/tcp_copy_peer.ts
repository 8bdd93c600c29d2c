/**
 * The user's alternative to `mochi send-file` on one machine: copy a file
 * over one TCP connection (`Deno.listen` / `Deno.connect`), file to socket
 * on one side and socket to file on the other.
 *
 *   receiver: --role receiver --output PATH
 *             prints READY {port}, accepts one connection, writes what it
 *             reads to PATH until the sender closes, then RESULT {bytes, seconds}
 *             (seconds from the first byte to the last, file closed)
 *   sender:   --role sender --port P --input PATH
 *             streams PATH into the connection and closes it
 */

import { parseArgs } from "node:util";
import { announce, Announcement, numberOption, stringOption } from "./peer_protocol.ts";

/** Accepts one connection and writes everything it carries to `output`. */
async function runReceiver(output: string): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  announce(Announcement.ready, { port: (listener.addr as Deno.NetAddr).port });
  const connection = await listener.accept();
  listener.close();
  const file = await Deno.open(output, { write: true, create: true, truncate: true });
  let bytes = 0;
  let firstAt = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (bytes === 0) firstAt = performance.now();
      bytes += chunk.length;
      controller.enqueue(chunk);
    },
  });
  // pipeTo closes both the connection's readable side and the file.
  await connection.readable.pipeThrough(counter).pipeTo(file.writable);
  const seconds = (performance.now() - firstAt) / 1000;
  announce(Announcement.result, { bytes, seconds });
}

/** Streams `input` into a connection to 127.0.0.1:`port`. */
async function runSender(input: string, port: number): Promise<void> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const file = await Deno.open(input, { read: true });
  // pipeTo closes the file and the connection's writable side (FIN) at the end.
  await file.readable.pipeTo(connection.writable);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      role: { type: "string" },
      output: { type: "string" },
      input: { type: "string" },
      port: { type: "string" },
    },
  });
  if (values.role === "receiver") {
    await runReceiver(stringOption(values, "output"));
  } else if (values.role === "sender") {
    await runSender(stringOption(values, "input"), numberOption(values, "port"));
  } else {
    throw new Error("--role must be receiver or sender");
  }
}
