/**
 * The transport-era client: joins the relay room under a name, sends each
 * line of input as a message, prints each room event as one line (text or
 * JSON), and at the end of input waits until the server has acknowledged
 * everything before it leaves. Accounts, the room password and the
 * full-screen interface come with the chat-room and UI issues.
 *
 * @module
 */

import { ConnectionLost } from "../errors.ts";
import type { TransportConfig } from "../transport/config.ts";
import { type UdpConnection, UdpEndpoint } from "../transport/udp.ts";
import { decodeFrame } from "../server/relay_room.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import { verifyServer, type VerifyServerOptions } from "./trust.ts";

/** What the line client needs. */
export interface LineClientOptions {
  server: { hostname: string; port: number };
  name: string;
  json: boolean;
  config?: Partial<TransportConfig>;
  /** Lines to send; the client leaves when they end. */
  input: ReadableStream<Uint8Array>;
  /** Where each room event goes, one line each. */
  print: (line: string) => void;
  /** How to check the server's identity against the pinned one (required: no path may skip it). */
  trust: VerifyServerOptions;
}

/** Runs the session; rejects with ConnectionLost if the server cannot be reached or vanishes. */
export async function runLineClient(options: LineClientOptions): Promise<void> {
  const { server } = options;
  const endpoint = UdpEndpoint.bind({
    hostname: server.hostname.includes(":") ? "::" : "0.0.0.0",
    port: 0,
    config: options.config,
  });
  try {
    const connection = await endpoint.connect(server);
    // Nothing but handshake bytes has been sent: refuse here if the key is wrong.
    await verifyServer(connection, options.trust);
    await sendFrame(connection, { type: "hello", name: options.name });
    const printing = printEvents(connection, options);
    for await (const line of readLines(options.input)) {
      await sendFrame(connection, { type: "say", text: line });
    }
    const info = await connection.close("end of input");
    await printing;
    if (info.initiator !== "local") {
      throw new ConnectionLost(`Cannot deliver everything: ${info.reason}`);
    }
  } finally {
    await endpoint.close();
  }
}

async function printEvents(connection: UdpConnection, options: LineClientOptions): Promise<void> {
  for (let bytes = await connection.receive(); bytes; bytes = await connection.receive()) {
    const frame = decodeFrame(bytes);
    if (frame === null) continue;
    if (options.json) {
      options.print(JSON.stringify(frame));
    } else if (frame.type === "message") {
      const time = typeof frame.time === "string" ? new Date(frame.time) : new Date();
      const clock = time.toTimeString().slice(0, 8);
      options.print(`[${clock}] ${sanitizeForTerminal(`${frame.from}: ${frame.text}`)}`);
    } else if (frame.type === "notice") {
      options.print(`* ${sanitizeForTerminal(String(frame.text))}`);
    }
  }
}

function sendFrame(connection: UdpConnection, frame: Record<string, unknown>): Promise<void> {
  return connection.send(new TextEncoder().encode(JSON.stringify(frame)));
}

/** The input's lines without their line endings; a last line without one counts too. */
async function* readLines(input: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of input.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) yield line.replace(/\r$/, "");
  }
  if (pending !== "") yield pending;
}
