/**
 * Hello (client -> server, type 0x01): the first frame of every session.
 * Its layout, like Welcome's, never changes between protocol versions, so
 * two peers of different versions can always tell each other so.
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { u16 } from "../codec.ts";

/** Opens a session and states the protocol version the client speaks. */
export interface Hello {
  /** Discriminant. */
  readonly type: "hello";
  /** The client's protocol version (`PROTOCOL_VERSION`). */
  readonly protocolVersion: number;
}

/** Writes a Hello's fields (after the type byte). */
export function encodeHello(writer: Writer, frame: Hello): void {
  u16.encode(writer, frame.protocolVersion, "protocolVersion");
}

/** Reads a Hello's fields (after the type byte). */
export function decodeHello(reader: Reader): Hello {
  return { type: "hello", protocolVersion: u16.decode(reader, "protocolVersion") };
}
