/**
 * `mochi users list|add|remove|passwd`: manages the server's accounts
 * directly in its data directory (run on the server's machine), through
 * `src/server/accounts.ts`. This file declares the commands and their help;
 * {@link runUsers} does the work.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import * as accounts from "../server/accounts.ts";
import { NameTaken, NoSuchAccount } from "../server/accounts.ts";
import { validateName } from "../server/names.ts";
import { defaultServerDataDirectory } from "./_data_dirs.ts";
import { fail, writeStdoutSync } from "./_fail.ts";
import { newPasswordFrom } from "./_password_input.ts";
import { resolveUserPath } from "./_paths.ts";
import { serverDataExists, withServerData } from "./_server_data.ts";
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
Names are 1 to 32 letters, digits, '_', '-' or '.', compared without case
(Ada and ada are one account). Passwords for add and passwd come from
MOCHI_PASSWORD, else a prompt (asked twice, not echoed). 'list' prints one
account per line: its name, a tab, the date it was created (UTC). Safe to run
while the server runs on the same data.

Exit statuses: 0 done, 1 no such account, 2 bad name or password,
5 name taken (add), 8 damaged data.

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

/** What each action does, for "Cannot <verb> ada: <reason>". */
const VERBS = { add: "add", remove: "remove", passwd: "change the password of" } as const;

/**
 * Performs one account operation on the data directory, then exits through
 * the usual statuses: 0 done; 1 no such account (remove, passwd), no server
 * data (list), a cancelled prompt; 2 a name or password that cannot be used,
 * or no password and no terminal; 5 the name is taken (add); 8 damaged data.
 * Safe while the server runs on the same data.
 */
export async function runUsers(options: UsersOptions): Promise<void> {
  const { dataDirectory } = options;
  if (options.action === "list") {
    if (!await serverDataExists(dataDirectory)) {
      fail(`Cannot list the accounts: there is no server data in ${dataDirectory}`, EXIT.FAILURE);
    }
    const found = await withServerData(dataDirectory, (kv) => accounts.list(kv));
    writeStdoutSync(found.map((account) => `${formatAccount(account)}\n`).join(""));
    return;
  }
  const verb = VERBS[options.action];
  const checked = validateName(options.name);
  // The name is not echoed back when invalid: it may hold escape sequences.
  if (!checked.ok) fail(`Cannot ${verb} this account: ${checked.reason}`, EXIT.USAGE);
  const shown = checked.displayName;
  if (options.action !== "add" && !await serverDataExists(dataDirectory)) {
    fail(`Cannot ${verb} ${shown}: no such account`, EXIT.FAILURE);
  }
  const outcome = await withServerData(dataDirectory, async (kv) => {
    try {
      if (options.action === "remove") {
        // Even an account whose record is damaged can be removed.
        await accounts.remove(kv, checked.name);
        return `removed account ${shown}`;
      }
      // Asked before the password is, so nobody types one for nothing.
      const existing = await accounts.get(kv, checked.name);
      if (options.action === "add" && existing !== null) throw new NameTaken("taken");
      if (options.action === "passwd" && existing === null) throw new NoSuchAccount("none");
      const password = await newPasswordFrom({
        purpose: `the password for ${shown}`,
        environmentName: "MOCHI_PASSWORD",
      });
      if (options.action === "add") {
        await accounts.register(kv, options.name, password);
        return `added account ${shown}`;
      }
      await accounts.setPassword(kv, checked.name, password);
      return `changed the password of ${shown}`;
    } catch (error) {
      if (error instanceof NameTaken) {
        return { failure: "the name is taken", code: EXIT.NAME_TAKEN };
      }
      if (error instanceof NoSuchAccount) return { failure: "no such account", code: EXIT.FAILURE };
      throw error;
    }
  });
  if (typeof outcome !== "string") {
    fail(`Cannot ${verb} ${shown}: ${outcome.failure}`, outcome.code);
  }
  writeStdoutSync(`${outcome}\n`);
}

/** One line of `mochi users list`: the display name, a tab, the creation date (UTC). */
export function formatAccount(account: accounts.Account): string {
  return `${account.displayName}\t${account.createdAt.slice(0, 10)}`;
}
