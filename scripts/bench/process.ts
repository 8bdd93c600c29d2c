/**
 * Harness side of the peer processes: spawns `deno run` subprocesses, reads
 * their stdout announcements and stderr lines, enforces deadlines, and stops
 * them (SIGTERM, then SIGKILL) so that no benchmark row can hang.
 */

import { fileURLToPath } from "node:url";
import { type AnnouncementLine, parseAnnouncement } from "./peer_protocol.ts";

/** Raised when a row's deadline passes; the row is reported as "timeout". */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** Absolute path of the repository root (two folders above this file). */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Permissions every peer process runs with. */
const PEER_PERMISSIONS = ["--allow-net", "--allow-read", "--allow-env"];

/** How long a stopped process gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3_000;

/** How many stderr lines are kept for error messages. */
const STDERR_TAIL_LINES = 20;

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: Deno.ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // Already exited.
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }, graceMs);
  await child.status;
  clearTimeout(timer);
}

/** Options for spawning one peer process. */
export interface SpawnOptions {
  /** Short name used in error messages, e.g. "quic receiver". */
  name: string;
  /** Script path relative to the repository root. */
  script: string;
  /** Arguments after the script. */
  args: string[];
  /** Extra V8 flags, e.g. `--expose-gc`. */
  v8Flags?: string[];
  /** Permissions instead of the default peer permissions. */
  permissions?: string[];
}

/** Resolves `promise`, or rejects with a TimeoutError at `deadline` (epoch ms). */
export async function withDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`timed out waiting for ${what}`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

/** One `deno run` subprocess and the lines it has printed. */
export class PeerProcess {
  /** Name used in error messages. */
  readonly name: string;
  readonly #child: Deno.ChildProcess;
  readonly #stdoutLines: string[] = [];
  readonly #stderrLines: string[] = [];
  #stdoutWaiters: Array<() => void> = [];
  #stderrWaiters: Array<() => void> = [];
  #outputEnded = false;
  readonly #outputDone: Promise<void>;

  private constructor(name: string, child: Deno.ChildProcess) {
    this.name = name;
    this.#child = child;
    this.#outputDone = Promise.all([
      this.#collectLines(child.stdout, this.#stdoutLines, () => this.#wake("stdout")),
      this.#collectLines(child.stderr, this.#stderrLines, () => this.#wake("stderr")),
    ]).then(() => {
      this.#outputEnded = true;
      this.#wake("stdout");
      this.#wake("stderr");
    });
  }

  /** Starts `deno run` on a script of this repository. */
  static spawn(options: SpawnOptions): PeerProcess {
    const v8Flags = options.v8Flags?.length ? [`--v8-flags=${options.v8Flags.join(",")}`] : [];
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--config",
        `${REPOSITORY_ROOT}deno.json`,
        ...v8Flags,
        ...(options.permissions ?? PEER_PERMISSIONS),
        options.script,
        ...options.args,
      ],
      cwd: REPOSITORY_ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    });
    return new PeerProcess(options.name, command.spawn());
  }

  /** Waits for the next announcement of `kind` on stdout and returns its payload. */
  async announcement(kind: string, deadline: number): Promise<Record<string, unknown>> {
    const found = await withDeadline(
      this.#waitFor("stdout", (line) => parseAnnouncement(line)?.kind === kind),
      deadline,
      `${this.name} to print ${kind}`,
    );
    return (parseAnnouncement(found) as AnnouncementLine).payload;
  }

  /** Waits for a stderr line matching `pattern` and returns its match. */
  async stderrMatch(pattern: RegExp, deadline: number): Promise<RegExpMatchArray> {
    const found = await withDeadline(
      this.#waitFor("stderr", (line) => pattern.test(line)),
      deadline,
      `${this.name} to print ${pattern} on stderr`,
    );
    return found.match(pattern) as RegExpMatchArray;
  }

  /** Everything printed on stderr so far. */
  stderrText(): string {
    return this.#stderrLines.join("\n");
  }

  /** Resolves with the exit code once the process has exited. */
  async exitCode(deadline: number): Promise<number> {
    const status = await withDeadline(this.#child.status, deadline, `${this.name} to exit`);
    return status.code;
  }

  /** Stops the process: SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await stopChild(this.#child);
    await this.#outputDone;
  }

  /** One line naming the failure (Deno's "error: ..." line), then the stderr tail. */
  #describeEarlyExit(): string {
    const tail = this.#stderrLines.slice(-STDERR_TAIL_LINES);
    const summary = tail.find((line) => line.startsWith("error:")) ??
      tail.findLast((line) => line.trim() !== "") ?? "no output";
    return `${this.name} exited early: ${summary}\n${tail.join("\n")}`;
  }

  #wake(stream: "stdout" | "stderr"): void {
    const waiters = stream === "stdout" ? this.#stdoutWaiters : this.#stderrWaiters;
    if (stream === "stdout") this.#stdoutWaiters = [];
    else this.#stderrWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves with the first line (consumed in order) that satisfies `accepts`. */
  async #waitFor(stream: "stdout" | "stderr", accepts: (line: string) => boolean): Promise<string> {
    const lines = stream === "stdout" ? this.#stdoutLines : this.#stderrLines;
    let next = 0;
    while (true) {
      for (; next < lines.length; next++) {
        const line = lines[next]!;
        if (accepts(line)) {
          if (stream === "stdout") lines.splice(0, next + 1);
          return line;
        }
      }
      if (this.#outputEnded) throw new Error(this.#describeEarlyExit());
      await new Promise<void>((resolve) => {
        (stream === "stdout" ? this.#stdoutWaiters : this.#stderrWaiters).push(resolve);
      });
    }
  }

  async #collectLines(
    stream: ReadableStream<Uint8Array>,
    into: string[],
    onLine: () => void,
  ): Promise<void> {
    let pending = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      if (parts.length > 0) {
        into.push(...parts);
        onLine();
      }
    }
    if (pending !== "") {
      into.push(pending);
      onLine();
    }
  }
}
