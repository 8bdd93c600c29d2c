/**
 * `mochi users list|add|remove|passwd`: manages the server's accounts
 * directly in its data directory (run on the server's machine). This file
 * declares the commands and their help; {@link runUsers} does the work.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { defaultServerDataDirectory } from "./_data_dirs.ts";
import { fail } from "./_fail.ts";
import { resolveUserPath } from "./_paths.ts";
import { EXIT } from "./exit_codes.ts";

/** The parsed, validated options of `mochi users <action>`. */
export type UsersOptions =
  | { action: "list"; dataDirectory: string }
  | { action: "add" | "remove" | "passwd"; name: string; dataDirectory: string };

const DATA_OPTION_HELP = "server data directory (default: $XDG_DATA_HOME/mochi/server)";

function dataDirectory(data: string | undefined): string {
  return data === undefined ? defaultServerDataDirectory() : resolveUserPath(data);
}

/** Builds the `users` command and its four subcommands, which call {@link runUsers}. */
export function usersCommand(): CommandUnknownOpts {
  const users = new Command("users")
    .description("Manage the server's accounts (on the server's machine).")
    .addHelpText(
      "after",
      `
Passwords for add and passwd come from MOCHI_PASSWORD, else a prompt.

Examples:
  $ mochi users list --data ./room-data
  $ mochi users add ada
  $ mochi users passwd ada
  $ mochi users remove ada`,
    );
  users.addCommand(
    new Command("list")
      .description("List the accounts.")
      .option("--data <dir>", DATA_OPTION_HELP)
      .action((options) =>
        runUsers({ action: "list", dataDirectory: dataDirectory(options.data) })
      ),
  );
  const descriptions = {
    add: "Create an account.",
    remove: "Delete an account.",
    passwd: "Set an account's password.",
  } as const;
  for (const action of ["add", "remove", "passwd"] as const) {
    users.addCommand(
      new Command(action)
        .description(descriptions[action])
        .argument("<name>", "account name")
        .option("--data <dir>", DATA_OPTION_HELP)
        .action((name, options) =>
          runUsers({ action, name, dataDirectory: dataDirectory(options.data) })
        ),
    );
  }
  return users;
}

/** Performs one account operation on the data directory. */
export function runUsers(_options: UsersOptions): Promise<void> {
  fail("mochi users is not built yet", EXIT.FAILURE);
}
