/**
 * The transport-era room: every line a member sends is stamped with a room
 * sequence number, printed on the server console and forwarded, in that one
 * order, to every other member. There are no accounts or passwords yet (the
 * chat-room issue adds them, and replaces this frame format with the typed
 * protocol in src/protocol/): it exists so the transport can be used and
 * demonstrated end to end, through `mochi netsim` too.
 *
 * Frames are UTF-8 JSON objects, one per transport message:
 * client -> server `{"type":"hello","name":"ada"}` then `{"type":"say","text":"hi"}`;
 * server -> client `{"type":"message","seq":1,"from":"ada","text":"hi","time":"..."}`
 * and `{"type":"notice","text":"ada joined"}`.
 *
 * @module
 */

import type { UdpConnection, UdpEndpoint } from "../transport/udp.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";

/** Longest text a member may send, in bytes. */
export const MAX_TEXT_BYTES = 4096;
const NAME_PATTERN = /^[\p{L}\p{N}_.-]{1,32}$/u;

/** One line of the server's console. */
export type LogLine = (line: string) => void;

interface Member {
  name: string;
  connection: UdpConnection;
}

/** Serves members of one room on `endpoint` until it closes. */
export class RelayRoom {
  readonly #members = new Set<Member>();
  readonly #log: LogLine;
  #sequence = 0;

  /** A room that reports to `log`. */
  constructor(log: LogLine) {
    this.#log = log;
  }

  /** Accepts connections until the endpoint closes. */
  async serve(endpoint: UdpEndpoint): Promise<void> {
    for (
      let connection = await endpoint.accept();
      connection;
      connection = await endpoint.accept()
    ) {
      this.#serveMember(connection).catch((error) => this.#log(`member error: ${error}`));
    }
  }

  /** Members connected now. */
  get memberCount(): number {
    return this.#members.size;
  }

  async #serveMember(connection: UdpConnection): Promise<void> {
    const address = `${connection.peer.hostname}:${connection.peer.port}`;
    const hello = decodeFrame(await connection.receive());
    const name = typeof hello?.name === "string" ? hello.name.normalize("NFKC") : "";
    if (hello?.type !== "hello" || !NAME_PATTERN.test(name)) {
      await this.#send(connection, {
        type: "notice",
        text: "Cannot join: send a valid name first",
      });
      await connection.close("bad hello");
      return;
    }
    const member: Member = { name, connection };
    this.#members.add(member);
    this.#log(`${timestamp()} ${name} joined from ${address}`);
    this.#broadcast({ type: "notice", text: `${name} joined` }, member);
    try {
      for (let bytes = await connection.receive(); bytes; bytes = await connection.receive()) {
        const frame = decodeFrame(bytes);
        if (frame?.type !== "say" || typeof frame.text !== "string") {
          await this.#send(connection, { type: "notice", text: "Cannot send: malformed frame" });
          continue;
        }
        const text = frame.text;
        if (new TextEncoder().encode(text).length > MAX_TEXT_BYTES) {
          await this.#send(connection, {
            type: "notice",
            text: `Cannot send: message longer than ${MAX_TEXT_BYTES} bytes`,
          });
          continue;
        }
        const time = new Date().toISOString();
        const seq = ++this.#sequence;
        this.#log(`${timestamp()} #${seq} ${name}: ${sanitizeForTerminal(text)}`);
        this.#broadcast({ type: "message", seq, from: name, text, time }, member);
      }
    } finally {
      this.#members.delete(member);
      this.#log(`${timestamp()} ${name} left`);
      this.#broadcast({ type: "notice", text: `${name} left` }, member);
    }
  }

  #broadcast(frame: Record<string, unknown>, except: Member): void {
    for (const member of this.#members) {
      if (member !== except) this.#send(member.connection, frame).catch(() => {});
    }
  }

  async #send(connection: UdpConnection, frame: Record<string, unknown>): Promise<void> {
    await connection.send(new TextEncoder().encode(JSON.stringify(frame)));
  }
}

/** Parses a frame; null for anything that is not a JSON object in valid UTF-8. */
export function decodeFrame(bytes: Uint8Array | null): Record<string, unknown> | null {
  if (bytes === null) return null;
  try {
    const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function timestamp(): string {
  return new Date().toTimeString().slice(0, 8);
}
