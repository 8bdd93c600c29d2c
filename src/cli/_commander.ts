/**
 * Glue between commander and mochi's conventions: pure parsers become
 * commander argument parsers, and every usage error (unknown command or
 * option, bad or missing value) becomes one `mochi: <reason>` line, a hint
 * line, and exit status 2 instead of commander's 1.
 *
 * @module
 */

import {
  type CommanderError,
  type CommandUnknownOpts,
  InvalidArgumentError,
} from "@commander-js/extra-typings";
import { ArgumentError } from "./_argument_error.ts";
import { fail, writeStdoutSync } from "./_fail.ts";
import { EXIT } from "./exit_codes.ts";

/**
 * Wraps a pure parser so commander reports its {@link ArgumentError} as an
 * invalid argument (which {@link installUsageErrors} turns into exit 2).
 */
export function commanderParser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof ArgumentError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

/** `mochi users add`, from a command and its ancestors, for hints. */
export function commandPath(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let current: CommandUnknownOpts | null = command; current; current = current.parent) {
    names.unshift(current.name());
  }
  return names.join(" ");
}

/**
 * Applies mochi's usage-error handling to `root` and all its subcommands.
 * Call it once the tree is complete (commands added with `addCommand` do not
 * inherit these settings from their parent).
 */
export function installUsageErrors(root: CommandUnknownOpts): void {
  root.configureOutput({
    writeOut: writeStdoutSync,
    // Commander's own error text and error-help are replaced by fail()'s one line.
    writeErr: () => {},
    outputError: () => {},
  });
  root.exitOverride((error) => handleCommanderExit(error, root));
  for (const subcommand of root.commands) installUsageErrors(subcommand);
}

function handleCommanderExit(error: CommanderError, command: CommandUnknownOpts): never {
  const hint = `Try '${commandPath(command)} --help' for more information.`;
  // --help, --version and `help` print to stdout and end with exitCode 0.
  if (error.exitCode === 0) Deno.exit(EXIT.OK);
  if (error.code === "commander.help") {
    // Commander shows help on stderr when a command that needs a subcommand got none.
    const names = command.commands.map((subcommand) => subcommand.name()).join(", ");
    fail(`missing command: expected one of ${names}`, EXIT.USAGE, hint);
  }
  fail(usageMessage(error), EXIT.USAGE, hint);
}

/**
 * Commander's message without its `error: ` prefix; an invalid value is
 * shortened from "option '--port <port>' argument '0' is invalid. <reason>"
 * to "--port: <reason>" (the reason already quotes the value).
 */
export function usageMessage(error: CommanderError): string {
  const message = error.message.replace(/^error: /, "");
  const invalidOption = /^option '(\S+)[^']*' argument '.*' is invalid\. (.*)$/s.exec(message);
  if (invalidOption) return `${invalidOption[1]}: ${invalidOption[2]}`;
  const invalidArgument = /^command-argument value '.*' is invalid for argument '(\S+)'\. (.*)$/s
    .exec(message);
  if (invalidArgument) return `<${invalidArgument[1]}>: ${invalidArgument[2]}`;
  return message;
}
