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

/** A running `mochi` subcommand. */
export interface MochiProcess {
  readonly child: Deno.ChildProcess;
  /** Resolves with the first stderr line matching `pattern` (rejects on exit or timeout). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Everything printed on stderr so far. */
  stderrText(): string;
  /** Sends SIGTERM and waits for the exit; SIGKILL if it lingers. */
  stop(): Promise<Deno.CommandStatus>;
}

/** Starts `mochi <args>` with stdout and stdin closed. */
export function startMochi(args: string[], env: Record<string, string> = {}): MochiProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", "--config", CONFIG, MAIN, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env,
  }).spawn();
  let text = "";
  const listeners = new Set<() => void>();
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      text += decoder.decode(chunk, { stream: true });
      for (const listener of listeners) listener();
    }
    for (const listener of listeners) listener();
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  return {
    child,
    stderrText: () => text,
    waitForStderr(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`timed out waiting for ${pattern}`)),
          timeoutMs,
        );
        const finish = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        const check = () => {
          const match = text.match(pattern);
          if (match) finish(undefined, match);
          else if (exited) finish(new Error(`process exited before ${pattern}: ${text}`));
        };
        listeners.add(check);
        status.then(check);
        check();
      });
    },
    async stop() {
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
      await reading;
      return result;
    },
  };
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
    const match = await process.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
    return { process, port: Number(match[1]) };
  } catch (error) {
    await process.stop();
    throw error;
  }
}
