/**
 * `mochi send-file`: sends a file (or stdin) to the room or to one member.
 * This file declares the command and its help; {@link runSendFile} sends.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { HostPort } from "./_address.ts";
import { clientHomeDirectory } from "./_data_dirs.ts";
import { basename } from "node:path";
import { bytesToHex } from "../bytes.ts";
import { uploadFile, type UploadSource } from "../client/file_upload.ts";
import { fileNameProblem } from "../files/file_names.ts";
import { formatBytes } from "../files/units.ts";
import { createTransferProgress } from "../ui/progress.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import {
  failFileCommand,
  fileConnector,
  filePasswords,
  withConnectionOptions,
} from "./_file_command.ts";
import { fail, writeStderrSync, writeStdoutSync } from "./_fail.ts";
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
  /** From `--fingerprint`: the only server key to accept. */
  fingerprint?: string;
}

/** Builds the `send-file` command; its action calls {@link runSendFile}. */
export function sendFileCommand(): CommandUnknownOpts {
  return withConnectionOptions(
    new Command("send-file")
      .description("Send a file, or standard input, to the room or to one member.")
      .argument("<path>", "file to send, or - for standard input"),
  )
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
        fingerprint: options.fingerprint,
      })
    );
}

/**
 * Sends the file (or stdin) and exits 0 once the server holds all of it
 * with the same SHA-256; prints the file's id on stdout for scripts and a
 * summary on stderr. Run again after an interruption, it resumes.
 */
export async function runSendFile(options: SendFileOptions): Promise<void> {
  const fromStdin = options.source === "-";
  // Standard input has no name of its own: "stdin" unless --name gives one.
  const name = options.name ?? (fromStdin ? "stdin" : basename(options.source));
  const problem = fileNameProblem(name);
  if (problem !== undefined) {
    fail(`Cannot send as '${sanitizeForTerminal(name)}': ${problem}`, EXIT.USAGE);
  }
  if (!fromStdin) await checkSource(options.source);
  const source: UploadSource = fromStdin
    ? { kind: "stream", reader: Deno.stdin }
    : { kind: "file", path: options.source };
  let progress: ReturnType<typeof createTransferProgress> | undefined;
  try {
    const passwords = await filePasswords(options.user);
    const result = await uploadFile({
      source,
      name,
      to: options.to,
      connect: fileConnector(options, passwords),
      onStart: ({ offset, total }) => {
        // Called again after each reconnect: one bar for the whole run.
        progress ??= createTransferProgress({ label: name, total });
        if (offset > 0) progress.log(`resuming: the server already holds ${formatBytes(offset)}`);
        progress.update(offset);
      },
      onProgress: (stored) => progress?.update(stored),
      retry: { notice: (line) => (progress?.log ?? note)(sanitizeForTerminal(line)) },
    });
    progress?.finish();
    note(
      `sent ${sanitizeForTerminal(name)} (${formatBytes(result.size)}) as ${result.fileId}` +
        `${options.to === undefined ? "" : ` to ${sanitizeForTerminal(options.to)}`}; ` +
        `SHA-256 ${bytesToHex(result.sha256)}` +
        (result.resumedFrom > 0 ? `; resumed after ${formatBytes(result.resumedFrom)}` : ""),
    );
    writeStdoutSync(`${result.fileId}\n`);
  } catch (error) {
    progress?.fail("failed");
    failFileCommand(error);
  }
}

/** Refuses a path that is not a readable regular file before anything is asked or sent. */
async function checkSource(path: string): Promise<void> {
  const shown = sanitizeForTerminal(path);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      fail(`Cannot send ${shown}: no such file`, EXIT.FAILURE);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      fail(`Cannot send ${shown}: permission denied`, EXIT.FAILURE);
    }
    throw error;
  }
  if (info.isDirectory) {
    fail(
      `Cannot send ${shown}: it is a directory`,
      EXIT.FAILURE,
      `Send an archive of it: tar c ${shown} | mochi send-file --name NAME.tar ... -`,
    );
  }
  if (!info.isFile) fail(`Cannot send ${shown}: not a regular file`, EXIT.FAILURE);
}

function note(line: string): void {
  writeStderrSync(`mochi: ${line}\n`);
}
