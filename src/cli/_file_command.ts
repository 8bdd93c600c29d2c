/**
 * What `send-file`, `recv-file` and `files` share: the account and room
 * passwords (from the environment, else asked on a terminal), the file
 * link they open (again after a lost link), and the exit status of each
 * failure (README, "Exit statuses").
 *
 * @module
 */

import { FileRefusedByServer, IntegrityFailure, NotResumable } from "../client/file_errors.ts";
import { type FileLink, openFileLink } from "../client/file_link.ts";
import { ServerKeyChanged } from "../client/trust.ts";
import { OutputExists } from "../files/output_target.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import { Command, type OptionValues } from "@commander-js/extra-typings";
import { type HostPort, parseAddress } from "./_address.ts";
import { commanderParser } from "./_commander.ts";
import { clientExitStatus, MissingInput } from "./_client_run.ts";
import { passwordProblem } from "./_client_login.ts";
import { hasTerminal, serverTrustOptions } from "./_client_trust.ts";
import { parseFingerprint } from "./client.ts";
import { fail } from "./_fail.ts";
import { promptHidden } from "./_hidden_prompt.ts";
import { type EnvironmentLookup, processEnvironment } from "./_paths.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";

/** The options every file command has. */
export interface FileCommandOptions {
  /** The server's address. */
  readonly server: HostPort;
  /** The account name. */
  readonly user: string;
  /** Absolute path of the client's state directory (`MOCHI_HOME`). */
  readonly homeDirectory: string;
  /** From `--fingerprint`: the only server key to accept. */
  readonly fingerprint?: string;
}

/** Adds the options every file command has: --server, --user and --fingerprint. */
export function withConnectionOptions<Args extends unknown[], Options extends OptionValues>(
  command: Command<Args, Options>,
) {
  return command
    .requiredOption("--server <host:port>", "server address", commanderParser(parseAddress))
    .requiredOption("--user <name>", "your account name")
    .option(
      "--fingerprint <SHA256:...>",
      "accept only the server key with this fingerprint",
      commanderParser(parseFingerprint),
    );
}

/** The passwords a file command logs in with. */
export interface FilePasswords {
  /** The account's password. */
  readonly password: string;
  /** The room password. */
  readonly roomPassword: string;
}

/**
 * `MOCHI_PASSWORD` and `MOCHI_ROOM_PASSWORD`, each asked for on the terminal
 * when unset and there is one; {@link MissingInput} (exit 2) otherwise.
 */
export async function filePasswords(
  user: string,
  environment: EnvironmentLookup = processEnvironment,
  canAsk: boolean = hasTerminal(),
): Promise<FilePasswords> {
  const get = async (variable: string, question: string): Promise<string> => {
    const value = environment(variable);
    if (value !== undefined) {
      const problem = passwordProblem(value);
      if (problem !== undefined) throw new MissingInput(`Cannot use ${variable}: ${problem}`);
      return value;
    }
    if (!canAsk) {
      throw new MissingInput(
        `Cannot log in as ${user}: ${variable} is not set, and there is no terminal to ask on`,
      );
    }
    return await promptHidden(question);
  };
  const password = await get("MOCHI_PASSWORD", `Password for ${user}: `);
  const roomPassword = await get("MOCHI_ROOM_PASSWORD", "Room password: ");
  return { password, roomPassword };
}

/** Opens a logged-in file link each time it is called. */
export function fileConnector(
  options: FileCommandOptions,
  passwords: FilePasswords,
): () => Promise<FileLink> {
  const trust = serverTrustOptions({
    server: options.server,
    homeDirectory: options.homeDirectory,
    fingerprint: options.fingerprint,
  });
  return () =>
    openFileLink({
      server: options.server,
      trust,
      credentials: { name: options.user, password: passwords.password, register: false },
      roomPassword: passwords.roomPassword,
    });
}

/** The exit status of a file command's failure, or undefined for a bug (rethrown). */
export function fileExitStatus(error: unknown): ExitCode | undefined {
  if (error instanceof IntegrityFailure) return EXIT.INTEGRITY;
  if (
    error instanceof FileRefusedByServer || error instanceof NotResumable ||
    error instanceof OutputExists
  ) {
    return EXIT.FAILURE;
  }
  if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
    return EXIT.FAILURE;
  }
  if (error instanceof Deno.errors.InvalidData || error instanceof Deno.errors.IsADirectory) {
    return EXIT.FAILURE;
  }
  return clientExitStatus(error);
}

/** Ends the command for `error`: its one-line reason on stderr and its exit status. */
export function failFileCommand(error: unknown): never {
  const status = fileExitStatus(error);
  if (status === undefined) throw error;
  const message = sanitizeForTerminal((error as Error).message);
  fail(message, status, error instanceof ServerKeyChanged ? error.explanation : undefined);
}
