/**
 * `mochi recv-file`: receives a file offered in the room, to a file or to
 * stdout. This file declares the command and its help; {@link runRecvFile}
 * receives.
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

/** The parsed, validated options of `mochi recv-file`. */
export interface RecvFileOptions {
  /** The server's address. */
  server: HostPort;
  /** Account name of the receiver. */
  user: string;
  /** Only accept a file from this member; undefined = anyone. */
  from: string | undefined;
  /** The file's id; undefined = the next file offered. */
  fileId: string | undefined;
  /** Absolute output path, `"-"` for stdout, undefined = the offered name in the current directory. */
  output: string | undefined;
  /** Absolute path of the client's state directory (`MOCHI_HOME`). */
  homeDirectory: string;
}

/** Builds the `recv-file` command; its action calls {@link runRecvFile}. */
export function recvFileCommand(): CommandUnknownOpts {
  return new Command("recv-file")
    .description("Receive a file offered in the room, to a file or to standard output.")
    .argument("[id]", "id of the file to receive (default: the next one offered)")
    .requiredOption("--server <host:port>", "server address", commanderParser(parseAddress))
    .requiredOption("--user <name>", "your account name")
    .option("--from <name>", "only accept a file from this member")
    .option("-o, --output <path>", "where to write it, or - for standard output")
    .addHelpText(
      "after",
      `
The file is written under a temporary name and renamed once complete and verified;
a file that fails verification is discarded (exit status 8).

Examples:
  $ mochi recv-file --server 127.0.0.1:55555 --user bob
  $ mochi recv-file --server 127.0.0.1:55555 --user bob --from ada -o - | tar x`,
    )
    .action((fileId, options) =>
      runRecvFile({
        server: options.server,
        user: options.user,
        from: options.from,
        fileId,
        output: options.output === undefined || options.output === "-"
          ? options.output
          : resolveUserPath(options.output),
        homeDirectory: clientHomeDirectory(),
      })
    );
}

/** Receives one file and exits once it is complete and verified. */
export function runRecvFile(_options: RecvFileOptions): Promise<void> {
  fail("mochi recv-file is not built yet", EXIT.FAILURE);
}
