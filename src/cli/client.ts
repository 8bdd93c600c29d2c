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
import { fail, writeStderrSync, writeStdoutSync } from "./_fail.ts";
import {
  isFingerprint,
  KnownServersError,
  knownServersPath,
  updateKnownServers,
  withoutKnownServer,
} from "../client/known_servers.ts";
import { type LineClientOptions, runLineClient } from "../client/line_client.ts";
import { ServerKeyChanged, ServerNotTrusted, type VerifyServerOptions } from "../client/trust.ts";
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
  /** From `--fingerprint`: the only server key to accept (and pin). */
  fingerprint: string | undefined;
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
    .description("Join a chat room (full-screen in a terminal, line mode in a pipe).")
    .option(
      "--server <host:port>",
      "server address (required, except with --forget-server)",
      commanderParser(parseAddress),
    )
    .option("--user <name>", "account name (default: ask)")
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
Passwords come from MOCHI_PASSWORD and MOCHI_ROOM_PASSWORD, else a prompt.
State (keys, pinned servers, history) lives in MOCHI_HOME (default: $XDG_DATA_HOME/mochi).

The server's key is pinned on first use in MOCHI_HOME/known_servers: in a
terminal you are shown its fingerprint and asked; in a pipe it is trusted and
a line on stderr says so. A different key later is refused (exit 7).

Examples:
  $ mochi client --server 192.0.2.10:55555 --user ada --register
  $ echo "hello" | mochi client --server [::1]:55555 --user ada
  $ mochi client --server chat.example:55555 --user ada --json < /dev/null
  $ mochi client --server chat.example:55555 --fingerprint SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU
  $ mochi client --forget-server chat.example:55555`,
    )
    .action((options, command) => {
      if (options.forgetServer !== undefined) {
        return runForgetServer(options.forgetServer, clientHomeDirectory());
      }
      if (options.server === undefined) {
        // Worded and routed like commander's own check, which --forget-server rules out.
        return command.error("error: required option '--server <host:port>' not specified", {
          code: "commander.missingMandatoryOptionValue",
        });
      }
      return runClient({
        server: options.server,
        user: options.user,
        register: options.register,
        json: options.json,
        mtu: options.mtu,
        homeDirectory: clientHomeDirectory(),
        fingerprint: options.fingerprint,
      });
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
 * Asks a yes/no question on the terminal: the question on stderr (stdout
 * carries the room), the answer read from stdin; only "y" or "yes" is yes.
 * Call it only when {@link hasTerminal} is true: it never prompts a pipe.
 */
export async function askOnTerminal(question: string): Promise<boolean> {
  writeStderrSync(`${question} [y/N] `);
  const answer = await readTerminalLine();
  if (answer === null) writeStderrSync("\n");
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}

async function readTerminalLine(): Promise<string | null> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  let line = "";
  // A terminal in line mode hands over one line per read; loop for long ones.
  for (;;) {
    const count = await Deno.stdin.read(buffer);
    if (count === null) return line === "" ? null : line;
    line += decoder.decode(buffer.subarray(0, count), { stream: true });
    const end = line.indexOf("\n");
    if (end >= 0) return line.slice(0, end);
    if (line.length > 4096) return line;
  }
}

/** Whether a person can be asked: stdin to answer on and stderr to show the question. */
export function hasTerminal(): boolean {
  return Deno.stdin.isTerminal() && Deno.stderr.isTerminal();
}

/** The server-key check's options for `verifyServer`, from the client's options. */
export function serverTrustOptions(options: ClientOptions): VerifyServerOptions {
  return {
    address: options.server,
    homeDirectory: options.homeDirectory,
    pinnedFingerprint: options.fingerprint,
    interactive: hasTerminal(),
    ask: askOnTerminal,
    report: (text) => writeStderrSync(`${text}\n`),
  };
}

/**
 * Runs the client: each line of stdin is sent, each room event printed on
 * stdout; at the end of input it waits until the server acknowledged
 * everything, then exits 0. Until accounts exist, `--user` is only the name
 * shown to others (default: $USER).
 */
export async function runClient(options: ClientOptions): Promise<void> {
  const name = options.user ?? Deno.env.get("USER") ?? "guest";
  const lineClientOptions: LineClientOptions = {
    server: options.server,
    name,
    json: options.json,
    config: options.mtu === undefined ? {} : { mtu: options.mtu },
    input: Deno.stdin.readable,
    print: (line) => writeStdoutSync(`${line}\n`),
    trust: serverTrustOptions(options),
  };
  try {
    await runLineClient(lineClientOptions);
  } catch (error) {
    if (error instanceof ConnectionLost) {
      fail(error.message, EXIT.SERVER_UNREACHABLE);
    }
    if (error instanceof ServerKeyChanged) {
      fail(error.message, EXIT.SERVER_KEY_CHANGED, error.explanation);
    }
    if (error instanceof ServerNotTrusted || error instanceof KnownServersError) {
      fail(error.message, EXIT.FAILURE);
    }
    throw error;
  }
}
