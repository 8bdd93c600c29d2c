/**
 * `mochi server set-room-password [--data DIR] [--room-password-file F]`:
 * sets or changes the room password in the server's data. The new password
 * comes from the file, else `MOCHI_ROOM_PASSWORD`, else a prompt asked
 * twice without echo. Safe while the server runs: the server reads the
 * stored record on every check, so the change applies to the next join.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { setRoomPassword } from "../server/room_password.ts";
import { writeStdoutSync } from "./_fail.ts";
import { newPasswordFrom } from "./_password_input.ts";
import { withServerData } from "./_server_data.ts";

/** The parsed options of `mochi server set-room-password`. */
export interface SetRoomPasswordOptions {
  /** Absolute path of the server's data directory. */
  dataDirectory: string;
  /** Absolute path of a file whose first line is the new password, if given. */
  roomPasswordFile: string | undefined;
}

/**
 * Builds the subcommand. `resolve` turns the raw `--data` and
 * `--room-password-file` values (its own, else those given to `mochi
 * server` before the subcommand's name) into {@link SetRoomPasswordOptions}.
 */
export function setRoomPasswordCommand(
  dataOptionHelp: string,
  resolve: (data: string | undefined, file: string | undefined) => SetRoomPasswordOptions,
): CommandUnknownOpts {
  return new Command("set-room-password")
    .description("Set or change the room password (safe while the server runs).")
    .option("--data <dir>", dataOptionHelp)
    .option(
      "--room-password-file <file>",
      "read the new room password from this file's first line (else MOCHI_ROOM_PASSWORD, else a prompt)",
    )
    .addHelpText(
      "after",
      `
The password is never printed. Members already in the room stay; the new
password applies to every join from now on.

Examples:
  $ mochi server set-room-password --data ./room-data
  $ mochi server set-room-password --room-password-file ./room-password.txt
  $ MOCHI_ROOM_PASSWORD=hunter2 mochi server set-room-password`,
    )
    .action((options) => runSetRoomPassword(resolve(options.data, options.roomPasswordFile)));
}

/** Stores the new room password, then says so (without the password). */
export async function runSetRoomPassword(options: SetRoomPasswordOptions): Promise<void> {
  await withServerData(options.dataDirectory, async (kv) => {
    const password = await newPasswordFrom({
      purpose: "the room password",
      environmentName: "MOCHI_ROOM_PASSWORD",
      fileOption: "--room-password-file",
      file: options.roomPasswordFile,
    });
    await setRoomPassword(kv, password);
  });
  writeStdoutSync(`room password set in ${options.dataDirectory}\n`);
}
