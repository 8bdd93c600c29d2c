/**
 * Real processes for end-to-end tests: start `mochi` subcommands from source,
 * read what they print, and always clean them up.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** main.ts of this checkout, so tests run the CLI exactly as `deno task mochi` does. */
export const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
/** deno.json of this checkout (for its import map and unstable flags). */
export const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

/** Text a process printed on one stream, growing as it arrives. */
class StreamText {
  text = "";
  readonly #listeners = new Set<() => void>();
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array> | null) {
    this.done = this.#read(stream);
  }

  /** Resolves with the first match of `pattern` in the text; rejects at the end of the stream or the timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let ended = false;
      const timer = setTimeout(
        () => finish(new Error(`timed out waiting for ${pattern} in: ${this.text}`)),
        timeoutMs,
      );
      const finish = (error?: Error, match?: RegExpMatchArray) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (error) reject(error);
        else resolve(match!);
      };
      const check = () => {
        const match = this.text.match(pattern);
        if (match) finish(undefined, match);
        else if (ended) finish(new Error(`stream ended before ${pattern}: ${this.text}`));
      };
      this.done.then(() => {
        ended = true;
        check();
      });
      this.#listeners.add(check);
      check();
    });
  }

  async #read(stream: ReadableStream<Uint8Array> | null): Promise<void> {
    if (stream === null) return;
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      this.text += chunk;
      for (const listener of this.#listeners) listener();
    }
  }
}

/** A running `mochi` subcommand. */
export interface MochiProcess {
  readonly child: Deno.ChildProcess;
  /** What it printed on stdout / stderr so far, and waits for patterns in it. */
  readonly stdout: StreamText;
  readonly stderr: StreamText;
  /** Writes text to its stdin (only when started with `stdin: true`). */
  write(text: string): Promise<void>;
  /** Writes bytes to its stdin (only when started with `stdin: true`). */
  writeBytes(bytes: Uint8Array): Promise<void>;
  /** Everything it wrote to stdout, as bytes, once stdout ends (only with `rawStdout: true`). */
  readonly stdoutBytes: Promise<Uint8Array>;
  /** Closes its stdin: end of input. */
  closeStdin(): Promise<void>;
  /** Resolves when it exits by itself. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Sends SIGTERM and waits for the exit; SIGKILL if it lingers. */
  stop(): Promise<Deno.CommandStatus>;
}

/** How to start a process. */
export interface StartOptions {
  env?: Record<string, string>;
  /** Give it a stdin pipe (else it reads /dev/null). */
  stdin?: boolean;
  /** Keep stdout's bytes too (binary output); `stdout.text` then stays empty. */
  rawStdout?: boolean;
  /** The working directory (default: the test's). */
  cwd?: string;
}

/** Starts `mochi <args>` from source. */
export function startMochi(args: string[], options: StartOptions = {}): MochiProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", "--config", CONFIG, MAIN, ...args],
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env ?? {},
    cwd: options.cwd,
  }).spawn();
  const stdout = new StreamText(options.rawStdout ? emptyStream() : child.stdout);
  const stdoutBytes = options.rawStdout
    ? new Response(child.stdout).arrayBuffer().then((buffer) => new Uint8Array(buffer))
    : Promise.resolve(new Uint8Array());
  const stderr = new StreamText(child.stderr);
  let exited = false;
  const status = child.status.then((result) => {
    exited = true;
    return result;
  });
  const writer = options.stdin ? child.stdin.getWriter() : null;
  let stdinClosed = false;
  return {
    child,
    stdout,
    stderr,
    status,
    stdoutBytes,
    async write(text) {
      await writer!.write(new TextEncoder().encode(text));
    },
    async writeBytes(bytes) {
      await writer!.write(bytes);
    },
    async closeStdin() {
      if (writer !== null && !stdinClosed) {
        stdinClosed = true;
        await writer.close().catch(() => {});
      }
    },
    async stop() {
      if (writer !== null && !stdinClosed) {
        stdinClosed = true;
        await writer.abort().catch(() => {});
      }
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5_000);
      const result = await status;
      clearTimeout(killer);
      await Promise.all([stdout.done, stderr.done, stdoutBytes]);
      return result;
    },
  };
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}

/** Starts `mochi netsim` in front of `upstreamPort` and resolves with the port it listens on. */
export async function startNetsim(
  upstreamPort: number,
  impairments: string[],
): Promise<{ process: MochiProcess; port: number }> {
  const process = startMochi([
    "netsim",
    "--listen",
    "127.0.0.1:0",
    "--upstream",
    `127.0.0.1:${upstreamPort}`,
    ...impairments,
  ]);
  try {
    const match = await process.stderr.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 20_000);
    return { process, port: Number(match[1]) };
  } catch (error) {
    await process.stop();
    throw error;
  }
}
