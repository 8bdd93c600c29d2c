/**
 * Welcome (server -> client, type 0x81): the answer to Hello. Its first two
 * fields never change between protocol versions (see Hello).
 *
 * @module
 */

import type { Reader, Writer } from "../buffer.ts";
import { bool, optional, u16 } from "../codec.ts";
import { serverNameField } from "../fields.ts";

const optionalServerName = optional(serverNameField);

/** Greets the client: the server's version, whether Register is accepted, its name. */
export interface Welcome {
  /** Discriminant. */
  readonly type: "welcome";
  /** The server's protocol version; a client that does not speak it stops here. */
  readonly protocolVersion: number;
  /** Whether Register may succeed (false: only existing accounts can log in). */
  readonly registrationOpen: boolean;
  /** The server's display name, 1 to 128 bytes of UTF-8, if the operator set one. */
  readonly serverName?: string;
}

/** Writes a Welcome's fields (after the type byte). */
export function encodeWelcome(writer: Writer, frame: Welcome): void {
  u16.encode(writer, frame.protocolVersion, "protocolVersion");
  bool.encode(writer, frame.registrationOpen, "registrationOpen");
  optionalServerName.encode(writer, frame.serverName, "serverName");
}

/** Reads a Welcome's fields (after the type byte). */
export function decodeWelcome(reader: Reader): Welcome {
  const protocolVersion = u16.decode(reader, "protocolVersion");
  const registrationOpen = bool.decode(reader, "registrationOpen");
  const serverName = optionalServerName.decode(reader, "serverName");
  return serverName === undefined
    ? { type: "welcome", protocolVersion, registrationOpen }
    : { type: "welcome", protocolVersion, registrationOpen, serverName };
}
