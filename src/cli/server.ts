/**
 * `mochi server`: hosts the chat room. This file declares the command and its
 * help; {@link runServer} is where the server starts (written on top of the
 * transport).
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { parseHost, parsePort } from "./_address.ts";
import { commanderParser } from "./_commander.ts";
import { defaultServerDataDirectory } from "./_data_dirs.ts";
import { fail, writeStdoutSync } from "./_fail.ts";
import { RelayRoom } from "../server/relay_room.ts";
import { UdpEndpoint } from "../transport/udp.ts";
import { parseMtu } from "./_numbers.ts";
import { resolveUserPath } from "./_paths.ts";
import { EXIT } from "./exit_codes.ts";

/** The parsed, validated options of `mochi server`. */
export interface ServerOptions {
  /** Address to bind (`0.0.0.0` = every IPv4 interface). */
  host: string;
  /** UDP port to bind. */
  port: number;
  /** Absolute path of the data directory (accounts, history, identity key). */
  dataDirectory: string;
  /** Largest UDP payload to send, in bytes; undefined = the transport's default. */
  mtu: number | undefined;
  /** Absolute path of a file holding the room password, if given. */
  roomPasswordFile: string | undefined;
}

/** Builds the `server` command; its action calls {@link runServer}. */
export function serverCommand(): CommandUnknownOpts {
  return new Command("server")
    .description("Host a chat room on a UDP port.")
    .option("--host <host>", "address to listen on", commanderParser(parseHost), "0.0.0.0")
    .option(
      "--port <port>",
      "UDP port to listen on (0: any free port, printed at start)",
      commanderParser((text) => parsePort(text, { allowPortZero: true })),
      55555,
    )
    .option(
      "--data <dir>",
      "data directory: accounts, history, identity key (default: $XDG_DATA_HOME/mochi/server)",
    )
    .option(
      "--mtu <bytes>",
      "largest UDP datagram to send (default: 1200)",
      commanderParser(parseMtu),
    )
    .option(
      "--room-password-file <file>",
      "read the room password from this file (else MOCHI_ROOM_PASSWORD, else a prompt)",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ mochi server
  $ mochi server --port 6000 --data ./room-data
  $ MOCHI_ROOM_PASSWORD=hunter2 mochi server --host 127.0.0.1`,
    )
    .action((options) =>
      runServer({
        host: options.host,
        port: options.port,
        dataDirectory: options.data === undefined
          ? defaultServerDataDirectory()
          : resolveUserPath(options.data),
        mtu: options.mtu,
        roomPasswordFile: options.roomPasswordFile === undefined
          ? undefined
          : resolveUserPath(options.roomPasswordFile),
      })
    );
}

/**
 * Runs the server until SIGINT/SIGTERM: binds the UDP socket, serves the
 * relay room, and on a signal closes every connection (telling members)
 * before exiting. Accounts, the room password and `--data` storage arrive
 * with the chat-room issue; the data directory is only reported for now.
 */
export async function runServer(options: ServerOptions): Promise<void> {
  let endpoint: UdpEndpoint;
  try {
    endpoint = UdpEndpoint.bind({
      hostname: options.host,
      port: options.port,
      accept: true,
      config: options.mtu === undefined ? {} : { mtu: options.mtu },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    fail(`Cannot listen on ${options.host}:${options.port}: ${reason}`, EXIT.FAILURE);
  }
  const log = (line: string) => writeStdoutSync(`${line}\n`);
  log(
    `mochi server listening on udp ${endpoint.address.hostname}:${endpoint.address.port}` +
      ` (data: ${options.dataDirectory})`,
  );
  const room = new RelayRoom(log);
  const stop = () => {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    log(`stopping: telling ${room.memberCount} member(s)`);
    endpoint.close();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await room.serve(endpoint);
  const counters = endpoint.counters();
  log(
    `stopped; datagrams received ${counters.datagramsReceived}, dropped as corrupt ${counters.droppedCorrupt}`,
  );
}
