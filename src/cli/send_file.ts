/**
 * `mochi send-file`: sends a file (or stdin) to the room or to one member.
 * This file declares the command and its help; {@link runSendFile} sends.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type HostPort, parseAddress } from "./_address.ts";
import { commanderParser } from "./_commander.ts";
import { clientHomeDirectory } from "./_data_dirs.ts";
import { fail } from "./_fail.ts";
import { resolveUserPath } from "./_paths.ts";
import { EXIT } from "./exit_codes.ts";

/** The parsed, validated options of `mochi send-file`. */
export interface SendFileOptions {
  /** The server's address. */
  server: HostPort;
  /** Account name of the sender. */
  user: string;
  /** Recipient's account name; undefined = the whole room. */
  to: string | undefined;
  /** File name announced to recipients; undefined = the source's base name. */
  name: string | undefined;
  /** Absolute path of the file to send, or `"-"` for stdin. */
  source: string;
  /** Absolute path of the client's state directory (`MOCHI_HOME`). */
  homeDirectory: string;
}

/** Builds the `send-file` command; its action calls {@link runSendFile}. */
export function sendFileCommand(): CommandUnknownOpts {
  return new Command("send-file")
    .description("Send a file, or standard input, to the room or to one member.")
    .argument("<path>", "file to send, or - for standard input")
    .requiredOption("--server <host:port>", "server address", commanderParser(parseAddress))
    .requiredOption("--user <name>", "your account name")
    .option("--to <name>", "send to this member only (default: the whole room)")
    .option("--name <name>", "file name shown to recipients (default: the file's own name)")
    .addHelpText(
      "after",
      `
Examples:
  $ mochi send-file --server 127.0.0.1:55555 --user ada ./notes.pdf
  $ tar c ./src | mochi send-file --server 127.0.0.1:55555 --user ada --to bob --name src.tar -`,
    )
    .action((path, options) =>
      runSendFile({
        server: options.server,
        user: options.user,
        to: options.to,
        name: options.name,
        source: path === "-" ? "-" : resolveUserPath(path),
        homeDirectory: clientHomeDirectory(),
      })
    );
}

/** Sends the file and exits once the server has acknowledged all of it. */
export function runSendFile(_options: SendFileOptions): Promise<void> {
  fail("mochi send-file is not built yet", EXIT.FAILURE);
}
