/**
 * A `mochi` subcommand run as a user runs it (`deno run main.ts <args>`, the
 * permissions of `deno task mochi`), with its own environment (MOCHI_HOME and
 * the passwords): the file benchmark's sender, receiver and account
 * registrations. The harness keeps its PID (for /proc), what it printed, and
 * its exit; it is stopped with SIGTERM, then SIGKILL.
 *
 * PeerProcess (process.ts) cannot be used: it gives every peer the same
 * environment and hides the PID.
 */

import { REPOSITORY_ROOT, stopChild, withDeadline } from "./process.ts";

/** Permissions of `deno task mochi`. */
const MOCHI_PERMISSIONS = ["--allow-net", "--allow-read", "--allow-write", "--allow-env"];

/** Lines of stderr quoted in an error message. */
const STDERR_TAIL_LINES = 10;

/** Who runs a command: the account and where its client state lives. */
export interface MochiUser {
  /** Account name. */
  name: string;
  /** The account's password (MOCHI_PASSWORD). */
  password: string;
  /** The room password (MOCHI_ROOM_PASSWORD). */
  roomPassword: string;
  /** The client's state directory (MOCHI_HOME): known server keys. */
  home: string;
}

/** One running `mochi` subcommand. */
export class MochiCommand {
  /** Short name used in error messages, e.g. "send-file". */
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
  readonly #child: Deno.ChildProcess;
  #stdout = "";
  #stderr = "";
  #stderrWaiters: Array<() => void> = [];
  #outputEnded = false;
  readonly #outputDone: Promise<void>;

  private constructor(name: string, child: Deno.ChildProcess) {
    this.name = name;
    this.#child = child;
    this.pid = child.pid;
    this.exited = child.status.then((status) => status.code);
    this.#outputDone = Promise.all([
      this.#collect(child.stdout, (text) => this.#stdout += text),
      this.#collect(child.stderr, (text) => {
        this.#stderr += text;
        for (const wake of this.#stderrWaiters.splice(0)) wake();
      }),
    ]).then(() => {
      this.#outputEnded = true;
      for (const wake of this.#stderrWaiters.splice(0)) wake();
    });
  }

  /** Starts `mochi <args>` as `user`; its stdin is a pipe closed at once (no terminal). */
  static start(name: string, user: MochiUser, args: string[]): MochiCommand {
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--config",
        `${REPOSITORY_ROOT}deno.json`,
        ...MOCHI_PERMISSIONS,
        "main.ts",
        ...args,
      ],
      cwd: REPOSITORY_ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: {
        NO_COLOR: "1",
        MOCHI_HOME: user.home,
        MOCHI_PASSWORD: user.password,
        MOCHI_ROOM_PASSWORD: user.roomPassword,
      },
    });
    const child = command.spawn();
    // End of input: `mochi client` in line mode leaves at once, file commands never read it.
    child.stdin.close().catch(() => {});
    return new MochiCommand(name, child);
  }

  /** Everything printed on stdout / stderr so far. */
  get stdout(): string {
    return this.#stdout;
  }
  get stderr(): string {
    return this.#stderr;
  }

  /** Waits for `pattern` on stderr; rejects if the command exits first. */
  async stderrMatch(pattern: RegExp, deadline: number): Promise<RegExpMatchArray> {
    return await withDeadline(
      (async () => {
        for (;;) {
          const match = this.#stderr.match(pattern);
          if (match !== null) return match;
          if (this.#outputEnded) throw new Error(this.#describeExit(`before printing ${pattern}`));
          await new Promise<void>((resolve) => this.#stderrWaiters.push(resolve));
        }
      })(),
      deadline,
      `${this.name} to print ${pattern}`,
    );
  }

  /** Waits for the exit and throws unless the code is 0. */
  async succeeds(deadline: number): Promise<void> {
    const code = await withDeadline(this.exited, deadline, `${this.name} to exit`);
    await this.#outputDone;
    if (code !== 0) throw new Error(this.#describeExit(`with status ${code}`));
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once it is gone. */
  async stop(): Promise<void> {
    await stopChild(this.#child);
    await this.#outputDone;
  }

  #describeExit(how: string): string {
    const tail = this.#stderr.trim().split("\n").slice(-STDERR_TAIL_LINES);
    const summary = tail.findLast((line) => line.trim() !== "") ?? "no output";
    return `${this.name} exited ${how}: ${summary}\n${tail.join("\n")}`;
  }

  async #collect(stream: ReadableStream<Uint8Array>, append: (text: string) => void) {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) append(text);
  }
}

/** Registers `user` on the server with `mochi client --register` in line mode (exit 0). */
export async function registerAccount(
  user: MochiUser,
  serverPort: number,
  deadline: number,
): Promise<void> {
  const client = MochiCommand.start(`register ${user.name}`, user, [
    "client",
    "--server",
    `127.0.0.1:${serverPort}`,
    "--user",
    user.name,
    "--register",
  ]);
  try {
    await client.succeeds(deadline);
  } finally {
    await client.stop();
  }
}
