/**
 * Where passwords come from on the command line: a file given with
 * `--room-password-file`, an environment variable (`MOCHI_PASSWORD`,
 * `MOCHI_ROOM_PASSWORD`), or a hidden prompt asked twice. Nothing here ever
 * prints a password, and no error message contains one.
 *
 * The server's order for the room password ({@link ensureRoomPassword}):
 * the file, else `MOCHI_ROOM_PASSWORD`, else the stored one, else (first
 * start only, none stored) a prompt on the terminal, else a clear failure.
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import { hasRoomPassword, setRoomPassword } from "../server/room_password.ts";
import type { RoomPasswordOptions } from "../server/room_password.ts";
import { MAX_PASSWORD_BYTES, passwordProblem } from "../server/password_hash.ts";
import { promptHidden } from "./_hidden_prompt.ts";
import { processEnvironment } from "./_paths.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";

/** A password could not be obtained; `exitCode` is the status the CLI should end with. */
export class PasswordInputError extends MochiError {
  /** USAGE for a missing or malformed password, FAILURE for I/O or a mismatch. */
  readonly exitCode: ExitCode;

  /** Creates the error; `message` is one line, without the password. */
  constructor(message: string, exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Where to look for a new password, in this order: file, environment, prompt. */
export interface PasswordSources {
  /** What the password is for, in messages: "the room password", "the password for ada". */
  purpose: string;
  /** Absolute path of a file whose first line is the password. */
  file?: string;
  /** The option that gives `file` (`--room-password-file`), for hints; none if there is none. */
  fileOption?: string;
  /** The environment variable to read (`MOCHI_PASSWORD`, `MOCHI_ROOM_PASSWORD`). */
  environmentName: string;
  /** Reads the environment (default: the real one). */
  environment?: (name: string) => string | undefined;
  /** True when a person can be asked (default: `Deno.stdin.isTerminal()`). */
  isTerminal?: () => boolean;
  /** Asks without echo (default: {@link promptHidden}). */
  prompt?: (question: string) => Promise<string>;
}

/**
 * A new password from `sources` (file, else environment, else a prompt
 * asked twice). Throws {@link PasswordInputError} when none can be had or it
 * is empty or too long.
 */
export async function newPasswordFrom(sources: PasswordSources): Promise<string> {
  const fromOther = await passwordFromFileOrEnvironment(sources);
  if (fromOther !== undefined) return fromOther.password;
  const isTerminal = sources.isTerminal ?? (() => Deno.stdin.isTerminal());
  if (!isTerminal()) {
    throw new PasswordInputError(
      `Cannot set ${sources.purpose}: none given, and no terminal to ask on (${hint(sources)})`,
      EXIT.USAGE,
    );
  }
  return await promptNewPassword(sources);
}

/** Asks for a new password twice, without echo; they must match. */
export async function promptNewPassword(sources: PasswordSources): Promise<string> {
  const prompt = sources.prompt ?? promptHidden;
  const first = await prompt(`New ${sources.purpose.replace(/^the /, "")}: `);
  checkAcceptable(first, sources.purpose, "typed");
  const second = await prompt("Type it again: ");
  if (first !== second) {
    throw new PasswordInputError(
      `Cannot set ${sources.purpose}: the two entries differ`,
      EXIT.FAILURE,
    );
  }
  return first;
}

/**
 * The first line of `path` (without its line ending and any byte-order
 * mark). At most {@link MAX_PASSWORD_BYTES} are read, so a huge file or a
 * device never fills memory. Throws {@link PasswordInputError} when the file
 * cannot be read, is not UTF-8, or its first line is empty or too long.
 */
export async function readPasswordFile(path: string, purpose = "the password"): Promise<string> {
  const limit = MAX_PASSWORD_BYTES + 2; // the password, then CR LF
  const bytes = new Uint8Array(limit + 1);
  let length = 0;
  try {
    using file = await Deno.open(path, { read: true });
    while (length < bytes.length && !bytes.subarray(0, length).includes(0x0a)) {
      const count = await file.read(bytes.subarray(length));
      if (count === null) break;
      length += count;
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PasswordInputError(`Cannot read ${purpose} from ${path}: ${reason}`, EXIT.FAILURE, {
      cause: error,
    });
  }
  const newline = bytes.subarray(0, length).indexOf(0x0a);
  const lineBytes = bytes.subarray(0, newline === -1 ? Math.min(length, limit) : newline);
  if (newline === -1 && length > MAX_PASSWORD_BYTES + 1) {
    throw new PasswordInputError(
      `Cannot use ${purpose} in ${path}: its first line is longer than ${MAX_PASSWORD_BYTES} bytes`,
      EXIT.USAGE,
    );
  }
  let line: string;
  try {
    line = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(lineBytes);
  } catch {
    throw new PasswordInputError(`Cannot use ${purpose} in ${path}: it is not UTF-8`, EXIT.USAGE);
  }
  line = line.replace(/\r$/, "");
  checkAcceptable(line, purpose, `in ${path} (its first line)`);
  return line;
}

/** How the server got its room password (never the password itself). */
export type RoomPasswordOrigin = "file" | "environment" | "stored" | "prompt";

/**
 * The server's room password at start, in this order: `--room-password-file`,
 * else `MOCHI_ROOM_PASSWORD` (either replaces the stored one), else the one
 * already stored, else, on the first start only, a prompt asked twice on the
 * terminal. Without any of these it throws {@link PasswordInputError}
 * (status USAGE). Returns where the password came from, for the console.
 *
 * @example
 * ```ts ignore
 * const origin = await ensureRoomPassword(kv, { file: options.roomPasswordFile });
 * log(`room password: ${origin}`);
 * ```
 */
export async function ensureRoomPassword(
  kv: Deno.Kv,
  sources: Omit<PasswordSources, "purpose" | "environmentName" | "fileOption"> = {},
  options: RoomPasswordOptions = {},
): Promise<RoomPasswordOrigin> {
  const full: PasswordSources = {
    ...sources,
    purpose: "the room password",
    environmentName: "MOCHI_ROOM_PASSWORD",
    fileOption: "--room-password-file",
  };
  const given = await passwordFromFileOrEnvironment(full);
  if (given !== undefined) {
    await setRoomPassword(kv, given.password, options);
    return given.origin;
  }
  if (await hasRoomPassword(kv)) return "stored";
  const isTerminal = sources.isTerminal ?? (() => Deno.stdin.isTerminal());
  if (!isTerminal()) {
    throw new PasswordInputError(
      "Cannot start the server: no room password is set, and there is no terminal to ask for one" +
        ` (${hint(full)})`,
      EXIT.USAGE,
    );
  }
  await setRoomPassword(kv, await promptNewPassword(full), options);
  return "prompt";
}

async function passwordFromFileOrEnvironment(
  sources: PasswordSources,
): Promise<{ password: string; origin: "file" | "environment" } | undefined> {
  if (sources.file !== undefined) {
    return { password: await readPasswordFile(sources.file, sources.purpose), origin: "file" };
  }
  const value = (sources.environment ?? processEnvironment)(sources.environmentName);
  if (value === undefined) return undefined;
  checkAcceptable(value, sources.purpose, `in ${sources.environmentName}`);
  return { password: value, origin: "environment" };
}

function checkAcceptable(password: string, purpose: string, where: string): void {
  const problem = passwordProblem(password);
  if (problem !== undefined) {
    throw new PasswordInputError(`Cannot use ${purpose} ${where}: ${problem}`, EXIT.USAGE);
  }
}

/** "give --room-password-file FILE or set MOCHI_ROOM_PASSWORD", or "set MOCHI_PASSWORD". */
function hint(sources: PasswordSources): string {
  const file = sources.fileOption === undefined ? "" : `give ${sources.fileOption} FILE or `;
  return `${file}set ${sources.environmentName}`;
}
