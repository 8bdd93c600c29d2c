/**
 * `mochi client`: joins a room from a terminal (full-screen UI), or from a
 * pipe (one line per message, one line per event). This file declares the
 * command and its help; {@link runClient} is the client itself.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type HostPort, parseAddress } from "./_address.ts";
import { commanderParser } from "./_commander.ts";
import { clientHomeDirectory } from "./_data_dirs.ts";
import { fail, writeStdoutSync } from "./_fail.ts";
import { runLineClient } from "../client/line_client.ts";
import { ConnectionLost } from "../errors.ts";
import { parseMtu } from "./_numbers.ts";
import { EXIT } from "./exit_codes.ts";

/** The parsed, validated options of `mochi client`. */
export interface ClientOptions {
  /** The server's address. */
  server: HostPort;
  /** Account name; undefined = ask. */
  user: string | undefined;
  /** Create the account instead of logging in. */
  register: boolean;
  /** Without a terminal: events as JSON lines instead of text lines. */
  json: boolean;
  /** Largest UDP payload to send, in bytes; undefined = the transport's default. */
  mtu: number | undefined;
  /** Absolute path of the client's state directory (`MOCHI_HOME`). */
  homeDirectory: string;
}

/** Builds the `client` command; its action calls {@link runClient}. */
export function clientCommand(): CommandUnknownOpts {
  return new Command("client")
    .description("Join a chat room (full-screen in a terminal, line mode in a pipe).")
    .requiredOption("--server <host:port>", "server address", commanderParser(parseAddress))
    .option("--user <name>", "account name (default: ask)")
    .option("--register", "create the account, then join", false)
    .option("--json", "in line mode, print each room event as one JSON object", false)
    .option(
      "--mtu <bytes>",
      "largest UDP datagram to send (default: 1200)",
      commanderParser(parseMtu),
    )
    .addHelpText(
      "after",
      `
Passwords come from MOCHI_PASSWORD and MOCHI_ROOM_PASSWORD, else a prompt.
State (keys, pinned servers, history) lives in MOCHI_HOME (default: $XDG_DATA_HOME/mochi).

Examples:
  $ mochi client --server 192.0.2.10:55555 --user ada --register
  $ echo "hello" | mochi client --server [::1]:55555 --user ada
  $ mochi client --server chat.example:55555 --user ada --json < /dev/null`,
    )
    .action((options) =>
      runClient({
        server: options.server,
        user: options.user,
        register: options.register,
        json: options.json,
        mtu: options.mtu,
        homeDirectory: clientHomeDirectory(),
      })
    );
}

/**
 * Runs the client: each line of stdin is sent, each room event printed on
 * stdout; at the end of input it waits until the server acknowledged
 * everything, then exits 0. Until accounts exist, `--user` is only the name
 * shown to others (default: $USER).
 */
export async function runClient(options: ClientOptions): Promise<void> {
  const name = options.user ?? Deno.env.get("USER") ?? "guest";
  try {
    await runLineClient({
      server: options.server,
      name,
      json: options.json,
      config: options.mtu === undefined ? {} : { mtu: options.mtu },
      input: Deno.stdin.readable,
      print: (line) => writeStdoutSync(`${line}\n`),
    });
  } catch (error) {
    if (error instanceof ConnectionLost) {
      fail(error.message, EXIT.SERVER_UNREACHABLE);
    }
    throw error;
  }
}
