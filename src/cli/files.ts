/**
 * `mochi files`: lists the files the server holds that you may fetch, as a
 * table or as JSON. This file declares the command and its help;
 * {@link runFiles} lists.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { nextAnswer } from "../client/file_frames.ts";
import { formatBytes } from "../files/units.ts";
import type { FileInfo } from "../protocol/mod.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import type { HostPort } from "./_address.ts";
import { clientHomeDirectory } from "./_data_dirs.ts";
import {
  failFileCommand,
  fileConnector,
  filePasswords,
  withConnectionOptions,
} from "./_file_command.ts";
import { writeStdoutSync } from "./_fail.ts";
import { fileAsJson } from "./_file_json.ts";

/** The parsed, validated options of `mochi files`. */
export interface FilesOptions {
  /** The server's address. */
  server: HostPort;
  /** The account name. */
  user: string;
  /** One JSON array instead of a table. */
  json: boolean;
  /** Absolute path of the client's state directory (`MOCHI_HOME`). */
  homeDirectory: string;
  /** From `--fingerprint`: the only server key to accept. */
  fingerprint?: string;
}

/** Builds the `files` command; its action calls {@link runFiles}. */
export function filesCommand(): CommandUnknownOpts {
  return withConnectionOptions(
    new Command("files").description("List the files the server holds for you and the room."),
  )
    .option("--json", "print one JSON array instead of a table", false)
    .addHelpText(
      "after",
      `
Examples:
  $ mochi files --server 127.0.0.1:55555 --user bob
  $ mochi files --server 127.0.0.1:55555 --user bob --json | jq '.[].id'`,
    )
    .action((options) =>
      runFiles({
        server: options.server,
        user: options.user,
        json: options.json,
        homeDirectory: clientHomeDirectory(),
        fingerprint: options.fingerprint,
      })
    );
}

/** Prints the list and exits 0. */
export async function runFiles(options: FilesOptions): Promise<void> {
  try {
    const passwords = await filePasswords(options.user);
    const fileLink = await fileConnector(options, passwords)();
    let files: readonly FileInfo[];
    try {
      await fileLink.link.send({ type: "fileListRequest" });
      const answer = await nextAnswer(fileLink.link, (frame) => frame.type === "fileList");
      files = answer.type === "fileList" ? answer.files : [];
    } finally {
      await fileLink.close();
    }
    writeStdoutSync(options.json ? `${JSON.stringify(files.map(fileAsJson))}\n` : fileTable(files));
  } catch (error) {
    failFileCommand(error);
  }
}

/** The files as an aligned table, names made inert for the terminal. */
export function fileTable(files: readonly FileInfo[]): string {
  if (files.length === 0) return "no files\n";
  const rows = [["ID", "NAME", "SIZE", "FROM", "TO", "STATE", "EXPIRES (UTC)"]];
  for (const file of files) {
    rows.push([
      file.fileId,
      sanitizeForTerminal(file.name),
      file.size === undefined ? "?" : formatBytes(file.size),
      sanitizeForTerminal(file.sender),
      file.to === undefined ? "room" : sanitizeForTerminal(file.to),
      file.complete
        ? "ready"
        : `uploading ${
          file.size === undefined || file.size === 0
            ? formatBytes(file.stored)
            : `${Math.floor(file.stored / file.size * 100)} %`
        }`,
      new Date(file.expiresAt).toISOString().slice(0, 16).replace("T", " "),
    ]);
  }
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => [...row[column]!].length))
  );
  return rows.map((row) =>
    row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()
  ).join("\n") + "\n";
}
