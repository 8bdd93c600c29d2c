/**
 * `mochi client` on the chat protocol: what it needs before connecting
 * (passwords from the environment when there is no terminal to ask on),
 * the session, logging in, then the terminal interface or line mode, and
 * the exit status of each failure (README, "Exit statuses").
 *
 * @module
 */

import { ChatSession } from "../client/chat_session.ts";
import { KnownServersError } from "../client/known_servers.ts";
import { NameTaken, WrongCredentials, WrongRoomPassword } from "../client/session_errors.ts";
import { ServerKeyChanged } from "../client/trust.ts";
import { ConnectionLost, MochiError } from "../errors.ts";
import { sanitizeForTerminal } from "../ui/sanitize.ts";
import { formatAddress, type HostPort } from "./_address.ts";
import {
  type GivenLogin,
  logInInteractively,
  logInOnce,
  passwordProblem,
} from "./_client_login.ts";
import { runPipeChat } from "./_client_pipe.ts";
import { terminalPrompts } from "./_client_prompts.ts";
import { runTerminalChat } from "./_client_terminal.ts";
import { serverTrustOptions } from "./_client_trust.ts";
import { fail, writeStderrSync, writeStdoutSync } from "./_fail.ts";
import { type EnvironmentLookup, processEnvironment } from "./_paths.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";

/** The options of `mochi client`, with the config file already applied. */
export interface ClientOptions {
  /** The server's address. */
  server: HostPort;
  /** Account name; undefined = ask (in a terminal). */
  user: string | undefined;
  /** The account name came from MOCHI_HOME/config.json: log in without asking about registering. */
  userFromConfig?: boolean;
  /** Create the account instead of logging in. */
  register: boolean;
  /** Without a terminal: events as JSON lines instead of text lines. */
  json: boolean;
  /** Largest UDP payload to send, in bytes; undefined = the transport's default. */
  mtu: number | undefined;
  /** Absolute path of the client's state directory (`MOCHI_HOME`). */
  homeDirectory: string;
  /** From `--fingerprint`: the only server key to accept (and pin). */
  fingerprint: string | undefined;
}

/** Something the client needs was not given, and there is no terminal to ask on (exit 2). */
export class MissingInput extends MochiError {}

/**
 * The exit status for an error of the client, or undefined for an error
 * that is a bug (it is rethrown).
 */
export function clientExitStatus(error: unknown): ExitCode | undefined {
  if (error instanceof ServerKeyChanged) return EXIT.SERVER_KEY_CHANGED;
  if (error instanceof ConnectionLost) return EXIT.SERVER_UNREACHABLE;
  if (error instanceof WrongCredentials) return EXIT.WRONG_CREDENTIALS;
  if (error instanceof WrongRoomPassword) return EXIT.WRONG_ROOM_PASSWORD;
  if (error instanceof NameTaken) return EXIT.NAME_TAKEN;
  if (error instanceof MissingInput) return EXIT.USAGE;
  if (error instanceof MochiError || error instanceof KnownServersError) return EXIT.FAILURE;
  return undefined;
}

/**
 * What line mode logs in with: the name, `MOCHI_PASSWORD` and
 * `MOCHI_ROOM_PASSWORD`. Throws {@link MissingInput} for what is missing or
 * unusable, before anything is sent.
 */
export function givenLogin(
  options: Pick<ClientOptions, "user" | "register">,
  environment: EnvironmentLookup = processEnvironment,
): GivenLogin {
  const name = options.user;
  if (name === undefined) {
    throw new MissingInput(
      'Cannot log in: no account name (give --user NAME, or "user" in MOCHI_HOME/config.json)',
    );
  }
  const password = fromEnvironment(environment, "MOCHI_PASSWORD", `the password for ${name}`);
  const roomPassword = fromEnvironment(environment, "MOCHI_ROOM_PASSWORD", "the room password");
  if (password === undefined || roomPassword === undefined) {
    const missing = password === undefined ? "MOCHI_PASSWORD" : "MOCHI_ROOM_PASSWORD";
    throw new MissingInput(
      `Cannot log in as ${name}: ${missing} is not set, and there is no terminal to ask on`,
    );
  }
  return { name, password, register: options.register, roomPassword };
}

function fromEnvironment(
  environment: EnvironmentLookup,
  variable: string,
  purpose: string,
): string | undefined {
  const value = environment(variable);
  if (value === undefined) return undefined;
  const problem = passwordProblem(value);
  if (problem !== undefined) {
    throw new MissingInput(`Cannot use ${purpose} in ${variable}: ${problem}`);
  }
  return value;
}

/** A password from the environment, if the protocol can carry it (else it is asked for). */
function usablePassword(value: string | undefined): string | undefined {
  return value !== undefined && passwordProblem(value) === undefined ? value : undefined;
}

/**
 * Runs the client: log in and join (asking in a terminal, from the
 * environment otherwise), then the terminal interface or line mode until
 * the user leaves or the input ends and everything sent is acknowledged.
 * Every failure exits with its status and a one-line reason on stderr.
 */
export async function runChatClient(options: ClientOptions): Promise<void> {
  const canPrompt = Deno.stdin.isTerminal();
  const interactive = canPrompt && Deno.stdout.isTerminal();
  const address = formatAddress(options.server);
  try {
    const given = canPrompt ? undefined : givenLogin(options);
    if (interactive) writeStderrSync(`Connecting to ${address}...\n`);
    const session = await ChatSession.open({
      server: options.server,
      trust: serverTrustOptions(options),
      config: options.mtu === undefined ? {} : { mtu: options.mtu },
    });
    try {
      const you = given !== undefined
        ? await logInOnce(session, given)
        : await logInInteractively(session, {
          user: options.user,
          register: options.register,
          askAction: !options.register && !options.userFromConfig,
          password: usablePassword(processEnvironment("MOCHI_PASSWORD")),
          roomPassword: usablePassword(processEnvironment("MOCHI_ROOM_PASSWORD")),
        }, terminalPrompts());
      if (interactive) return await runTerminalChat(session);
      writeStderrSync(`mochi: joined the room on ${address} as ${sanitizeForTerminal(you)}\n`);
      await runPipeChat(session, {
        json: options.json,
        input: Deno.stdin.readable,
        print: (line) => writeStdoutSync(`${line}\n`),
        diagnose: (line) => writeStderrSync(`mochi: ${line}\n`),
      });
    } finally {
      await session.close(); // nothing left to do after leave(); after a failure, closes at once
    }
  } catch (error) {
    const status = clientExitStatus(error);
    if (status === undefined) throw error;
    const message = sanitizeForTerminal((error as Error).message);
    fail(message, status, error instanceof ServerKeyChanged ? error.explanation : undefined);
  }
}
