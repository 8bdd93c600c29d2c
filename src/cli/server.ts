/**
 * `mochi server`: hosts the chat room. This file declares the command and its
 * help; {@link runServer} is where the server starts (written on top of the
 * transport).
 *
 * @module
 */

import { Command, type CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { parseHost, parsePort } from "./_address.ts";
import { commanderParser } from "./_commander.ts";
import { defaultServerDataDirectory } from "./_data_dirs.ts";
import { fail, writeStdoutSync } from "./_fail.ts";
import { formatDropReport, startDropReports } from "../server/drop_report.ts";
import { ChatServer } from "../server/chat_server.ts";
import { formatFileEvent, formatRoomEvent, type LogFormat } from "../server/console.ts";
import { FileRelay } from "../server/file_relay.ts";
import { FileStore } from "../server/files/mod.ts";
import { formatBytes, formatDuration, parseByteSize, parseDuration } from "../files/units.ts";
import { join } from "node:path";
import { LiveConsole } from "../server/live_console.ts";
import { PromptCancelled } from "./_hidden_prompt.ts";
import {
  ensureRoomPassword,
  PasswordInputError,
  type RoomPasswordOrigin,
} from "./_password_input.ts";
import {
  loadOrCreateServerIdentity,
  loadServerIdentity,
  openServerKv,
  ServerIdentityCorrupt,
  serverKvPath,
} from "../server/identity.ts";
import { UdpEndpoint } from "../transport/udp.ts";
import { parseInteger, parseMtu } from "./_numbers.ts";
import { resolveUserPath } from "./_paths.ts";
import { EXIT } from "./exit_codes.ts";
import { reasonOf, withServerData } from "./_server_data.ts";
import { ArgumentError } from "./_argument_error.ts";
import type { TokenBucketConfig } from "../server/token_bucket.ts";
import { setRoomPasswordCommand } from "./set_room_password.ts";

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
  /** Whether clients may create accounts. */
  registration: "open" | "closed";
  /** Most members in the room at once. */
  maxClients: number;
  /** How the console prints events. */
  logFormat: LogFormat;
  /** Each member's message rate. */
  messageRate: TokenBucketConfig;
  /** How long files are kept after they are complete, in milliseconds. */
  fileTtlMs: number;
  /** Largest file accepted, in bytes. */
  maxFileSize: number;
  /** Most bytes all files may take on disk together. */
  maxStorage: number;
}

/** `--file-ttl`'s default: a day, so the members of a day's session can all fetch. */
export const DEFAULT_FILE_TTL = "24h";
/** `--max-file-size`'s default. */
export const DEFAULT_MAX_FILE_SIZE = "4GiB";
/** `--max-storage`'s default. */
export const DEFAULT_MAX_STORAGE = "20GiB";
/** How often expired files are deleted. */
const SWEEP_INTERVAL_MS = 60_000;

/** `parse`, refusing zero: a limit or a lifetime of nothing would refuse every file. */
function positive(parse: (text: string) => number): (text: string) => number {
  return commanderParser((text) => {
    const value = parse(text);
    if (value <= 0) throw new ArgumentError(`'${text}' must be more than zero`);
    return value;
  });
}

function parseMessageRateOption(text: string): TokenBucketConfig {
  try {
    return parseMessageRate(text);
  } catch (error) {
    if (error instanceof ArgumentError) {
      fail(`option '--message-rate': ${error.message}`, EXIT.USAGE, "Try 'mochi server --help'.");
    }
    throw error;
  }
}

/** Parses `COUNT/SECONDS` (e.g. `10/5`): COUNT messages per SECONDS, bursts of up to COUNT. */
export function parseMessageRate(text: string): TokenBucketConfig {
  const match = text.match(/^(\d{1,6})\/(\d{1,6})$/);
  const count = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (match === null || count < 1 || seconds < 1) {
    throw new ArgumentError(`'${text}' is not a rate like 10/5 (10 messages per 5 seconds)`);
  }
  return { capacity: count, refillTokens: count, refillIntervalMs: seconds * 1000 };
}

const DATA_OPTION_HELP =
  "data directory: accounts, history, identity key (default: $XDG_DATA_HOME/mochi/server)";

function dataDirectory(data: string | undefined): string {
  return data === undefined ? defaultServerDataDirectory() : resolveUserPath(data);
}

/**
 * Builds the `server` command; its action calls {@link runServer}, its
 * `fingerprint` subcommand {@link runServerFingerprint}, its
 * `set-room-password` subcommand `runSetRoomPassword` (set_room_password.ts).
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
    .addOption(
      new Option("--registration <mode>", "may clients create accounts").choices(["open", "closed"])
        .default("open"),
    )
    .option(
      "--max-clients <n>",
      "most members in the room at once",
      commanderParser((text) => parseInteger(text, { minimum: 1, maximum: 100_000 })),
      256,
    )
    .option(
      "--message-rate <count/seconds>",
      "messages each member may send per period, bursts included",
      "10/5",
    )
    .addOption(
      new Option("--log-format <format>", "console lines as text or JSON").choices(["text", "json"])
        .default("text"),
    )
    .option(
      "--file-ttl <duration>",
      "how long files are kept once complete (e.g. 90m, 24h, 7d)",
      positive(parseDuration),
      parseDuration(DEFAULT_FILE_TTL),
    )
    .option(
      "--max-file-size <size>",
      "largest file accepted (e.g. 500MB, 4GiB; default 4GiB)",
      positive(parseByteSize),
      parseByteSize(DEFAULT_MAX_FILE_SIZE),
    )
    .option(
      "--max-storage <size>",
      "most disk space all files may take (default 20GiB)",
      positive(parseByteSize),
      parseByteSize(DEFAULT_MAX_STORAGE),
    )
    .addHelpText(
      "after",
      `
Examples:
  $ mochi server
  $ mochi server --port 6000 --data ./room-data
  $ mochi server fingerprint --data ./room-data
  $ mochi server set-room-password --data ./room-data
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
        registration: options.registration as "open" | "closed",
        maxClients: options.maxClients,
        messageRate: parseMessageRateOption(options.messageRate),
        logFormat: options.logFormat as LogFormat,
        fileTtlMs: options.fileTtl,
        maxFileSize: options.maxFileSize,
        maxStorage: options.maxStorage,
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
  server.addCommand(
    // Like fingerprint, options given to `mochi server` before the name count too.
    setRoomPasswordCommand(DATA_OPTION_HELP, (data, file) => {
      const roomPasswordFile = file ?? server.opts().roomPasswordFile;
      return {
        dataDirectory: dataDirectory(data ?? server.opts().data),
        roomPasswordFile: roomPasswordFile === undefined
          ? undefined
          : resolveUserPath(roomPasswordFile),
      };
    }),
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
  const identity = await withServerData(dataDirectory, loadServerIdentity);
  if (identity === null) fail(noKey, EXIT.FAILURE);
  writeStdoutSync(`${identity.fingerprint}\n`);
}

/**
 * Runs the server until SIGINT/SIGTERM: opens the data (identity key,
 * accounts, room password; the first start creates the key and asks for the
 * room password), binds the UDP socket and serves the room. On a signal,
 * members are told the server is stopping, their queued frames are sent,
 * and the data is closed cleanly.
 */
export async function runServer(options: ServerOptions): Promise<void> {
  let kv: Deno.Kv;
  try {
    kv = await openServerKv(options.dataDirectory);
  } catch (error) {
    fail(
      `Cannot open the server data in ${options.dataDirectory}: ${reasonOf(error)}`,
      EXIT.FAILURE,
    );
  }
  const log = (line: string) => writeStdoutSync(`${line}\n`);
  const { identity, passwordOrigin } = await prepareData(kv, options);
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
    kv.close();
    fail(`Cannot listen on ${options.host}:${options.port}: ${reasonOf(error)}`, EXIT.FAILURE);
  }
  const startup: string[] = [];
  startup.push(
    `mochi server listening on udp ${endpoint.address.hostname}:${endpoint.address.port}` +
      ` (data: ${options.dataDirectory})`,
  );
  if (identity.created) {
    startup.push(`created a new server identity key in ${options.dataDirectory}`);
  }
  startup.push(`server key fingerprint: ${identity.fingerprint}`);
  startup.push(
    `room password: ${
      ROOM_PASSWORD_ORIGINS[passwordOrigin]
    }; registration ${options.registration};` +
      ` at most ${options.maxClients} members`,
  );
  // On a terminal: the live member table above the scrolling log.
  let live: LiveConsole | null = null;
  const report = (line: string) => live === null ? log(line) : live.log(line);
  let store: FileStore;
  try {
    store = await FileStore.open({
      kv,
      directory: join(options.dataDirectory, "files"),
      maxFileSize: options.maxFileSize,
      maxStorage: options.maxStorage,
      ttlMs: options.fileTtlMs,
    });
    await store.sweep();
  } catch (error) {
    await endpoint.close();
    kv.close();
    fail(
      `Cannot open the file store in ${options.dataDirectory}: ${reasonOf(error)}`,
      EXIT.FAILURE,
    );
  }
  startup.push(
    `files: kept for ${formatDuration(options.fileTtlMs)}; at most ${
      formatBytes(options.maxFileSize)
    }` +
      ` each, ${formatBytes(options.maxStorage)} in all (${formatBytes(store.usedBytes)} used)`,
  );
  const files = new FileRelay({
    store,
    kv,
    report: (event) => report(formatFileEvent(event, options.logFormat)),
  });
  const sweeper = setInterval(() => {
    store.sweep().then(
      (deleted) => deleted > 0 && report(`deleted ${deleted} expired file(s)`),
      (error) => report(`cannot delete expired files: ${reasonOf(error)}`),
    );
  }, SWEEP_INTERVAL_MS);
  const server = new ChatServer({
    kv,
    endpoint,
    files,
    maxMembers: options.maxClients,
    messageRate: options.messageRate,
    registrationOpen: options.registration === "open",
    report: (event) => report(formatRoomEvent(event, options.logFormat)),
  });
  if (Deno.stdout.isTerminal() && options.logFormat === "text") {
    live = new LiveConsole(
      () =>
        server.room.members.map((member) => ({
          name: member.displayName,
          address: member.handle.address,
          idleMs: Date.now() - member.lastActive,
          ...member.handle.linkStats(),
        })),
      `mochi server on ${endpoint.address.hostname}:${endpoint.address.port}`,
    );
    live.start();
  }
  for (const line of startup) report(line);
  const stopReports = startDropReports(() => endpoint.counters(), report);
  const stop = async () => {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    stopReports();
    report(`stopping: telling ${server.room.members.length} member(s)`);
    await server.stop();
    await endpoint.close();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await server.serve();
  clearInterval(sweeper);
  live?.stop();
  await store.close();
  kv.close();
  const counters = endpoint.counters();
  log(`stopped; datagrams received ${counters.datagramsReceived}; ${formatDropReport(counters)}`);
}

const ROOM_PASSWORD_ORIGINS: Record<RoomPasswordOrigin, string> = {
  file: "set from --room-password-file",
  environment: "set from MOCHI_ROOM_PASSWORD",
  stored: "as stored",
  prompt: "set at the prompt",
};

/** The identity key and the room password, failing clearly when either cannot be had. */
async function prepareData(kv: Deno.Kv, options: ServerOptions) {
  try {
    const identity = await loadOrCreateServerIdentity(kv, randomBytes);
    const passwordOrigin = await ensureRoomPassword(kv, { file: options.roomPasswordFile });
    return { identity, passwordOrigin };
  } catch (error) {
    kv.close();
    if (error instanceof ServerIdentityCorrupt) {
      fail(`${error.message} (in ${serverKvPath(options.dataDirectory)})`, EXIT.INTEGRITY);
    }
    if (error instanceof PasswordInputError) fail(error.message, error.exitCode);
    if (error instanceof PromptCancelled) fail("Cannot start the server: cancelled", EXIT.FAILURE);
    throw error;
  }
}

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}
