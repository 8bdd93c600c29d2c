/**
 * `mochi client`: joins a room from a terminal (full-screen UI), or from a
 * pipe (one line per message, one line per event). This file declares the
 * command and its help; {@link runClient} is the client itself.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { formatAddress, type HostPort, parseAddress } from "./_address.ts";
import { ArgumentError } from "./_argument_error.ts";
import { commanderParser } from "./_commander.ts";
import { clientHomeDirectory } from "./_data_dirs.ts";
import { fail, writeStdoutSync } from "./_fail.ts";
import {
  isFingerprint,
  KnownServersError,
  knownServersPath,
  updateKnownServers,
  withoutKnownServer,
} from "../client/known_servers.ts";
import {
  type ClientConfig,
  ConfigFileError,
  configFilePath,
  loadClientConfig,
} from "../client/config_file.ts";
import { type ClientOptions, runChatClient } from "./_client_run.ts";
import { parseMtu } from "./_numbers.ts";
import { EXIT } from "./exit_codes.ts";

export type { ClientOptions } from "./_client_run.ts";

/** What commander parsed (before the config file fills the gaps). */
interface CommandLineOptions {
  server?: HostPort;
  user?: string;
  register: boolean;
  json: boolean;
  mtu?: number;
  fingerprint?: string;
}

/**
 * Parses `--fingerprint`: `SHA256:` and 43 base64 characters, as
 * `mochi server fingerprint` prints it.
 */
export function parseFingerprint(text: string): string {
  if (!isFingerprint(text)) {
    throw new ArgumentError(
      `invalid fingerprint '${text}': expected SHA256: and 43 base64 characters, ` +
        `as 'mochi server fingerprint' prints it`,
    );
  }
  return text;
}

/** Builds the `client` command; its action calls {@link runClient}. */
export function clientCommand(): CommandUnknownOpts {
  return new Command("client")
    .description("Join a chat room (interactive in a terminal, line mode in a pipe).")
    .option(
      "--server <host:port>",
      'server address (required, unless "server" is in MOCHI_HOME/config.json)',
      commanderParser(parseAddress),
    )
    .option("--user <name>", 'account name (default: "user" in config.json, else ask)')
    .option("--register", "create the account, then join", false)
    .option("--json", "in line mode, print each room event as one JSON object", false)
    .option(
      "--mtu <bytes>",
      "largest UDP datagram to send (default: 1200)",
      commanderParser(parseMtu),
    )
    .option(
      "--fingerprint <SHA256:...>",
      "accept only the server key with this fingerprint, and pin it",
      commanderParser(parseFingerprint),
    )
    .option(
      "--forget-server <host:port>",
      "remove the server's pinned key from known_servers and exit (connects to nothing)",
      commanderParser(parseAddress),
    )
    .addHelpText(
      "after",
      `
In a terminal it asks whether to log in or create an account, the name, the
password and the room password, and asks again after a refusal; then type
messages, or /who, /msg NAME TEXT, /me TEXT, /quit, /help. In a pipe each
input line is a message or a command, each room event one output line
(--json: one JSON object, with "sent" lines for your own messages), and the
passwords come from MOCHI_PASSWORD and MOCHI_ROOM_PASSWORD (exit 2 if unset).
At the end of input it waits until the server has every message, then exits 0.

MOCHI_HOME/config.json may give defaults: {"server": "host:port", "user": "name"}.
State (keys, pinned servers, history) lives in MOCHI_HOME (default: $XDG_DATA_HOME/mochi).

The server's key is pinned on first use in MOCHI_HOME/known_servers: in a
terminal you are shown its fingerprint and asked; in a pipe it is trusted and
a line on stderr says so. A different key later is refused (exit 7).

Examples:
  $ mochi client --server 192.0.2.10:55555 --user ada --register
  $ echo "hello" | MOCHI_PASSWORD=... MOCHI_ROOM_PASSWORD=... mochi client --server [::1]:55555 --user ada
  $ mochi client --server chat.example:55555 --user ada --json < /dev/null
  $ mochi client --server chat.example:55555 --fingerprint SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU
  $ mochi client --forget-server chat.example:55555`,
    )
    .action((options, command) => {
      if (options.forgetServer !== undefined) {
        return runForgetServer(options.forgetServer, clientHomeDirectory());
      }
      return resolveClientOptions(options, command).then(runClient);
    });
}

/**
 * `mochi client --forget-server H:P`: removes the server's pin from
 * known_servers (every entry for that address) and exits 0, also when there
 * was none; exits 1 if the file cannot be read or written.
 */
export async function runForgetServer(address: HostPort, homeDirectory: string): Promise<void> {
  const path = knownServersPath(homeDirectory);
  let removed;
  try {
    removed = await updateKnownServers(homeDirectory, (known) => {
      const change = withoutKnownServer(known, address);
      return { known: change.known, result: change.removed };
    });
  } catch (error) {
    if (error instanceof KnownServersError) fail(error.message, EXIT.FAILURE);
    throw error;
  }
  const shown = formatAddress(address);
  if (removed.length === 0) {
    writeStdoutSync(`${shown} was not in ${path}: nothing to forget\n`);
    return;
  }
  for (const entry of removed) {
    writeStdoutSync(
      `forgot ${entry.address} ${entry.fingerprint} (line ${entry.lineNumber} of ${path})\n`,
    );
  }
}

/**
 * Runs the client: logs in and joins (asking in a terminal; from --user,
 * the config file, MOCHI_PASSWORD and MOCHI_ROOM_PASSWORD in a pipe), then
 * the terminal interface or line mode; at the end of input it waits until
 * the server acknowledged everything, then exits 0. Each failure exits with
 * its status (README, "Exit statuses").
 */
export function runClient(options: ClientOptions): Promise<void> {
  return runChatClient(options);
}

/**
 * The client's options from the command line and MOCHI_HOME/config.json
 * (the command line wins). Exits 2 for an unusable config file, and like
 * commander for a server given nowhere.
 */
async function resolveClientOptions(
  options: CommandLineOptions,
  command: CommandUnknownOpts,
): Promise<ClientOptions> {
  const homeDirectory = clientHomeDirectory();
  let config: ClientConfig;
  try {
    config = await loadClientConfig(homeDirectory);
  } catch (error) {
    if (error instanceof ConfigFileError) fail(error.message, EXIT.USAGE);
    throw error;
  }
  let server = options.server;
  if (server === undefined && config.server !== undefined) {
    try {
      server = parseAddress(config.server);
    } catch (error) {
      if (!(error instanceof ArgumentError)) throw error;
      fail(`Cannot use ${configFilePath(homeDirectory)}: "server": ${error.message}`, EXIT.USAGE);
    }
  }
  if (server === undefined) {
    // Worded and routed like commander's own check, which --forget-server rules out.
    return command.error("error: required option '--server <host:port>' not specified", {
      code: "commander.missingMandatoryOptionValue",
    });
  }
  return {
    server,
    user: options.user ?? config.user,
    userFromConfig: options.user === undefined && config.user !== undefined,
    register: options.register,
    json: options.json,
    mtu: options.mtu,
    homeDirectory,
    fingerprint: options.fingerprint,
  };
}
