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
import { formatDropReport, startDropReports } from "../server/drop_report.ts";
import { RelayRoom } from "../server/relay_room.ts";
import {
  loadOrCreateServerIdentity,
  loadServerIdentity,
  openServerKv,
  type ServerIdentity,
  ServerIdentityCorrupt,
  serverKvPath,
} from "../server/identity.ts";
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

const DATA_OPTION_HELP =
  "data directory: accounts, history, identity key (default: $XDG_DATA_HOME/mochi/server)";

function dataDirectory(data: string | undefined): string {
  return data === undefined ? defaultServerDataDirectory() : resolveUserPath(data);
}

/**
 * Builds the `server` command; its action calls {@link runServer}, its
 * `fingerprint` subcommand {@link runServerFingerprint}.
 */
export function serverCommand(): CommandUnknownOpts {
  const server = new Command("server")
    .description("Host a chat room on a UDP port.")
    // `mochi server fingerprint --data D`: options after the subcommand's name are its own.
    .enablePositionalOptions()
    .option("--host <host>", "address to listen on", commanderParser(parseHost), "0.0.0.0")
    .option(
      "--port <port>",
      "UDP port to listen on (0: any free port, printed at start)",
      commanderParser((text) => parsePort(text, { allowPortZero: true })),
      55555,
    )
    .option("--data <dir>", DATA_OPTION_HELP)
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
  $ mochi server fingerprint --data ./room-data
  $ MOCHI_ROOM_PASSWORD=hunter2 mochi server --host 127.0.0.1`,
    )
    .action((options) =>
      runServer({
        host: options.host,
        port: options.port,
        dataDirectory: dataDirectory(options.data),
        mtu: options.mtu,
        roomPasswordFile: options.roomPasswordFile === undefined
          ? undefined
          : resolveUserPath(options.roomPasswordFile),
      })
    );
  server.addCommand(
    new Command("fingerprint")
      .description("Print the server's key fingerprint, for clients to compare.")
      .option("--data <dir>", DATA_OPTION_HELP)
      .addHelpText(
        "after",
        `
Prints the fingerprint alone (SHA256:...), the one clients are shown on their
first connection. Exits 1 if the server has not started on this data yet:
the key is made by 'mochi server' on its first start, never by this command.

Examples:
  $ mochi server fingerprint
  $ mochi server fingerprint --data ./room-data`,
      )
      .action((options) =>
        // `mochi server --data D fingerprint` gives --data to the parent: accept it there too.
        runServerFingerprint(dataDirectory(options.data ?? server.opts().data))
      ),
  );
  return server;
}

/**
 * `mochi server fingerprint`: prints the stored key's fingerprint and exits
 * 0, or says there is none yet and exits 1. It never creates a key, nor the
 * data directory: showing a fingerprint the server does not have yet would
 * mislead whoever compares it.
 */
export async function runServerFingerprint(dataDirectory: string): Promise<void> {
  const noKey = `Cannot show the server key fingerprint: there is no identity key in ` +
    `${dataDirectory} yet ('mochi server --data ${dataDirectory}' creates it on its first start)`;
  try {
    await Deno.stat(serverKvPath(dataDirectory));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) fail(noKey, EXIT.FAILURE);
    fail(`Cannot read ${serverKvPath(dataDirectory)}: ${reasonOf(error)}`, EXIT.FAILURE);
  }
  const identity = await withServerKv(dataDirectory, loadServerIdentity);
  if (identity === null) fail(noKey, EXIT.FAILURE);
  writeStdoutSync(`${identity.fingerprint}\n`);
}

/** Opens the data's KV, runs `use` on it, closes it; failures end the process clearly. */
async function withServerKv<T>(
  dataDirectory: string,
  use: (kv: Deno.Kv) => Promise<T>,
): Promise<T> {
  let kv: Deno.Kv;
  try {
    kv = await openServerKv(dataDirectory);
  } catch (error) {
    fail(`Cannot open the server data in ${dataDirectory}: ${reasonOf(error)}`, EXIT.FAILURE);
  }
  try {
    return await use(kv);
  } catch (error) {
    if (error instanceof ServerIdentityCorrupt) {
      fail(
        `${error.message} (in ${serverKvPath(dataDirectory)})`,
        EXIT.INTEGRITY,
        "Restore the data directory from a backup: a new key would make every client refuse " +
          "this server.",
      );
    }
    throw error;
  } finally {
    kv.close();
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the server until SIGINT/SIGTERM: loads (on the first start, creates)
 * the identity key in the data directory and prints its fingerprint, binds
 * the UDP socket, serves the relay room, and on a signal closes every
 * connection (telling members) before exiting. Accounts and the room
 * password arrive with the chat-room issue.
 */
export async function runServer(options: ServerOptions): Promise<void> {
  const identity: ServerIdentity = await withServerKv(
    options.dataDirectory,
    (kv) => loadOrCreateServerIdentity(kv, randomBytes),
  );
  let endpoint: UdpEndpoint;
  try {
    endpoint = UdpEndpoint.bind({
      hostname: options.host,
      port: options.port,
      accept: true,
      identity: identity.keyPair,
      config: options.mtu === undefined ? {} : { mtu: options.mtu },
    });
  } catch (error) {
    fail(`Cannot listen on ${options.host}:${options.port}: ${reasonOf(error)}`, EXIT.FAILURE);
  }
  const log = (line: string) => writeStdoutSync(`${line}\n`);
  log(
    `mochi server listening on udp ${endpoint.address.hostname}:${endpoint.address.port}` +
      ` (data: ${options.dataDirectory})`,
  );
  if (identity.created) log(`created a new server identity key in ${options.dataDirectory}`);
  log(`server key fingerprint: ${identity.fingerprint}`);
  const room = new RelayRoom(log);
  const stopReports = startDropReports(() => endpoint.counters(), log);
  const stop = () => {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    stopReports();
    log(`stopping: telling ${room.memberCount} member(s)`);
    endpoint.close();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await room.serve(endpoint);
  const counters = endpoint.counters();
  log(`stopped; datagrams received ${counters.datagramsReceived}; ${formatDropReport(counters)}`);
}

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}
