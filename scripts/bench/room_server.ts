/**
 * The room benchmark's server: a real `mochi server` process (`deno run
 * --allow-all main.ts server ...`), started with the room password in
 * MOCHI_ROOM_PASSWORD, watched from the outside: its PID for /proc (CPU time
 * from /proc/PID/stat, memory from /proc/PID/status), and its console on
 * stdout (the `listening on udp HOST:PORT` line, then one line per message
 * with the room sequence number). Stopped with SIGTERM, then SIGKILL.
 *
 * PeerProcess (process.ts) runs the generators; the server needs its own
 * handle because the harness must know its PID and give it an environment.
 */

import { readProcFile } from "./handshake_runs.ts";
import { REPOSITORY_ROOT, stopChild, withDeadline } from "./process.ts";
import { wallClockMs } from "./peer_protocol.ts";

/** How long the server gets to stop by itself after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** Console lines kept (besides message lines) for the notes and for error messages. */
const KEPT_LINES = 40;
/** Linux's USER_HZ: /proc/PID/stat counts CPU time in hundredths of a second. */
const PROC_TICK_MS = 10;

/** How the server is started. */
export interface RoomServerOptions {
  dataDirectory: string;
  roomPassword: string;
  maxClients: number;
  /** `--message-rate`, e.g. `100/1`. */
  messageRate: string;
}

/** One reading of the server process from /proc. */
export interface ProcessSample {
  /** Wall clock when the reading was taken. */
  at: number;
  /** User + system CPU time of every thread so far, in ms (10 ms resolution). */
  cpuMs: number;
  /** The same for the main thread alone (JavaScript runs there). */
  mainThreadCpuMs: number;
  /** Resident set size now, and its peak so far (VmHWM), in bytes. */
  rssBytes: number;
  peakRssBytes: number;
}

/** A running `mochi server` process. */
export class RoomServer {
  readonly pid: number;
  readonly #child: Deno.ChildProcess;
  readonly #otherLines: string[] = [];
  readonly #stderrLines: string[] = [];
  #port: number | null = null;
  #portWaiters: Array<() => void> = [];
  #outputEnded = false;
  /** Room sequence numbers of the message lines, with the wall clock they were read at. */
  readonly #sequences: Array<{ at: number; sequence: number }> = [];
  readonly #outputDone: Promise<void>;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.pid = child.pid;
    this.#outputDone = Promise.all([
      this.#lines(child.stdout, (line) => this.#stdoutLine(line)),
      this.#lines(child.stderr, (line) => keep(this.#stderrLines, line)),
    ]).then(() => {
      this.#outputEnded = true;
      this.#wake();
    });
  }

  /** Starts `mochi server` on 127.0.0.1, any free port. */
  static start(options: RoomServerOptions): RoomServer {
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--config",
        `${REPOSITORY_ROOT}deno.json`,
        "--allow-all",
        "main.ts",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data",
        options.dataDirectory,
        "--max-clients",
        String(options.maxClients),
        "--message-rate",
        options.messageRate,
      ],
      cwd: REPOSITORY_ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", MOCHI_ROOM_PASSWORD: options.roomPassword },
    });
    return new RoomServer(command.spawn());
  }

  /** The UDP port from the `listening on udp HOST:PORT` line. */
  async port(deadline: number): Promise<number> {
    return await withDeadline(
      (async () => {
        while (this.#port === null) {
          if (this.#outputEnded) {
            throw new Error(`mochi server exited early:\n${this.consoleTail()}`);
          }
          await new Promise<void>((resolve) => this.#portWaiters.push(resolve));
        }
        return this.#port;
      })(),
      deadline,
      "mochi server to print its port",
    );
  }

  /** The highest room sequence the console had shown by wall-clock time `at` (0: none). */
  sequenceAt(at: number): number {
    let sequence = 0;
    for (const line of this.#sequences) {
      if (line.at >= at) break;
      sequence = line.sequence;
    }
    return sequence;
  }

  /** The last console lines other than messages (drop reports, the final counters), and stderr. */
  consoleTail(): string {
    return [...this.#otherLines, ...this.#stderrLines].join("\n");
  }

  /** CPU time and memory from /proc; null when the process is gone or /proc is unreadable. */
  async sample(): Promise<ProcessSample | null> {
    const at = wallClockMs();
    // The main thread's task has the process's id; its stat line comes first.
    const text = await readProcFile(
      `/proc/${this.pid}/task/${this.pid}/stat`,
      `/proc/${this.pid}/stat`,
      `/proc/${this.pid}/status`,
    );
    if (text === null) return null;
    const [mainThreadLine = "", processLine = ""] = text.split("\n");
    const kibibytes = (name: string) => {
      const match = text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
      return match === null ? NaN : Number(match[1]) * 1024;
    };
    const cpuMs = cpuTicks(processLine) * PROC_TICK_MS;
    const mainThreadCpuMs = cpuTicks(mainThreadLine) * PROC_TICK_MS;
    if (!Number.isFinite(cpuMs) || !Number.isFinite(mainThreadCpuMs)) return null;
    return {
      at,
      cpuMs,
      mainThreadCpuMs,
      rssBytes: kibibytes("VmRSS"),
      peakRssBytes: kibibytes("VmHWM"),
    };
  }

  /** SIGTERM (members are told, the console prints its counters), then SIGKILL after a grace. */
  async stop(): Promise<void> {
    await stopChild(this.#child, STOP_GRACE_MS);
    await this.#outputDone;
  }

  #stdoutLine(line: string): void {
    const message = line.match(/^\d\d:\d\d:\d\d #(\d+) /);
    if (message !== null) {
      this.#sequences.push({ at: wallClockMs(), sequence: Number(message[1]) });
      return;
    }
    if (this.#port === null) {
      const listening = line.match(/listening on udp \S+:(\d+)/);
      if (listening !== null) {
        this.#port = Number(listening[1]);
        this.#wake();
      }
    }
    // Joins and leaves are one line per member: keep only the rest.
    if (!/ joined from | left$/.test(line)) keep(this.#otherLines, line);
  }

  #wake(): void {
    for (const wake of this.#portWaiters.splice(0)) wake();
  }

  async #lines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    let pending = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const part of parts) onLine(part);
    }
    if (pending !== "") onLine(pending);
  }
}

/** utime + stime (fields 14 and 15) of a /proc stat line, in ticks; NaN if unreadable. */
function cpuTicks(statLine: string): number {
  // The command name (field 2) is in parentheses and may hold spaces: count after it.
  const afterName = statLine.slice(statLine.lastIndexOf(")") + 2).split(/\s+/);
  return Number(afterName[11]) + Number(afterName[12]);
}

function keep(lines: string[], line: string): void {
  lines.push(line);
  if (lines.length > KEPT_LINES) lines.shift();
}
