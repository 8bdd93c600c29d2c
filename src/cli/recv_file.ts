/**
 * `mochi recv-file`: receives a file offered in the room, to a file or to
 * stdout. This file declares the command and its help; {@link runRecvFile}
 * receives.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { HostPort } from "./_address.ts";
import { clientHomeDirectory } from "./_data_dirs.ts";
import { downloadFile, STALL_NOTICE_MS } from "../client/file_download.ts";
import { formatBytes } from "../files/units.ts";
import { createTransferProgress } from "../ui/progress.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import {
  failFileCommand,
  fileConnector,
  filePasswords,
  withConnectionOptions,
} from "./_file_command.ts";
import { fail, writeStderrSync } from "./_fail.ts";
import { resolveUserPath, userWorkingDirectory } from "./_paths.ts";
import { EXIT } from "./exit_codes.ts";
import { ArgumentError } from "./_argument_error.ts";
import { commanderParser } from "./_commander.ts";
import { isFileIdText, MAX_FILE_ID_CHARACTERS } from "../protocol/mod.ts";

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
  /** Replace an existing file of the same name. */
  force: boolean;
  /** From `--fingerprint`: the only server key to accept. */
  fingerprint?: string;
}

/** A file id as typed: checked here so that a typo is a usage error, not a trip to the server. */
function parseFileId(text: string): string {
  if (isFileIdText(text)) return text;
  throw new ArgumentError(
    `'${text}' is not a file id: 1 to ${MAX_FILE_ID_CHARACTERS} characters of 0-9 and a-z ` +
      "('mochi files' lists them)",
  );
}

/** Builds the `recv-file` command; its action calls {@link runRecvFile}. */
export function recvFileCommand(): CommandUnknownOpts {
  return withConnectionOptions(
    new Command("recv-file")
      .description("Receive a file offered in the room, to a file or to standard output.")
      .argument(
        "[id]",
        "id of the file to receive (default: the next one offered)",
        commanderParser(parseFileId),
      ),
  )
    .option("--from <name>", "only accept a file from this member")
    .option(
      "-o, --output <path>",
      "where to write it (a file or a directory), or - for standard output",
    )
    .option("--force", "replace an existing file of the same name", false)
    .addHelpText(
      "after",
      `
The file is written under a temporary name (.NAME.ID.mochi-part) and renamed once
complete and verified; a file that fails verification is discarded (exit status 8).
Run the same command again after an interruption: it resumes where it stopped.
Without an id it resumes an interrupted download it finds, or waits for the next offer.

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
        force: options.force,
        fingerprint: options.fingerprint,
      })
    );
}

/**
 * Receives one file and exits 0 once it is complete, its SHA-256 matched,
 * and it is in place; a summary goes to stderr (stdout may carry the file).
 */
export async function runRecvFile(options: RecvFileOptions): Promise<void> {
  if (options.output === "-" && Deno.stdout.isTerminal()) {
    // A file from the network is arbitrary bytes: on a terminal they would be escape sequences.
    fail(
      "Cannot write the file to a terminal: -o - is for pipes",
      EXIT.USAGE,
      "Redirect it (-o - > FILE, -o - | tar x) or give -o PATH.",
    );
  }
  let progress: ReturnType<typeof createTransferProgress> | undefined;
  const note = (line: string) => (progress?.log ?? noteLine)(sanitizeForTerminal(line));
  try {
    const passwords = await filePasswords(options.user);
    const result = await downloadFile({
      fileId: options.fileId,
      from: options.from,
      output: options.output,
      cwd: userWorkingDirectory(),
      force: options.force,
      connect: fileConnector(options, passwords),
      onWaiting: () =>
        noteLine(
          `waiting for the next file offered${
            options.from === undefined ? "" : ` by ${sanitizeForTerminal(options.from)}`
          }...`,
        ),
      onStart: ({ file, offset }) => {
        progress ??= createTransferProgress({ label: file.name, total: file.size });
        if (offset > 0) progress.log(`resuming after ${formatBytes(offset)} already received`);
        progress.update(offset);
      },
      onProgress: (received) => progress?.update(received),
      onStalled: (received, file) =>
        note(
          file.complete
            ? `no data for ${STALL_NOTICE_MS / 1000} s at ${formatBytes(received)}; still waiting`
            : `no data for ${STALL_NOTICE_MS / 1000} s: the sender's upload is paused at ` +
              `${formatBytes(received)}; waiting for it to resume (Ctrl-C stops; running ` +
              "this command again later continues from here)",
        ),
      retry: { notice: note },
    });
    progress?.finish();
    const where = result.path === "-" ? "standard output" : result.path;
    noteLine(
      `received ${sanitizeForTerminal(result.file.name)} (${formatBytes(result.file.size ?? 0)})` +
        ` from ${sanitizeForTerminal(result.file.sender)} into ${sanitizeForTerminal(where)};` +
        " SHA-256 verified" +
        (result.resumedFrom > 0 ? `; resumed after ${formatBytes(result.resumedFrom)}` : ""),
    );
  } catch (error) {
    progress?.fail("failed");
    failFileCommand(error);
  }
}

function noteLine(line: string): void {
  writeStderrSync(`mochi: ${line}\n`);
}
